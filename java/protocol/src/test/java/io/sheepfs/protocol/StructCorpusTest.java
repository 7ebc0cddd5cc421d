package io.sheepfs.protocol;

import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.protocol.vdi.VdiBitmap;
import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Node lists, cluster info, epoch logs, vdi states, attributes and bitmaps of the corpus: values and re-encoding. */
class StructCorpusTest {
    /** Calls {@code check} with each successful response of {@code opcode} and its payload. */
    private static int forEach(int opcode, BiConsumer<WireCorpus.Exchange, byte[]> check) {
        int n = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            if (e.response().isEmpty()) {
                continue;
            }
            ResponseHeader rs = ResponseHeader.decode(e.response().get().header());
            if (rs.opcode() == opcode && rs.isSuccess() && rs.dataLength() > 0) {
                check.accept(e, e.response().get().payload().bytes());
                n++;
            }
        }
        return n;
    }

    @Test
    void nodeListsNameTheRecordedNodes() {
        int n = forEach(Opcode.GET_NODE_LIST, (e, p) -> {
            List<SdNode> nodes = SdNode.decodeNodeList(p);
            boolean single = WireCorpus.scenario(e.scenario()).singleNode();
            assertEquals(single ? 1 : 3, nodes.size(), e.toString());
            for (int i = 0; i < nodes.size(); i++) {
                SdNode node = nodes.get(i);
                assertEquals("127.0.0.1:" + ((single ? 7010 : 7000) + i), node.nid().toString());
                assertEquals(SdNode.DEFAULT_VNODES, node.nrVnodes());
                assertTrue(node.space() > 0);
                // the tree linkage (first 24 bytes) is garbage on the wire: everything else round-trips
                byte[] wire = java.util.Arrays.copyOfRange(p, i * SdNode.SIZE + 24, (i + 1) * SdNode.SIZE);
                byte[] ours = java.util.Arrays.copyOfRange(node.encode(), 24, SdNode.SIZE);
                assertArrayEquals(wire, ours, e + " node " + i);
            }
            if (single) {
                assertEquals(SdNode.defaultZone(nodes.get(0).nid().addr()), nodes.get(0).zone());
                assertEquals(0x0100007f, nodes.get(0).zone());
            } else {
                assertEquals(List.of(0, 1, 2), nodes.stream().map(SdNode::zone).toList());
            }
        });
        assertTrue(n >= 10);
    }

    @Test
    void clusterInfoOfUnformattedAndFormattedClusters() {
        List<ClusterInfo> seen = new ArrayList<>();
        forEach(Opcode.CLUSTER_INFO, (e, p) -> {
            assertEquals(ClusterInfo.SIZE, p.length);
            ClusterInfo ci = ClusterInfo.decode(p);
            assertEquals(0x0a, ci.protoVer());
            seen.add(ci);
            if (ci.isFormatted()) {
                assertEquals(ClusterFlags.STATUS_OK, ci.status());
                assertEquals("plain", ci.defaultStore());
                assertFalse(ci.nodes().isEmpty());
                byte[] again = ci.encode();
                // identical except the garbage tree-linkage pointers of each node
                for (int i = 0; i < ci.nodes().size(); i++) {
                    java.util.Arrays.fill(p, 48 + i * SdNode.SIZE, 48 + i * SdNode.SIZE + 24, (byte) 0);
                }
                assertArrayEquals(p, again, e + " cluster_info re-encoding");
            } else {
                // PROTOCOL.md 7.5: unformatted node
                assertEquals(0, ci.nodes().size());
                assertEquals(0, ci.epoch());
                assertEquals(ClusterFlags.AUTO_VNODES, ci.flags());
                assertEquals(0, ci.nrCopies());
                assertEquals(ClusterFlags.STATUS_WAIT, ci.status());
                assertEquals(0, ci.blockSizeShift());
                assertArrayEquals(p, ci.encode(), e + " cluster_info re-encoding");
            }
        });
        assertTrue(seen.stream().anyMatch(ClusterInfo::isFormatted));
        assertTrue(seen.stream().anyMatch(c -> !c.isFormatted()));
    }

    @Test
    void epochLogsUseTheRequestedStride() {
        int n = 0;
        int withNodes = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            RequestHeader rq = RequestHeader.decode(e.request().header());
            if (rq.opcode() != Opcode.STAT_CLUSTER || e.response().isEmpty()) {
                continue;
            }
            ResponseHeader rs = ResponseHeader.decode(e.response().get().header());
            byte[] p = e.response().get().payload().bytes();
            int nodesNr = rq.cluster().nodesNr();
            if (!rs.isSuccess()) {
                assertEquals(Result.WAIT_FOR_FORMAT, rs.result());
                assertEquals(0, p.length);
                continue;
            }
            List<EpochLog> logs = EpochLog.decodeAll(p, nodesNr);
            assertEquals(p.length / EpochLog.stride(nodesNr), logs.size());
            EpochLog first = logs.get(0);
            assertEquals(1, first.epoch(), e.toString());
            assertTrue(first.ctime() != 0 && first.nrCopies() > 0);
            assertEquals("plain", first.driverName());
            if (nodesNr > 0) {
                withNodes++;
                assertEquals(WireCorpus.scenario(e.scenario()).singleNode() ? 1 : 3, first.nodes().size());
                assertTrue(first.time() > 1_700_000_000L, "epoch time in seconds");
            } else {
                assertEquals(0, first.time());
            }
            // epoch logs carry zeroed tree linkage: the whole payload re-encodes
            assertArrayEquals(p, EpochLog.encodeAll(logs, nodesNr), e + " epoch log re-encoding");
            n++;
        }
        assertTrue(n >= 10 && withNodes >= 2, n + " / " + withNodes);
    }

    @Test
    void vdiStatesListEveryVdiAscending() {
        int n = forEach(Opcode.GET_VDI_COPIES, (e, p) -> {
            List<VdiState> states = VdiState.decodeAll(p);
            assertEquals(6, states.size(), "PROTOCOL.md 9.4.8: 6 entries");
            for (int i = 1; i < states.size(); i++) {
                assertTrue(states.get(i - 1).vid() < states.get(i).vid());
            }
            assertTrue(states.stream().anyMatch(VdiState::snapshot));
            assertTrue(states.stream().allMatch(s -> s.lockState() == VdiState.LOCK_UNLOCKED));
            assertArrayEquals(p, VdiState.encodeAll(states), e + " vdi_state re-encoding");
        });
        assertEquals(1, n);
    }

    @Test
    void attributesOfSetattrAndGetattr() {
        List<VdiAttribute> attrs = new ArrayList<>();
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            RequestHeader rq = RequestHeader.decode(e.request().header());
            if (rq.opcode() == Opcode.GET_VDI_ATTR) {
                byte[] p = e.request().payload().bytes();
                VdiAttribute a = VdiAttribute.decode(p);
                assertArrayEquals(p, a.encode(), e + " attribute re-encoding");
                attrs.add(a);
            } else if (rq.opcode() == Opcode.READ_OBJ && ObjectId.isAttribute(rq.obj().oid())) {
                VdiAttribute a = VdiAttribute.decode(e.response().get().payload().bytes());
                assertEquals("rec1", a.name());
                assertEquals("color", a.key());
                assertEquals("blue", new String(a.value(), StandardCharsets.UTF_8));
                assertTrue(a.ctime() != 0, "ctime set by the server");
                assertEquals(ObjectId.attribute(VdiId.ofName(a.name()), a.attributeId()), rq.obj().oid());
                attrs.add(a);
            }
        }
        assertEquals(3, attrs.size());
    }

    /**
     * dog vdi list / tree read the inode of every vid whose in-use bit is set and deleted bit clear,
     * ascending: the bitmaps must name exactly those vids.
     */
    @Test
    void bitmapsNameTheInodesReadNext() {
        int checked = 0;
        int bitmaps = 0;
        for (WireCorpus.Scenario s : WireCorpus.scenarios()) {
            VdiBitmap inUse = null;
            VdiBitmap deleted = null;
            List<Integer> inodeReads = new ArrayList<>();
            for (WireCorpus.Exchange e : s.exchanges()) {
                RequestHeader rq = RequestHeader.decode(e.request().header());
                if (e.response().isEmpty()) {
                    continue;
                }
                byte[] p = e.response().get().payload().bytes();
                if (rq.opcode() == Opcode.READ_VDIS && inUse == null) {
                    inUse = VdiBitmap.decode(p);
                    assertArrayEquals(p, inUse.encode());
                    bitmaps++;
                } else if (rq.opcode() == Opcode.READ_DEL_VDIS && deleted == null) {
                    deleted = VdiBitmap.decode(p);
                    bitmaps++;
                } else if (rq.opcode() == Opcode.READ_OBJ && ObjectId.isInode(rq.obj().oid()) && rq.obj().offset() == 0
                    && rq.dataLength() == Inode.HEADER_WITH_BTREE_HEADER && deleted != null
                    && !inodeReads.contains(ObjectId.vid(rq.obj().oid()))) {
                    inodeReads.add(ObjectId.vid(rq.obj().oid()));
                }
            }
            if (inUse == null || deleted == null || !s.command().startsWith("dog vdi list")) {
                continue;
            }
            VdiBitmap del = deleted;
            List<Integer> live = inUse.vids().filter(v -> !del.isSet(v)).boxed().toList();
            assertEquals(live, inodeReads, s.name());
            assertFalse(inUse.isSet(0), "vid 0 is never used");
            checked++;
        }
        System.out.printf("bitmaps: %d decoded, %d vdi list sessions matched their inode reads%n", bitmaps, checked);
        assertTrue(checked >= 3 && bitmaps >= 20);
    }
}
