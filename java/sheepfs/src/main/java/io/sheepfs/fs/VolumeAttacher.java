package io.sheepfs.fs;

/**
 * Hands volumes to the component that serves their data (the native FUSE core): after
 * {@link #attach}, reads and writes of inode {@code ino} go to VDI {@code vid}; after
 * {@link #detach}, they stop. Called from control-file writes, one at a time per volume.
 */
public interface VolumeAttacher {
    /** Starts serving VDI {@code vid} (called {@code name}) as inode {@code ino}, and tells its
     *  size as read from the inode; a failure carries the errno the user sees. */
    AttachedVolume attach(long ino, String name, int vid) throws FsException;

    /** Stops serving {@code volume} (EBUSY if it cannot be detached now). */
    void detach(VolumeNode volume) throws FsException;
}
