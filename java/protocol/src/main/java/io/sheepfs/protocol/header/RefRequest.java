package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;

/** ref variant: DECREF_OBJ / DECREF_PEER. Header offsets: 16 oid; 24 generation u32; 28 count u32. */
public record RefRequest(long oid, int generation, int count) implements RequestUnion {
    public static RefRequest decode(byte[] u) {
        return new RefRequest(Le.u64(u, 0), Le.i32(u, 8), Le.i32(u, 12));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put64(u, 0, oid);
        Le.put32(u, 8, generation);
        Le.put32(u, 12, count);
    }
}
