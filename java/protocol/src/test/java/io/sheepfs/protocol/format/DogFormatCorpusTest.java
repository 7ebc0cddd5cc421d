package io.sheepfs.protocol.format;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The formatting primitives reproduce dog's recorded output: every vdi list row (sizes, dates,
 * raw mode), cluster info's dates and node list, node list rows and node info's total virtual
 * size are rebuilt from the recorded payloads and compared with the recorded stdout.
 */
class DogFormatCorpusTest {
    private static final ZoneId UTC = ZoneOffset.UTC;

    /** Inodes as dog vdi list sees them: 4672-byte header read plus the index ("meta") read, by vid, in order. */
    private static Map<Integer, Inode> listedInodes(WireCorpus.Scenario s) {
        Map<Integer, byte[]> headers = new LinkedHashMap<>();
        Map<Integer, Inode> out = new LinkedHashMap<>();
        for (WireCorpus.Exchange e : s.exchanges()) {
            RequestHeader rq = RequestHeader.decode(e.request().header());
            if (rq.opcode() != Opcode.READ_OBJ || !ObjectId.isInode(rq.obj().oid()) || e.response().isEmpty()) {
                continue;
            }
            int vid = ObjectId.vid(rq.obj().oid());
            byte[] p = e.response().get().payload().bytes();
            if (rq.obj().offset() == 0) {
                headers.put(vid, java.util.Arrays.copyOf(p, InodeHeader.SIZE));
                out.put(vid, Inode.decode(p));
            } else if (rq.obj().offset() == InodeHeader.SIZE && headers.containsKey(vid)) {
                ByteBuffer whole = ByteBuffer.allocate(InodeHeader.SIZE + p.length).put(headers.get(vid)).put(p).flip();
                out.put(vid, Inode.decode(whole));
            }
        }
        return out;
    }

    private static String row(Inode inode, boolean raw) {
        InodeHeader h = inode.header();
        Inode.Usage u = inode.usage(null);
        long used = u.own() * h.objectSize();
        long shared = u.shared() * h.objectSize();
        char mark = h.isSnapshot() ? 's' : h.isClone() ? 'c' : raw ? '=' : ' ';
        int id = h.isSnapshot() ? h.snapId() : 0;
        String copies = DogFormat.copies(h.nrCopies(), h.copyPolicy());
        if (raw) {
            return String.format("%c %s %d %s %s %s %d %x %s %s %d", mark, DogFormat.rawEscape(h.name()), id,
                DogFormat.size(h.vdiSize(), true), DogFormat.size(used, true), DogFormat.size(shared, true),
                h.createSeconds(), h.vdiId(), copies, h.tag(), h.blockSizeShift());
        }
        return String.format("%c %-8s %5d %7s %7s %7s %s  %7x %6s %13s %3d", mark, h.name(), id,
            DogFormat.size(h.vdiSize()), DogFormat.size(used), DogFormat.size(shared),
            DogFormat.dateMinutes(h.createSeconds(), UTC), h.vdiId(), copies, h.tag(), h.blockSizeShift());
    }

    @Test
    void vdiListRowsMatchTheRecordedOutput() {
        int rows = 0;
        for (WireCorpus.Scenario s : WireCorpus.scenarios()) {
            if (!s.command().startsWith("dog vdi list") || s.name().contains("unformatted")) {
                continue;
            }
            boolean raw = s.command().contains(" -r");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^dog vdi list(?: -r)? ([^\\s(-]\\S*)\\s*$")
                .matcher(s.command());
            String filter = m.matches() ? m.group(1) : null;
            List<String> expected = s.output().lines().filter(l -> !l.isEmpty()).collect(Collectors.toList());
            if (!raw) {
                assertTrue(expected.remove(0).startsWith("  Name        Id    Size"));
            }
            List<String> ours = new ArrayList<>();
            for (Inode inode : listedInodes(s).values()) {
                if (!inode.header().isDeleted() && (filter == null || filter.equals(inode.header().name()))) {
                    ours.add(row(inode, raw));
                }
            }
            assertEquals(expected, ours, s.name());
            rows += ours.size();
        }
        System.out.println("vdi list rows rebuilt identical: " + rows);
        assertTrue(rows >= 20);
    }

    @Test
    void clusterInfoDatesAndNodes() {
        int checked = 0;
        for (String name : List.of("cluster_info", "fresh_cluster_info")) {
            WireCorpus.Scenario s = WireCorpus.scenario(name);
            EpochLog last = null;
            for (WireCorpus.Exchange e : s.exchanges()) {
                RequestHeader rq = RequestHeader.decode(e.request().header());
                ResponseHeader rs = ResponseHeader.decode(e.response().get().header());
                if (rq.opcode() == Opcode.STAT_CLUSTER && rs.isSuccess() && rq.cluster().nodesNr() > 0) {
                    last = EpochLog.decodeAll(e.response().get().payload().bytes(), rq.cluster().nodesNr()).get(0);
                }
            }
            assertTrue(last != null);
            StringBuilder out = new StringBuilder("Cluster status: running, auto-recovery enabled\n\n");
            out.append("Cluster created at ").append(DogFormat.ctime(DogFormat.seconds(last.ctime()), UTC)).append("\n\n");
            out.append("Epoch Time           Version [Host:Port:V-Nodes,,,]\n");
            out.append(DogFormat.dateSeconds(last.time(), UTC)).append(String.format(" %6d", last.epoch())).append(" [");
            out.append(last.nodes().stream().map(n -> DogFormat.address(n.nid().addr(), n.nid().port()) + ":"
                + n.nrVnodes()).collect(Collectors.joining(", ")));
            out.append("]\n");
            assertEquals(s.output(), out.toString(), name);
            checked++;
        }
        assertEquals(2, checked);
    }

    @Test
    void nodeListRows() {
        WireCorpus.Scenario s = WireCorpus.scenario("node_list");
        byte[] p = s.exchanges().get(0).response().get().payload().bytes();
        StringBuilder out = new StringBuilder("  Id   Host:Port         V-Nodes       Zone\n");
        List<SdNode> nodes = SdNode.decodeNodeList(p);
        for (int i = 0; i < nodes.size(); i++) {
            SdNode n = nodes.get(i);
            out.append(String.format("%4d   %-20s\t%2d%11d%n", i, DogFormat.address(n.nid().addr(), n.nid().port()),
                n.nrVnodes(), Integer.toUnsignedLong(n.zone())));
        }
        assertEquals(s.output(), out.toString());
    }

    @Test
    void nodeInfoTotalVirtualImageSize() {
        for (String name : List.of("node_info", "fresh_node_info")) {
            WireCorpus.Scenario s = WireCorpus.scenario(name);
            long total = listedInodes(s).values().stream().map(Inode::header)
                .filter(h -> !h.isSnapshot() && !h.isDeleted()).mapToLong(InodeHeader::vdiSize).sum();
            String last = s.output().lines().reduce((a, b) -> b).orElseThrow();
            assertEquals("Total virtual image size\t" + DogFormat.size(total), last, name);
        }
    }

    @Test
    void vdiTreeSnapshotDate() {
        WireCorpus.Scenario s = WireCorpus.scenario("vdi_tree");
        Inode snap = listedInodes(s).values().stream().filter(i -> i.header().isSnapshot()).findFirst().orElseThrow();
        String label = "[" + DogFormat.dateMinutes(snap.header().snapSeconds(), UTC) + "]";
        assertTrue(s.output().contains(snap.header().name() + "---" + label + "---(you are here)"), s.output());
    }
}
