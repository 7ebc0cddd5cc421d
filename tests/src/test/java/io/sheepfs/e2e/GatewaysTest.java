package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import io.sheepfs.client.SheepClient;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -a with several gateways: failover among them under load; a gateway of another cluster refuses the mount. */
class GatewaysTest {
    @TempDir
    Path dir;

    private EmbeddedSheep formattedSheep(String name) throws IOException {
        EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve(name)));
        try (SheepClient c = SheepClient.connect(new InetSocketAddress("127.0.0.1", s.port()))) {
            c.format(1, 0, true);
        }
        return s;
    }

    @Test
    void ioGoesOnThroughTheSecondGatewayWhenTheFirstIsClosedUnderLoad() throws Exception {
        try (EmbeddedSheep sheep = formattedSheep("store")) {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", sheep.port());
            // each answer held back 40 ns per byte (10 ms per 256 KiB write): dd runs for seconds,
            // so the first gateway surely closes in the middle of it
            CountingProxy first = new CountingProxy(target, 40);
            try (CountingProxy second = new CountingProxy(target, 40);
                 SheepfsMount m = SheepfsMount.gateways(dir, "mnt", "127.0.0.1:" + first.address().getPort()
                         + ",127.0.0.1:" + second.address().getPort())) {
                assertEquals("127.0.0.1:" + first.address().getPort() + "\ngateways: 127.0.0.1:"
                        + first.address().getPort() + ",127.0.0.1:" + second.address().getPort() + "\n",
                        m.read("config/sheep_info"));
                m.createAndAttach("v", "64M");
                byte[] data = new byte[32 << 20];
                new Random(7).nextBytes(data);
                Path src = Files.write(dir.resolve("src"), data);
                // the load: dd writes 32 MiB in 256 KiB direct writes while the first gateway goes away
                int base = first.requests();
                CompletableFuture<Sh.Result> dd = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Sh.run(120, "dd", "if=" + src, "of=" + m.path("volume/v"), "bs=256K",
                                "oflag=direct", "conv=notrunc");
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (first.requests() < base + 30 && !dd.isDone() && System.nanoTime() < end) {
                    Thread.sleep(5);
                }
                assertFalse(dd.isDone(), "dd ended before the first gateway was closed: no load to fail over");
                int secondBefore = second.requests();
                first.close();
                Sh.Result r = dd.get(120, TimeUnit.SECONDS);
                assertEquals(0, r.rc(), r.out() + "\n" + m.log());
                assertTrue(second.requests() > secondBefore, "nothing went through the second gateway");
                // the control path fails over too, and the data is all there
                assertTrue(m.read("vdi/list").contains("v"));
                assertTrue(m.read("config/sheep_info").startsWith("127.0.0.1:" + second.address().getPort() + "\n"),
                        m.read("config/sheep_info"));
                byte[] back = new byte[data.length];
                try (var in = Files.newInputStream(m.path("volume/v"))) {
                    assertEquals(data.length, in.readNBytes(back, 0, back.length));
                }
                assertArrayEquals(data, back);
            }
        }
    }

    @Test
    void aGatewayOfAnotherClusterInTheListRefusesTheMount() throws Exception {
        try (EmbeddedSheep ours = formattedSheep("ours");
             EmbeddedSheep theirs = formattedSheep("theirs")) {
            String list = "127.0.0.1:" + ours.port() + ",127.0.0.1:" + theirs.port();
            IOException e = assertThrows(IOException.class, () -> SheepfsMount.gateways(dir, "mnt", list).close());
            assertTrue(e.getMessage().contains("gateway 127.0.0.1:" + theirs.port() + " belongs to another cluster"),
                    e.getMessage());
            // an unreachable one is allowed (checked when first used): the mount goes on
            int dead;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                dead = s.getLocalPort();
            }
            try (SheepfsMount m = SheepfsMount.gateways(dir, "mnt2", "127.0.0.1:" + dead + ",127.0.0.1:" + ours.port())) {
                assertTrue(m.read("config/sheep_info").startsWith("127.0.0.1:" + ours.port() + "\n"));
                assertTrue(m.log().contains("does not answer"), m.log());
            }
        }
    }
}
