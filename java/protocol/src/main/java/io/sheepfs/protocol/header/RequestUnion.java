package io.sheepfs.protocol.header;

/**
 * Typed view of the 32-byte request union (PROTOCOL.md 3.1). Offsets given in each variant are
 * from the start of the 48-byte header. {@link RequestHeader#body()} picks the variant the
 * opcode uses.
 */
public sealed interface RequestUnion permits ObjRequest, VdiRequest, ClusterRequest, VdiStateRequest,
        RefRequest, ForwardRequest, CheckpointRequest, InodeCoherenceRequest, NoRequestUnion {
    /** Union size in bytes (header bytes 16..47). */
    int SIZE = 32;

    /** Writes the variant into a zeroed 32-byte union array. */
    void encodeTo(byte[] union);

    /** A fresh 32-byte union holding this variant (unused bytes zero). */
    default UnionBytes toUnionBytes() {
        byte[] u = new byte[SIZE];
        encodeTo(u);
        return new UnionBytes(u);
    }
}
