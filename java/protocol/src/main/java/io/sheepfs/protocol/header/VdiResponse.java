package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/**
 * VDI responses (NEW_VDI, LOCK_VDI, GET_VDI_INFO, DEL_VDI, GET_VDI_ATTR).
 * Header offsets: 20 rsvd u32; 24 vdi_id u32; 28 attr_id u32; 32 copies u8; 33 block_size_shift u8.
 */
public record VdiResponse(int rsvd, int vdiId, int attrId, int copies, int blockSizeShift) implements ResponseUnion {
    public VdiResponse {
        Fields.u8("copies", copies);
        Fields.u8("block_size_shift", blockSizeShift);
    }

    public static VdiResponse of(int vdiId, int copies, int blockSizeShift) {
        return new VdiResponse(0, vdiId, 0, copies, blockSizeShift);
    }

    public static VdiResponse decode(byte[] r) {
        return new VdiResponse(Le.i32(r, 0), Le.i32(r, 4), Le.i32(r, 8), Le.u8(r, 12), Le.u8(r, 13));
    }

    @Override
    public void encodeTo(byte[] r) {
        Le.put32(r, 0, rsvd);
        Le.put32(r, 4, vdiId);
        Le.put32(r, 8, attrId);
        Le.put8(r, 12, copies);
        Le.put8(r, 13, blockSizeShift);
    }
}
