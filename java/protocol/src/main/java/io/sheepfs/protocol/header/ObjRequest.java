package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/**
 * obj variant: object I/O, DISCARD, FLUSH_VDI, FLUSH_DEL_CACHE, EXIST, GET_HASH, peer ops.
 * Header offsets: 16 oid; 24 cow_oid; 32 copies u8 (0 = the VDI's); 33 copy_policy; 34 ec_index;
 * 36 tgt_epoch u32; 40 offset u32 (byte offset inside the object).
 */
public record ObjRequest(long oid, long cowOid, int copies, int copyPolicy, int ecIndex, int tgtEpoch, long offset)
        implements RequestUnion {
    public ObjRequest {
        Fields.u8("copies", copies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("ec_index", ecIndex);
        Fields.u32("offset", offset);
    }

    /** Plain object access: oid at offset, copies 0 (VDI default). */
    public static ObjRequest of(long oid, long offset) {
        return new ObjRequest(oid, 0, 0, 0, 0, 0, offset);
    }

    /** Object write with copies and optional cow_oid (0 = none). */
    public static ObjRequest of(long oid, long cowOid, int copies, long offset) {
        return new ObjRequest(oid, cowOid, copies, 0, 0, 0, offset);
    }

    public static ObjRequest decode(byte[] u) {
        return new ObjRequest(Le.u64(u, 0), Le.u64(u, 8), Le.u8(u, 16), Le.u8(u, 17), Le.u8(u, 18),
            Le.i32(u, 20), Le.u32(u, 24));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put64(u, 0, oid);
        Le.put64(u, 8, cowOid);
        Le.put8(u, 16, copies);
        Le.put8(u, 17, copyPolicy);
        Le.put8(u, 18, ecIndex);
        Le.put32(u, 20, tgtEpoch);
        Le.put32(u, 24, offset);
    }
}
