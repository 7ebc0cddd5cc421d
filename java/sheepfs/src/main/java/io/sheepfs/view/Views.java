package io.sheepfs.view;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sheepfs.client.ClusterStatus;
import io.sheepfs.client.NodeStat;
import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiSummary;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.format.DogFormat;
import io.sheepfs.protocol.vdi.InodeHeader;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fetches what each view shows from the cluster and renders it: as dog's text, or as JSON with
 * the same facts (sizes in bytes, times in ISO-8601 in the view's zone).
 */
public final class Views {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SheepClient client;
    private final ZoneId zone;

    public Views(SheepClient client, ZoneId zone) {
        this.client = client;
        this.zone = zone;
    }

    public String clusterInfo() throws IOException {
        return ClusterInfoView.render(client.clusterStatus(), zone);
    }

    public String vdiList() throws IOException {
        return VdiListView.render(client.listVdis(), zone);
    }

    public String nodeList() throws IOException {
        return NodeListView.render(client.nodes());
    }

    public String nodeInfo() throws IOException {
        List<SdNode> nodes = client.nodes();
        List<NodeStat> stats = client.nodeStats(nodes);
        return NodeInfoView.render(stats, stats.isEmpty() ? 0 : totalVirtualSize(client.listInodeHeaders()));
    }

    /** dog node info's last line: vdi_size summed over VDIs that are not snapshots. */
    public static long totalVirtualSize(List<InodeHeader> headers) {
        long sum = 0;
        for (InodeHeader h : headers) {
            if (!h.isSnapshot()) {
                sum += h.vdiSize();
            }
        }
        return sum;
    }

    public String clusterInfoJson() throws IOException {
        ClusterStatus s = client.clusterStatus();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", s.result() == Result.SUCCESS ? "running" : Result.message(s.result()));
        if (!s.logs().isEmpty()) {
            EpochLog first = s.logs().get(0);
            m.put("autoRecovery", first.disableRecovery() == 0);
            m.put("created", time(DogFormat.seconds(first.ctime())));
            m.put("copies", first.nrCopies());
            m.put("copyPolicy", first.copyPolicy());
            m.put("flags", first.flags());
            m.put("store", first.driverName());
        }
        List<Object> epochs = new ArrayList<>();
        for (EpochLog log : s.logs()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", Integer.toUnsignedLong(log.epoch()));
            e.put("time", time(log.time()));
            e.put("nodes", nodes(log.nodes()));
            epochs.add(e);
        }
        m.put("epochs", epochs);
        return write(m);
    }

    public String vdiListJson() throws IOException {
        List<Object> out = new ArrayList<>();
        for (VdiSummary v : client.listVdis()) {
            InodeHeader h = v.header();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("vid", Integer.toHexString(h.vdiId()));
            m.put("snapshot", h.isSnapshot());
            m.put("clone", !h.isSnapshot() && h.isClone());
            m.put("snapId", Integer.toUnsignedLong(h.snapId()));
            m.put("tag", h.tag());
            m.put("size", h.vdiSize());
            m.put("used", v.usedBytes());
            m.put("shared", v.sharedBytes());
            m.put("created", time(h.createSeconds()));
            m.put("copies", DogFormat.copies(h.nrCopies(), h.copyPolicy()));
            m.put("blockSizeShift", h.blockSizeShift());
            m.put("parent", h.parentVdiId() == 0 ? null : Integer.toHexString(h.parentVdiId()));
            m.put("hyper", h.isHyper());
            out.add(m);
        }
        return write(out);
    }

    public String nodeListJson() throws IOException {
        return write(nodes(client.nodes()));
    }

    public String nodeInfoJson() throws IOException {
        List<SdNode> nodes = client.nodes();
        List<NodeStat> stats = client.nodeStats(nodes);
        List<Object> rows = new ArrayList<>();
        for (NodeStat s : stats) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.index());
            m.put("address", DogFormat.address(s.node().nid().addr(), s.node().nid().port()));
            m.put("size", s.size());
            m.put("used", s.used());
            m.put("free", s.free());
            rows.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", rows);
        m.put("totalVirtualSize", totalVirtualSize(client.listInodeHeaders()));
        return write(m);
    }

    private List<Object> nodes(List<SdNode> nodes) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            SdNode n = nodes.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", i);
            m.put("address", DogFormat.address(n.nid().addr(), n.nid().port()));
            m.put("vnodes", n.nrVnodes());
            m.put("zone", Integer.toUnsignedLong(n.zone()));
            m.put("space", n.space());
            out.add(m);
        }
        return out;
    }

    private String time(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).atZone(zone).toOffsetDateTime().toString();
    }

    private static String write(Object o) throws IOException {
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IOException("JSON rendering failed", e);
        }
    }
}
