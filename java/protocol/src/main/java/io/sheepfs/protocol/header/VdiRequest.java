package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/**
 * vdi variant: NEW_VDI, GET_VDI_INFO, LOCK/RELEASE_VDI, DEL_VDI, GET_VDI_ATTR.
 * Header offsets: 16 vdi_size u64; 24 base_vdi_id u32; 28 copies; 29 copy_policy; 30 store_policy
 * (1 = hyper volume); 31 block_size_shift; 32 snapid u32; 36 type u32 (lock: 0 normal, 1 shared).
 */
public record VdiRequest(long vdiSize, int baseVdiId, int copies, int copyPolicy, int storePolicy,
                         int blockSizeShift, int snapId, int type) implements RequestUnion {
    public static final int LOCK_NORMAL = 0;
    public static final int LOCK_SHARED = 1;

    public VdiRequest {
        Fields.u8("copies", copies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("store_policy", storePolicy);
        Fields.u8("block_size_shift", blockSizeShift);
    }

    /** Lookup-style request (GET_VDI_INFO, DEL_VDI, GET_VDI_ATTR): only snapid set. */
    public static VdiRequest lookup(int snapId) {
        return new VdiRequest(0, 0, 0, 0, 0, 0, snapId, 0);
    }

    public static VdiRequest decode(byte[] u) {
        return new VdiRequest(Le.u64(u, 0), Le.i32(u, 8), Le.u8(u, 12), Le.u8(u, 13), Le.u8(u, 14),
            Le.u8(u, 15), Le.i32(u, 16), Le.i32(u, 20));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put64(u, 0, vdiSize);
        Le.put32(u, 8, baseVdiId);
        Le.put8(u, 12, copies);
        Le.put8(u, 13, copyPolicy);
        Le.put8(u, 14, storePolicy);
        Le.put8(u, 15, blockSizeShift);
        Le.put32(u, 16, snapId);
        Le.put32(u, 20, type);
    }
}
