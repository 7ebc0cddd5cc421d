package io.sheepfs.server;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.MdInfo;
import io.sheepfs.protocol.cluster.NodeId;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.server.store.ClusterConfig;
import io.sheepfs.server.vdi.VdiTable;

import java.util.ArrayList;
import java.util.List;

/** Builds the protocol's node-level records (sd_node, cluster_info, epoch_log, vdi_state, md_info) from this node's state. */
final class NodeRecords {
    private NodeRecords() {
    }

    static SdNode node(NodeAddress addr, int port, long space) {
        return new SdNode(NodeId.of(addr, port), SdNode.DEFAULT_VNODES, SdNode.defaultZone(addr), space);
    }

    /** CLUSTER_INFO; an unformatted node reports status WAIT, AUTO_VNODES and no nodes, as sheep does. */
    static byte[] clusterInfo(ClusterConfig c, int status, SdNode node) {
        if (c == null) {
            return new ClusterInfo(0x0a, 0, 0, 0, ClusterFlags.AUTO_VNODES, 0, 0, status, 0, "", List.of()).encode();
        }
        return new ClusterInfo(0x0a, 0, c.epoch(), c.ctime(), c.flags(), c.nrCopies(), c.copyPolicy(), status,
                c.blockSizeShift(), c.store(), List.of(node)).encode();
    }

    /** The one epoch of this node, with entry stride for the request's nodes_nr (0: no node array, no time). */
    static byte[] epochLog(ClusterConfig c, int nodesNr, SdNode node) {
        List<SdNode> nodes = nodesNr > 0 ? List.of(node) : List.of();
        long time = nodesNr > 0 ? c.epochTime() : 0;
        EpochLog log = new EpochLog(c.ctime(), time, c.epoch(), 0, c.nrCopies(), c.copyPolicy(), c.flags(), c.store(),
                nodes);
        return EpochLog.encodeAll(List.of(log), nodesNr);
    }

    static byte[] vdiStates(List<VdiTable.StateView> states, NodeId self) {
        List<VdiState> out = new ArrayList<>(states.size());
        for (VdiTable.StateView s : states) {
            boolean locked = s.lockState() == VdiState.LOCK_LOCKED;
            boolean shared = s.lockState() == VdiState.LOCK_SHARED;
            out.add(new VdiState(s.vid(), s.nrCopies(), s.snapshot(), s.deleted(), s.copyPolicy(),
                    s.blockSizeShift(), s.parentVid(), s.lockState(),
                    locked ? self : NodeId.of(NodeAddress.ZERO, 0),
                    shared ? List.of(VdiState.PARTICIPANT_SHARED) : List.of(),
                    shared ? List.of(self) : List.of()));
        }
        return VdiState.encodeAll(out);
    }

    static byte[] mdInfo(String path, long size, long used) {
        return new MdInfo(List.of(new MdInfo.Disk(0, size - used, used, path))).encode();
    }
}
