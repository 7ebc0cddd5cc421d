package io.sheepfs.fs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link VolumeAttacher} that only records what is attached, for tree tests that run without
 * a FUSE mount. {@link #busy} makes detach fail the way the native core does for an open volume.
 */
final class MemoryAttacher implements VolumeAttacher {
    final Map<Long, VolumeNode> attached = new ConcurrentHashMap<>();
    volatile boolean busy;

    @Override
    public void attach(VolumeNode volume) throws FsException {
        if (attached.putIfAbsent(volume.ino(), volume) != null) {
            throw new FsException(Errno.EEXIST, "inode " + volume.ino() + " already attached");
        }
    }

    @Override
    public void detach(VolumeNode volume) throws FsException {
        if (busy) {
            throw new FsException(Errno.EBUSY, "volume in use");
        }
        if (attached.remove(volume.ino()) == null) {
            throw new FsException(Errno.ENOENT, "not attached");
        }
    }
}
