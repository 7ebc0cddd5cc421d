package io.sheepfs.fs;

/**
 * Hands volumes to the component that serves their data (the native FUSE core): after
 * {@link #attach}, reads and writes of inode {@code volume.ino()} go to VDI {@code volume.vid()};
 * after {@link #detach}, they stop. Called from control-file writes, one at a time per volume.
 */
public interface VolumeAttacher {
    /** Starts serving {@code volume}; a failure carries the errno the user sees. */
    void attach(VolumeNode volume) throws FsException;

    /** Stops serving {@code volume} (EBUSY if it cannot be detached now). */
    void detach(VolumeNode volume) throws FsException;
}
