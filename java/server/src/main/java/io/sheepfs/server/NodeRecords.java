package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.server.store.ClusterConfig;
import io.sheepfs.server.vdi.VdiState;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encoders for the node-level structures this server sends: sd_node, cluster_info, epoch_log,
 * vdi_state, sd_md_info (PROTOCOL.md 7.4-7.8).
 * TODO(protocol): switch to the protocol module's phase-2 structs once published.
 */
final class NodeRecords {
    static final int SD_NODE = 80;
    static final int CLUSTER_INFO = 48 + 6144 * SD_NODE;
    static final int EPOCH_LOG = 48;
    static final int VDI_STATE = 1428;
    static final int MD_INFO = 64 * 4120 + 8;

    private NodeRecords() {
    }

    /** This node as an 80-byte sd_node (tree linkage zero). */
    static void putNode(byte[] b, int off, NodeAddress addr, int port, int zone, long space) {
        addr.writeTo(b, off + 24);
        Le.put16(b, off + 40, port);
        Le.put16(b, off + 64, 128);
        Le.put32(b, off + 68, zone & 0xFFFF_FFFFL);
        Le.put64(b, off + 72, space);
    }

    static byte[] clusterInfo(ClusterConfig c, int status, byte[] node) {
        byte[] b = new byte[CLUSTER_INFO];
        Le.put8(b, 0, 0x0a);
        if (c == null) {
            Le.put16(b, 16, 0x0004);
            Le.put8(b, 20, status);
            return b;
        }
        Le.put16(b, 2, 1);
        Le.put32(b, 4, c.epoch());
        Le.put64(b, 8, c.ctime());
        Le.put16(b, 16, c.flags());
        Le.put8(b, 18, c.nrCopies());
        Le.put8(b, 19, c.copyPolicy());
        Le.put8(b, 20, status);
        Le.put8(b, 21, c.blockSizeShift());
        putStore(b, 25, c.store());
        System.arraycopy(node, 0, b, 48, SD_NODE);
        return b;
    }

    private static void putStore(byte[] b, int off, String store) {
        byte[] s = store.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(s, 0, b, off, Math.min(s.length, 15));
    }

    /** One epoch log entry with stride 48 + nodesNr*80 (only this node's single epoch exists). */
    static byte[] epochLog(ClusterConfig c, int nodesNr, byte[] node) {
        byte[] b = new byte[EPOCH_LOG + nodesNr * SD_NODE];
        Le.put64(b, 0, c.ctime());
        Le.put32(b, 16, c.epoch());
        Le.put8(b, 25, c.nrCopies());
        Le.put8(b, 26, c.copyPolicy());
        Le.put16(b, 30, c.flags());
        putStore(b, 32, c.store());
        if (nodesNr > 0) {
            Le.put64(b, 8, c.epochTime());
            Le.put32(b, 20, 1);
            System.arraycopy(node, 0, b, EPOCH_LOG, SD_NODE);
        }
        return b;
    }

    static byte[] vdiStates(List<VdiState.View> states, NodeAddress addr, int port) {
        byte[] b = new byte[states.size() * VDI_STATE];
        int off = 0;
        for (VdiState.View s : states) {
            Le.put32(b, off, s.vid());
            Le.put8(b, off + 4, s.nrCopies());
            Le.put8(b, off + 5, s.snapshot() ? 1 : 0);
            Le.put8(b, off + 6, s.deleted() ? 1 : 0);
            Le.put8(b, off + 7, s.copyPolicy());
            Le.put8(b, off + 8, s.blockSizeShift());
            Le.put32(b, off + 12, s.parentVid());
            Le.put32(b, off + 16, s.lockState());
            if (s.lockState() == VdiState.LOCK_LOCKED) {
                addr.writeTo(b, off + 20);
                Le.put16(b, off + 36, port);
            }
            Le.put32(b, off + 60, s.participants());
            if (s.participants() > 0) {
                Le.put32(b, off + 64, 2);
                addr.writeTo(b, off + 188);
                Le.put16(b, off + 204, port);
            }
            off += VDI_STATE;
        }
        return b;
    }

    static byte[] mdInfo(String path, long size, long used) {
        byte[] b = new byte[MD_INFO];
        Le.put64(b, 8, size - used);
        Le.put64(b, 16, used);
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(p, 0, b, 24, Math.min(p.length, 4095));
        Le.put32(b, 64 * 4120, 1);
        return b;
    }
}
