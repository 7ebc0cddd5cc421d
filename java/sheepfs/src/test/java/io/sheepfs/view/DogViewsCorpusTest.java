package io.sheepfs.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.client.CorpusReplay;
import io.sheepfs.client.NodeStat;
import io.sheepfs.client.ScriptedPeer;
import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.cluster.NodeId;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.wire.WireCorpus;
import java.io.IOException;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each view rendered from what real sheep answered, fetched by the real client from a peer
 * that replays the recorded scenario, must equal dog's recorded stdout byte for byte (minus the
 * recorder's "rc=N" line). Dates in UTC, the recording machine's zone.
 */
class DogViewsCorpusTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    interface Render {
        String of(Views views, SheepClient client) throws IOException;
    }

    private static void check(String scenario, Render render) throws IOException {
        CorpusReplay replay = new CorpusReplay(scenario);
        try (ScriptedPeer peer = new ScriptedPeer(replay, true);
             SheepClient client = SheepClient.connect(peer.address())) {
            String text = render.of(new Views(client, ZoneOffset.UTC), client);
            assertEquals(WireCorpus.scenario(scenario).output(), text, scenario);
            assertEquals(List.of(), replay.unmatched(), "requests dog never sent");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cluster_info", "fresh_cluster_info", "fresh_cluster_info_unformatted"})
    void clusterInfo(String scenario) throws IOException {
        check(scenario, (v, c) -> v.clusterInfo());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vdi_list_before", "vdi_list_after", "fresh_vdi_list", "fresh_vdi_list2",
        "fresh_vdi_list_unformatted"})
    void vdiList(String scenario) throws IOException {
        check(scenario, (v, c) -> v.vdiList());
    }

    @org.junit.jupiter.api.Test
    void nodeList() throws IOException {
        check("node_list", (v, c) -> v.nodeList());
    }

    /**
     * node info: dog's STAT_SHEEP went straight to each node, past the recorder, so those
     * answers are not in the corpus. The per-node figures are therefore built from the recorded
     * stdout (sizes that print as "78 GB", used 288/396/340 MB); everything else - the node list
     * and the total virtual size from the pipelined inode reads - comes from the replayed answers.
     */
    @ParameterizedTest
    @ValueSource(strings = {"node_info", "fresh_node_info"})
    void nodeInfo(String scenario) throws IOException {
        check(scenario, (v, c) -> {
            List<SdNode> nodes = c.nodes();
            long size = 78 * GIB + 300 * MIB;
            long[] used = scenario.equals("node_info") ? new long[] {288 * MIB, 396 * MIB, 340 * MIB} : new long[] {0};
            assertEquals(used.length, nodes.size());
            List<NodeStat> stats = new java.util.ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                stats.add(new NodeStat(i, nodes.get(i), size, size - used[i]));
            }
            return NodeInfoView.render(stats, Views.totalVirtualSize(c.listInodeHeaders()));
        });
    }

    @org.junit.jupiter.api.Test
    void nodeInfoWithoutAnyAnsweringNodeIsTheHeaderOnly() {
        assertEquals("Id\tSize\tUsed\tAvail\tUse%\n", NodeInfoView.render(List.of(), 5 * GIB));
    }

    @org.junit.jupiter.api.Test
    void nodeListPadsLikePrintf() {
        SdNode n = new SdNode(NodeId.of(NodeAddress.parse("10.0.0.1"), 7000), 64, 0x0100000a, 0);
        assertEquals("  Id   Host:Port         V-Nodes       Zone\n"
                + "   0   10.0.0.1:7000       \t64   16777226\n", NodeListView.render(List.of(n)));
    }

    @org.junit.jupiter.api.Test
    void cWidthsCountBytes() {
        assertEquals("é      ", CText.left("é", 8).substring(0, 7));
        assertEquals(7, CText.left("é", 8).length());
        assertEquals("abcdefghij", CText.left("abcdefghij", 8));
        assertEquals("  ab", CText.right("ab", 4));
    }
}
