package io.sheepfs.protocol.props;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.MdInfo;
import io.sheepfs.protocol.cluster.NodeId;
import io.sheepfs.protocol.cluster.RecoveryState;
import io.sheepfs.protocol.cluster.RecoveryThrottling;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.protocol.vdi.VdiBitmap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encode/decode round trips of every structure record. */
class StructProperties {
    /** Arbitraries of mixed types for Combinators.combine(List). */
    static List<Arbitrary<Object>> args(Arbitrary<?>... as) {
        return java.util.Arrays.stream(as).map(a -> a.map(x -> (Object) x)).toList();
    }

    static Arbitrary<Integer> u8() {
        return Arbitraries.integers().between(0, 255);
    }

    static Arbitrary<Integer> u16() {
        return Arbitraries.integers().between(0, 0xffff);
    }

    /** Strings that fit a NUL-padded field of {@code len} bytes (no NUL, UTF-8 length < len). */
    static Arbitrary<String> cString(int maxChars) {
        return Arbitraries.strings().ofMaxLength(maxChars).filter(s -> s.indexOf('\0') < 0)
            .map(s -> new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.UTF_8))
            .filter(s -> s.indexOf('\0') < 0 && s.indexOf('\uFFFD') < 0);
    }

    static Arbitrary<NodeId> nodeIds() {
        Arbitrary<NodeAddress> a = Arbitraries.bytes().array(byte[].class).ofSize(16).map(NodeAddress::new);
        return Combinators.combine(a, u16(), a, u16()).as(NodeId::new);
    }

    static Arbitrary<SdNode> sdNodes() {
        return Combinators.combine(nodeIds(), u16(), Arbitraries.integers(), Arbitraries.longs()).as(SdNode::new);
    }

    @Provide
    Arbitrary<InodeHeader> inodeHeaders() {
        Arbitrary<Long> l = Arbitraries.longs();
        Arbitrary<Integer> i = Arbitraries.integers();
        Arbitrary<String> s = cString(80);
        return Combinators.combine(args(s, s, l, l, l, l, l, u8(), u8(), u8(), u8(), i, i, i, i)).as(v ->
            new InodeHeader((String) v.get(0), (String) v.get(1), (Long) v.get(2), (Long) v.get(3), (Long) v.get(4),
                (Long) v.get(5), (Long) v.get(6), (Integer) v.get(7), (Integer) v.get(8), (Integer) v.get(9),
                (Integer) v.get(10), (Integer) v.get(11), (Integer) v.get(12), (Integer) v.get(13),
                (Integer) v.get(14)));
    }

    @Property
    void inodeHeaderRoundTrip(@ForAll("inodeHeaders") InodeHeader h) {
        byte[] b = h.encode();
        assertEquals(InodeHeader.SIZE, b.length);
        assertEquals(h, InodeHeader.decode(b));
        assertArrayEquals(b, InodeHeader.decode(b).encode());
        assertEquals(h, Inode.decode(b).header());
    }

    @Property(tries = 20)
    void newInodeObjectsHaveAnEmptyIndex(@ForAll("inodeHeaders") InodeHeader h, @ForAll @IntRange(max = (1 << 20) - 1) int idx) {
        Inode inode = Inode.decode(h.encodeNewObject());
        assertEquals(h, inode.header());
        assertTrue(inode.hasGref());
        assertEquals(0, inode.lookup(idx));
        assertEquals(0, inode.gref(idx).count());
        if (h.isHyper()) {
            assertEquals(1, inode.btreeRoot().depth());
            assertEquals(0, inode.btreeRoot().entries());
        }
    }

    @Property
    void sdNodeRoundTrip(@ForAll("nodes") List<SdNode> nodes) {
        byte[] b = SdNode.encodeList(nodes);
        assertEquals(nodes, SdNode.decodeNodeList(b));
    }

    @Provide
    Arbitrary<List<SdNode>> nodes() {
        return sdNodes().list().ofMaxSize(8);
    }

    @Property(tries = 50)
    void clusterInfoRoundTrip(@ForAll("clusterInfos") ClusterInfo ci) {
        byte[] b = ci.encode();
        assertEquals(ClusterInfo.SIZE, b.length);
        assertEquals(ci, ClusterInfo.decode(b));
    }

    @Provide
    Arbitrary<ClusterInfo> clusterInfos() {
        return Combinators.combine(args(u8(), u8(), Arbitraries.integers(), Arbitraries.longs(), u16(), u8(), u8(),
            u8(), u8(), cString(15).filter(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 16),
            sdNodes().list().ofMaxSize(5))).as(v -> new ClusterInfo((Integer) v.get(0), (Integer) v.get(1),
            (Integer) v.get(2), (Long) v.get(3), (Integer) v.get(4), (Integer) v.get(5), (Integer) v.get(6),
            (Integer) v.get(7), (Integer) v.get(8), (String) v.get(9), castNodes(v.get(10))));
    }

    @SuppressWarnings("unchecked")
    private static List<SdNode> castNodes(Object o) {
        return (List<SdNode>) o;
    }

    @Property
    void epochLogsRoundTrip(@ForAll("epochLogs") List<EpochLog> logs, @ForAll @IntRange(min = 4, max = 8) int nodesNr) {
        byte[] b = EpochLog.encodeAll(logs, nodesNr);
        assertEquals(logs.size() * EpochLog.stride(nodesNr), b.length);
        assertEquals(logs, EpochLog.decodeAll(b, nodesNr));
    }

    @Provide
    Arbitrary<List<EpochLog>> epochLogs() {
        Arbitrary<String> drv = cString(15).filter(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 16);
        Arbitrary<EpochLog> one = Combinators.combine(args(Arbitraries.longs(), Arbitraries.longs(),
            Arbitraries.integers(), u8(), u8(), u8(), u16(), drv, sdNodes().list().ofMaxSize(4))).as(v ->
            new EpochLog((Long) v.get(0), (Long) v.get(1), (Integer) v.get(2), (Integer) v.get(3), (Integer) v.get(4),
                (Integer) v.get(5), (Integer) v.get(6), (String) v.get(7), castNodes(v.get(8))));
        return one.list().ofMaxSize(4);
    }

    @Property
    void vdiStateRoundTrip(@ForAll("vdiStates") List<VdiState> states) {
        assertEquals(states, VdiState.decodeAll(VdiState.encodeAll(states)));
    }

    @Provide
    Arbitrary<List<VdiState>> vdiStates() {
        Arbitrary<Integer> i = Arbitraries.integers();
        Arbitrary<Boolean> bool = Arbitraries.of(true, false);
        Arbitrary<List<NodeId>> parts = nodeIds().list().ofMaxSize(VdiState.MAX_PARTICIPANTS);
        Arbitrary<VdiState> one = Combinators.combine(args(i, u8(), bool, bool, u8(), u8(), i, i, nodeIds(), parts))
            .as(v -> {
                @SuppressWarnings("unchecked")
                List<NodeId> p = (List<NodeId>) v.get(9);
                List<Integer> st = p.stream().map(NodeId::port).toList();
                return new VdiState((Integer) v.get(0), (Integer) v.get(1), (Boolean) v.get(2), (Boolean) v.get(3),
                    (Integer) v.get(4), (Integer) v.get(5), (Integer) v.get(6), (Integer) v.get(7), (NodeId) v.get(8),
                    st, p);
            });
        return one.list().ofMaxSize(5);
    }

    @Property
    void attributeRoundTrip(@ForAll("attributes") VdiAttribute a) {
        byte[] b = a.encode();
        assertEquals(VdiAttribute.SIZE, b.length);
        assertEquals(a, VdiAttribute.decode(b));
    }

    @Provide
    Arbitrary<VdiAttribute> attributes() {
        return Combinators.combine(cString(60), cString(60), Arbitraries.longs(), Arbitraries.integers(), cString(60),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(VdiAttribute.MAX_VALUE)).as(VdiAttribute::new);
    }

    @Property
    void smallStructsRoundTrip(@ForAll("u8s") int a, @ForAll int b, @ForAll long c, @ForAll long d) {
        RecoveryState rs = new RecoveryState(a, b, c, d);
        assertEquals(rs, RecoveryState.decode(rs.encode()));
        RecoveryThrottling rt = new RecoveryThrottling(b, c, a);
        assertEquals(rt, RecoveryThrottling.decode(rt.encode()));
        MdInfo md = new MdInfo(List.of(new MdInfo.Disk(b, c, d, "/var/lib/sheep/" + a)));
        assertEquals(md, MdInfo.decode(md.encode()));
    }

    @Provide
    Arbitrary<Integer> u8s() {
        return u8();
    }

    @Property(tries = 30)
    void bitmapRoundTrip(@ForAll @Size(max = 50) Set<@IntRange(min = 0, max = ObjectId.MAX_VID) Integer> vids) {
        VdiBitmap b = VdiBitmap.of(vids.stream().mapToInt(Integer::intValue).toArray());
        VdiBitmap back = VdiBitmap.decode(b.encode());
        assertEquals(b, back);
        assertEquals(new TreeSet<>(vids).stream().toList(), back.vids().boxed().toList());
        assertEquals(vids.size(), back.count());
        for (int v : vids) {
            assertTrue(back.isSet(v));
            // LSB-first bit order of PROTOCOL.md 7.8
            assertTrue((b.bytes()[v >>> 3] & (1 << (v & 7))) != 0);
        }
    }
}
