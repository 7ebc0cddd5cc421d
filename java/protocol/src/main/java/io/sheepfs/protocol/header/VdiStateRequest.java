package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/**
 * vdi_state variant: NOTIFY_VDI_ADD, ALTER_VDI_COPY.
 * Header offsets: 16 old_vid u32; 20 new_vid u32; 24 copies; 25 set_bitmap; 26 copy_policy;
 * 27 block_size_shift.
 */
public record VdiStateRequest(int oldVid, int newVid, int copies, int setBitmap, int copyPolicy, int blockSizeShift)
        implements RequestUnion {
    public VdiStateRequest {
        Fields.u8("copies", copies);
        Fields.u8("set_bitmap", setBitmap);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("block_size_shift", blockSizeShift);
    }

    public static VdiStateRequest decode(byte[] u) {
        return new VdiStateRequest(Le.i32(u, 0), Le.i32(u, 4), Le.u8(u, 8), Le.u8(u, 9), Le.u8(u, 10), Le.u8(u, 11));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put32(u, 0, oldVid);
        Le.put32(u, 4, newVid);
        Le.put8(u, 8, copies);
        Le.put8(u, 9, setBitmap);
        Le.put8(u, 10, copyPolicy);
        Le.put8(u, 11, blockSizeShift);
    }
}
