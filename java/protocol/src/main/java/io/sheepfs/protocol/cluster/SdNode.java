package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * sd_node (PROTOCOL.md 7.4), 80 bytes: 24 bytes of in-memory tree linkage (garbage on the wire:
 * ignored on read, zero on write), nid @24, nr_vnodes u16 @64, zone u32 @68, space u64 @72.
 */
public record SdNode(NodeId nid, int nrVnodes, int zone, long space) {
    public static final int SIZE = 80;
    /** SD_MAX_NODES: the node array of cluster_info holds this many. */
    public static final int MAX_NODES = 6144;
    public static final int DEFAULT_VNODES = 128;

    public SdNode {
        java.util.Objects.requireNonNull(nid, "nid");
        Fields.u16("nr_vnodes", nrVnodes);
    }

    public static SdNode decode(byte[] b, int off) {
        ProtocolException.requireLength("sd_node", b.length - off, SIZE);
        return new SdNode(NodeId.decode(b, off + 24), Le.u16(b, off + 64), Le.i32(b, off + 68), Le.u64(b, off + 72));
    }

    public void encodeTo(byte[] b, int off) {
        Arrays.fill(b, off, off + 24, (byte) 0);
        nid.encodeTo(b, off + 24);
        Le.put16(b, off + 64, nrVnodes);
        Le.put16(b, off + 66, 0);
        Le.put32(b, off + 68, zone);
        Le.put64(b, off + 72, space);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encodeTo(b, 0);
        return b;
    }

    /** {@code count} consecutive nodes at {@code off}; count is bounded by MAX_NODES and the bytes present. */
    public static List<SdNode> decodeList(byte[] b, int off, long count) {
        ProtocolException.requireRange("node count", count, MAX_NODES);
        ProtocolException.requireLength("node list", b.length - off, count * SIZE);
        List<SdNode> out = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            out.add(decode(b, off + i * SIZE));
        }
        return List.copyOf(out);
    }

    /** A GET_NODE_LIST payload: the whole array must be nodes. */
    public static List<SdNode> decodeNodeList(byte[] payload) {
        if (payload.length % SIZE != 0) {
            throw new ProtocolException("node list of " + payload.length + " bytes is not a multiple of 80");
        }
        return decodeList(payload, 0, payload.length / SIZE);
    }

    public static byte[] encodeList(List<SdNode> nodes) {
        ProtocolException.requireRange("node count", nodes.size(), MAX_NODES);
        byte[] b = new byte[nodes.size() * SIZE];
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).encodeTo(b, i * SIZE);
        }
        return b;
    }

    /** sheep's default zone: the four IPv4 address bytes read as a LE u32. */
    public static int defaultZone(io.sheepfs.protocol.NodeAddress addr) {
        return Le.i32(addr.bytes(), 12);
    }
}
