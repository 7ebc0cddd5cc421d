package io.sheepfs.protocol.vdi;

/** One gref entry of an inode (PROTOCOL.md 9.6): {s32 generation, s32 count}. */
public record Gref(int generation, int count) {
    public static final int SIZE = 8;
    public static final Gref ZERO = new Gref(0, 0);
}
