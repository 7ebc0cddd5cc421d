package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;

/** inode_coherence variant: INODE_COHERENCE. Header offsets: 16 vid; 20 validate. */
public record InodeCoherenceRequest(int vid, int validate) implements RequestUnion {
    public static InodeCoherenceRequest decode(byte[] u) {
        return new InodeCoherenceRequest(Le.i32(u, 0), Le.i32(u, 4));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put32(u, 0, vid);
        Le.put32(u, 4, validate);
    }
}
