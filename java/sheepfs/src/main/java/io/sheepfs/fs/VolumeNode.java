package io.sheepfs.fs;

/** volume/NAME: an attached VDI, whose data the native core serves. */
public record VolumeNode(long ino, String name, int vid, long size, int blockSizeShift) implements Node {
    @Override
    public String path() {
        return "volume/" + name;
    }

    @Override
    public int perm() {
        return 0644;
    }
}
