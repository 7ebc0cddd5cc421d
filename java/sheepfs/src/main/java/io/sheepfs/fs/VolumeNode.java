package io.sheepfs.fs;

/** volume/NAME: an attached VDI, whose data the native core serves. */
public record VolumeNode(long ino, String name, long vid, long size, int blockSizeShift) implements Node {
    @Override
    public int perm() {
        return 0644;
    }
}
