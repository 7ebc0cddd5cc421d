package io.sheepfs.protocol.header;

/**
 * Typed view of the response union after the result word: header bytes 20..47 (28 bytes,
 * PROTOCOL.md 3.2). Offsets given in each variant are from the start of the 48-byte header.
 */
public sealed interface ResponseUnion permits PlainResponse, ObjResponse, VdiResponse, NodeResponse, HashResponse,
        ClusterDefaultResponse {
    /** Size of the part after the result word (header bytes 20..47). */
    int SIZE = 28;

    /** Writes the variant into a zeroed 28-byte array (index 0 = header byte 20). */
    void encodeTo(byte[] rest);

    default UnionBytes toUnionBytes() {
        byte[] u = new byte[SIZE];
        encodeTo(u);
        return new UnionBytes(u);
    }
}
