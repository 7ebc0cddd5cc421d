package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

import java.util.List;

/**
 * cluster_info, the CLUSTER_INFO payload (PROTOCOL.md 7.5), 491,568 bytes: proto_ver u8 @0,
 * disable_recovery u8 @1, nr_nodes u16 @2, epoch u32 @4, ctime u64 @8, flags u16 @16, nr_copies
 * @18, copy_policy @19, status @20, block_size_shift @21, default_store[16] @25, nodes[6144] @48.
 * {@code nodes} holds the first nr_nodes entries.
 */
public record ClusterInfo(int protoVer, int disableRecovery, int epoch, long ctime, int flags, int nrCopies,
                          int copyPolicy, int status, int blockSizeShift, String defaultStore, List<SdNode> nodes) {
    public static final int SIZE = 48 + SdNode.MAX_NODES * SdNode.SIZE;
    public static final int STORE_LEN = 16;

    public ClusterInfo {
        Fields.u8("proto_ver", protoVer);
        Fields.u8("disable_recovery", disableRecovery);
        Fields.u16("flags", flags);
        Fields.u8("nr_copies", nrCopies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("status", status);
        Fields.u8("block_size_shift", blockSizeShift);
        nodes = List.copyOf(nodes);
        ProtocolException.requireRange("nr_nodes", nodes.size(), SdNode.MAX_NODES);
        if (defaultStore.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= STORE_LEN) {
            throw new ProtocolException("store name too long: " + defaultStore);
        }
    }

    /** Decodes the struct; {@code b} must hold the header and nr_nodes (at most 6144) nodes. */
    public static ClusterInfo decode(byte[] b) {
        ProtocolException.requireLength("cluster_info", b.length, 48);
        int nr = Le.u16(b, 2);
        List<SdNode> nodes = SdNode.decodeList(b, 48, nr);
        return new ClusterInfo(Le.u8(b, 0), Le.u8(b, 1), Le.i32(b, 4), Le.u64(b, 8), Le.u16(b, 16), Le.u8(b, 18),
            Le.u8(b, 19), Le.u8(b, 20), Le.u8(b, 21), FixedString.read(b, 25, STORE_LEN), nodes);
    }

    /** The full 491,568-byte struct, as sheep always returns it. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        Le.put8(b, 0, protoVer);
        Le.put8(b, 1, disableRecovery);
        Le.put16(b, 2, nodes.size());
        Le.put32(b, 4, epoch);
        Le.put64(b, 8, ctime);
        Le.put16(b, 16, flags);
        Le.put8(b, 18, nrCopies);
        Le.put8(b, 19, copyPolicy);
        Le.put8(b, 20, status);
        Le.put8(b, 21, blockSizeShift);
        FixedString.write(b, 25, STORE_LEN, defaultStore);
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).encodeTo(b, 48 + i * SdNode.SIZE);
        }
        return b;
    }

    /** ctime == 0: never formatted. */
    public boolean isFormatted() {
        return ctime != 0;
    }
}
