package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

import java.util.ArrayList;
import java.util.List;

/**
 * One epoch_log entry of a STAT_CLUSTER response (PROTOCOL.md 7.6): ctime u64 @0, time u64 @8
 * (plain seconds), epoch u32 @16, nr_nodes u32 @20, disable_recovery @24, nr_copies @25,
 * copy_policy @26, flags u16 @30, drv_name[16] @32, then the node array. The entry stride is
 * 48 + nodesNr*80 where nodesNr comes from the <em>request</em> (cluster.nodes_nr).
 */
public record EpochLog(long ctime, long time, int epoch, int disableRecovery, int nrCopies, int copyPolicy,
                       int flags, String driverName, List<SdNode> nodes) {
    public static final int HEADER_SIZE = 48;
    public static final int DRV_NAME_LEN = 16;

    public EpochLog {
        Fields.u8("disable_recovery", disableRecovery);
        Fields.u8("nr_copies", nrCopies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u16("flags", flags);
        nodes = List.copyOf(nodes);
    }

    public static int stride(int nodesNr) {
        ProtocolException.requireRange("nodes_nr", nodesNr, SdNode.MAX_NODES);
        return HEADER_SIZE + nodesNr * SdNode.SIZE;
    }

    /** Decodes one entry at {@code off} whose node area has room for {@code nodesNr} nodes. */
    public static EpochLog decode(byte[] b, int off, int nodesNr) {
        ProtocolException.requireLength("epoch_log", b.length - off, stride(nodesNr));
        long nr = Le.u32(b, off + 20);
        if (nr > nodesNr) {
            throw new ProtocolException("epoch_log has " + nr + " nodes but room for " + nodesNr);
        }
        return new EpochLog(Le.u64(b, off), Le.u64(b, off + 8), Le.i32(b, off + 16), Le.u8(b, off + 24),
            Le.u8(b, off + 25), Le.u8(b, off + 26), Le.u16(b, off + 30), FixedString.read(b, off + 32, DRV_NAME_LEN),
            SdNode.decodeList(b, off + HEADER_SIZE, nr));
    }

    /** Every entry of a STAT_CLUSTER payload (length must be a multiple of the stride). */
    public static List<EpochLog> decodeAll(byte[] payload, int nodesNr) {
        int stride = stride(nodesNr);
        if (payload.length % stride != 0) {
            throw new ProtocolException("STAT_CLUSTER payload of " + payload.length + " bytes is not a multiple of "
                + stride);
        }
        List<EpochLog> out = new ArrayList<>();
        for (int off = 0; off < payload.length; off += stride) {
            out.add(decode(payload, off, nodesNr));
        }
        return List.copyOf(out);
    }

    /** Writes this entry at {@code off} with room for {@code nodesNr} nodes. */
    public void encodeTo(byte[] b, int off, int nodesNr) {
        if (nodes.size() > nodesNr) {
            throw new ProtocolException("epoch_log has " + nodes.size() + " nodes but room for " + nodesNr);
        }
        java.util.Arrays.fill(b, off, off + stride(nodesNr), (byte) 0);
        Le.put64(b, off, ctime);
        Le.put64(b, off + 8, time);
        Le.put32(b, off + 16, epoch);
        Le.put32(b, off + 20, nodes.size());
        Le.put8(b, off + 24, disableRecovery);
        Le.put8(b, off + 25, nrCopies);
        Le.put8(b, off + 26, copyPolicy);
        Le.put16(b, off + 30, flags);
        FixedString.write(b, off + 32, DRV_NAME_LEN, driverName);
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).encodeTo(b, off + HEADER_SIZE + i * SdNode.SIZE);
        }
    }

    /** A STAT_CLUSTER payload of these entries with stride for {@code nodesNr}. */
    public static byte[] encodeAll(List<EpochLog> logs, int nodesNr) {
        int stride = stride(nodesNr);
        byte[] b = new byte[logs.size() * stride];
        for (int i = 0; i < logs.size(); i++) {
            logs.get(i).encodeTo(b, i * stride, nodesNr);
        }
        return b;
    }
}
