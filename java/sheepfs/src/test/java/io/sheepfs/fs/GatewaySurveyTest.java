package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.fs.GatewaySurvey.Answer;
import io.sheepfs.fs.GatewaySurvey.GatewayRefusedException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which gateway lists a mount accepts: all answering ones of one cluster; unreachable ones wait. */
class GatewaySurveyTest {
    private static final ClusterIdentity OURS = new ClusterIdentity(1_700_000_000L << 32, 3);
    private static final ClusterIdentity THEIRS = new ClusterIdentity(1_700_000_001L << 32, 3);

    private static InetSocketAddress gw(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void oneClusterWithAnUnreachableGatewayIsAcceptedAnsweringOnesFirst() throws Exception {
        GatewaySurvey s = GatewaySurvey.judge(List.of(new Answer(gw(1), false, null), new Answer(gw(2), true, OURS),
                new Answer(gw(3), true, OURS)));
        assertEquals(List.of(gw(2), gw(3)), s.agreed());
        assertEquals(List.of(gw(2), gw(3), gw(1)), s.inOrder());
    }

    @Test
    void aGatewayOfAnotherClusterIsRefused() {
        String m = assertThrows(GatewayRefusedException.class, () -> GatewaySurvey.judge(List.of(
                new Answer(gw(1), false, null), new Answer(gw(2), true, OURS), new Answer(gw(3), true, THEIRS))))
                .getMessage();
        assertTrue(m.contains("127.0.0.1:3 belongs to another cluster") && m.contains("127.0.0.1:2"), m);
    }

    @Test
    void anUnformattedGatewayIsRefusedInAList() {
        String m = assertThrows(GatewayRefusedException.class, () -> GatewaySurvey.judge(List.of(
                new Answer(gw(1), true, OURS), new Answer(gw(2), true, null)))).getMessage();
        assertTrue(m.contains("127.0.0.1:2 is not formatted"), m);
    }

    @Test
    void aSingleUnformattedGatewayIsAcceptedAsBefore() throws Exception {
        assertEquals(List.of(gw(1)), GatewaySurvey.judge(List.of(new Answer(gw(1), true, null))).agreed());
    }
}
