package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/**
 * cluster variant: MAKE_FS, STAT_CLUSTER, ALTER_CLUSTER_COPY.
 * Header offsets: 16 oid (unused); 24 ctime u64; 32 copies; 33 copy_policy; 34 flags u16
 * (cluster flags); 36 tag u32; 40 nodes_nr u32; 44 block_size_shift u8.
 */
public record ClusterRequest(long oid, long ctime, int copies, int copyPolicy, int flags, int tag, int nodesNr,
                             int blockSizeShift) implements RequestUnion {
    public ClusterRequest {
        Fields.u8("copies", copies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u16("cluster flags", flags);
        Fields.u8("block_size_shift", blockSizeShift);
    }

    /** STAT_CLUSTER asking for epoch logs with room for {@code nodesNr} nodes each. */
    public static ClusterRequest statCluster(int nodesNr) {
        return new ClusterRequest(0, 0, 0, 0, 0, 0, nodesNr, 0);
    }

    public static ClusterRequest decode(byte[] u) {
        return new ClusterRequest(Le.u64(u, 0), Le.u64(u, 8), Le.u8(u, 16), Le.u8(u, 17), Le.u16(u, 18),
            Le.i32(u, 20), Le.i32(u, 24), Le.u8(u, 28));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put64(u, 0, oid);
        Le.put64(u, 8, ctime);
        Le.put8(u, 16, copies);
        Le.put8(u, 17, copyPolicy);
        Le.put16(u, 18, flags);
        Le.put32(u, 20, tag);
        Le.put32(u, 24, nodesNr);
        Le.put8(u, 28, blockSizeShift);
    }
}
