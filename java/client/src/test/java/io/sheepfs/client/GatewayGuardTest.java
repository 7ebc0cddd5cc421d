package io.sheepfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failover asks the guard before it uses a gateway first, and skips one refused for good. */
class GatewayGuardTest {
    @TempDir
    Path dir;

    @Test
    void failoverSkipsAGatewayTheGuardRefuses() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (EmbeddedSheep ours = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("ours")));
             EmbeddedSheep theirs = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("theirs")))) {
            InetSocketAddress a = new InetSocketAddress("127.0.0.1", ours.port());
            InetSocketAddress b = new InetSocketAddress("127.0.0.1", theirs.port());
            InetSocketAddress d = new InetSocketAddress("127.0.0.1", dead);
            ClientConfig cfg = new ClientConfig(List.of(d, b, a), 1, Duration.ofSeconds(2), Duration.ofSeconds(5));
            AtomicInteger asked = new AtomicInteger();
            try (SheepClient c = new SheepClient(cfg)) {
                c.transport().guard(g -> {
                    asked.incrementAndGet();
                    return !g.equals(b);
                }, List.of(d));
                c.clusterStatus(); // d refuses the connection, b is refused by the guard: a answers
                assertEquals(a, c.gateway());
                assertEquals(Set.of(b), c.transport().refusedGateways());
                assertEquals(2, asked.get()); // b, then a; d was known
                c.clusterStatus();
                assertEquals(2, asked.get()); // a is asked once
            }
            // with only a refused gateway left, requests fail rather than go there
            ClientConfig onlyB = new ClientConfig(List.of(d, b), 1, Duration.ofSeconds(2), Duration.ofSeconds(5));
            try (SheepClient c = new SheepClient(onlyB)) {
                c.transport().guard(g -> !g.equals(b), List.of());
                assertThrows(ConnectionException.class, c::clusterStatus);
            }
        }
    }
}
