package io.sheepfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.cluster.NodeId;
import io.sheepfs.protocol.cluster.SdNode;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayListTest {
    static SdNode node(String ip, int port) {
        return new SdNode(NodeId.of(NodeAddress.parse(ip), port), 128, 0, 0);
    }

    @Test
    void gatewayFirstThenTheOtherNodesOnce() {
        String list = Mount.gatewayList(new InetSocketAddress("127.0.0.1", 7001),
                List.of(node("127.0.0.1", 7000), node("127.0.0.1", 7001), node("127.0.0.1", 7002)));
        assertEquals("127.0.0.1:7001,127.0.0.1:7000,127.0.0.1:7002", list);
    }

    @Test
    void ipv6AddressesAreBracketed() {
        assertEquals("[0:0:0:0:0:0:0:1]:7000,10.0.0.2:7000", Mount.gatewayList(new InetSocketAddress("::1", 7000),
                List.of(node("10.0.0.2", 7000))));
    }

    @Test
    void theGivenGatewaysFirstThenTheOtherNodes() {
        assertEquals("127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7000", Mount.gatewayList(
                List.of(new InetSocketAddress("127.0.0.1", 7101), new InetSocketAddress("127.0.0.1", 7102)),
                List.of(node("127.0.0.1", 7000))));
    }
}
