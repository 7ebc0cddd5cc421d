package io.sheepfs.fs;

import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.vdi.InodeHeader;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link VolumeAttacher} that only records what is attached, for tree tests that run without
 * a FUSE mount (it reads the inode's size as the native core would). {@link #busy} makes detach
 * fail the way the native core does for an open volume.
 */
final class MemoryAttacher implements VolumeAttacher {
    final Map<Long, VolumeNode> attached = new ConcurrentHashMap<>();
    volatile boolean busy;
    private final SheepClient client;

    MemoryAttacher(SheepClient client) {
        this.client = client;
    }

    @Override
    public AttachedVolume attach(long ino, String name, int vid) throws FsException {
        InodeHeader h;
        try {
            h = client.readInodeHeader(vid);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "attach " + name + ": " + e.getMessage(), e);
        }
        if (attached.putIfAbsent(ino, new VolumeNode(ino, name, vid, h.vdiSize(), h.blockSizeShift())) != null) {
            throw new FsException(Errno.EEXIST, "inode " + ino + " already attached");
        }
        return new AttachedVolume(h.vdiSize(), h.blockSizeShift());
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
