package io.sheepfs.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.client.ClusterStatus;
import io.sheepfs.client.VdiSummary;
import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.NodeId;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cases the corpus does not show: several epochs, recovery disabled, IPv6, erasure code, other zones. */
class ViewFormatTest {
    private static SdNode node(String addr, int port) {
        return new SdNode(NodeId.of(NodeAddress.parse(addr), port), 128, 0, 0);
    }

    @Test
    void clusterInfoWithSeveralEpochsNewestFirst() {
        long ctime = 1_795_547_317L << 32; // 2026-11-24 19:08:37 UTC
        EpochLog e2 = new EpochLog(ctime, 1_795_550_000L, 2, 1, 2, 0, 4, "plain",
                List.of(node("10.0.0.1", 7000), node("fd00::2", 7001)));
        EpochLog e1 = new EpochLog(0, 1_795_547_317L, 1, 0, 0, 0, 0, "", List.of(node("10.0.0.1", 7000)));
        String text = ClusterInfoView.render(new ClusterStatus(Result.SUCCESS, List.of(e2, e1)), ZoneOffset.UTC);
        assertEquals("Cluster status: running, auto-recovery disabled\n\n"
                + "Cluster created at Tue Nov 24 19:08:37 2026\n\n"
                + "Epoch Time           Version [Host:Port:V-Nodes,,,]\n"
                + "2026-11-24 19:53:20      2 [10.0.0.1:7000:128, fd00::2:7001:128]\n"
                + "2026-11-24 19:08:37      1 [10.0.0.1:7000:128]\n", text);
    }

    @Test
    void clusterInfoDatesFollowTheZone() {
        EpochLog e1 = new EpochLog(1_795_547_317L << 32, 1_795_547_317L, 1, 0, 1, 0, 4, "plain",
                List.of(node("127.0.0.1", 7000)));
        String text = ClusterInfoView.render(new ClusterStatus(Result.SUCCESS, List.of(e1)), ZoneId.of("Asia/Tokyo"));
        assertEquals("Cluster status: running, auto-recovery enabled\n\n"
                + "Cluster created at Wed Nov 25 04:08:37 2026\n\n"
                + "Epoch Time           Version [Host:Port:V-Nodes,,,]\n"
                + "2026-11-25 04:08:37      1 [127.0.0.1:7000:128]\n", text);
    }

    @Test
    void clusterInfoOfAWaitingCluster() {
        assertEquals("Cluster status: Waiting for other nodes to join cluster\n\n",
                ClusterInfoView.render(new ClusterStatus(Result.WAIT_FOR_JOIN, List.of()), ZoneOffset.UTC));
    }

    @Test
    void vdiListRowsForErasureCodeCloneAndLongNames() {
        long t = 1_795_547_446L << 32; // 2026-11-24 19:10:46 UTC
        InodeHeader ec = new InodeHeader("ec-volume-name", "", t, 0, 0, 10L << 30, 0, 0x42, 0, 6, 22, 1, 0xabc, 0, 0);
        InodeHeader clone = new InodeHeader("c", "", t, 0, 0, 1L << 20, 0, 0, 0, 3, 20, 1, 0x1234, 0xabc, 0);
        String text = VdiListView.render(List.of(new VdiSummary(ec, new Inode.Usage(3, 0)),
                new VdiSummary(clone, new Inode.Usage(0, 1))), ZoneOffset.UTC);
        assertEquals(VdiListView.HEADER
                + "  ec-volume-name     0   10 GB   12 MB  0.0 MB 2026-11-24 19:10      abc    8:2                22\n"
                + "c c            0  1.0 MB  0.0 MB  1.0 MB 2026-11-24 19:10     1234      3                20\n", text);
    }
}
