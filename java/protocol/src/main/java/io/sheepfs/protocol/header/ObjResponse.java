package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/** Object I/O responses. Header offsets: 20 copies u8; 24 offset u64 (always 0 in 1.0). */
public record ObjResponse(int copies, long offset) implements ResponseUnion {
    public ObjResponse {
        Fields.u8("copies", copies);
    }

    public static ObjResponse decode(byte[] r) {
        return new ObjResponse(Le.u8(r, 0), Le.u64(r, 4));
    }

    @Override
    public void encodeTo(byte[] r) {
        Le.put8(r, 0, copies);
        Le.put64(r, 4, offset);
    }
}
