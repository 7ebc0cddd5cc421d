package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config/sheep_info moves a mount only to sheep of its own cluster: real sheep over TCP. */
class SheepInfoClusterTest {
    @TempDir
    Path dir;

    private EmbeddedSheep ours;
    private EmbeddedSheep other;
    private EmbeddedSheep blank;
    private SheepClient client;
    private final List<InetSocketAddress> switches = new CopyOnWriteArrayList<>();
    private SheepfsTree tree;
    private FsClient c;

    @BeforeEach
    void start() throws IOException {
        ours = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("ours")).withSync(false));
        other = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("other")).withSync(false));
        blank = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("blank")).withSync(false));
        client = SheepClient.connect(ours.address());
        client.format(1, 0);
        try (SheepClient o = SheepClient.connect(other.address())) {
            o.format(1, 0); // same copies, formatted a little later: another cluster all the same
        }
        tree = new SheepfsTree(client, new MemoryAttacher(client), new Settings(false, false), ZoneOffset.UTC, switches::add);
        assertTrue(tree.learnCluster());
        c = new FsClient(tree.callbacks());
    }

    @AfterEach
    void stop() {
        client.close();
        ours.close();
        other.close();
        blank.close();
    }

    @Test
    void sheepOfAnotherClusterOrOfNoneAreRefused() throws IOException {
        String before = c.read("config/sheep_info");
        assertEquals(-Errno.EXDEV, c.write("config/sheep_info", "127.0.0.1:" + other.port() + "\n"));
        assertEquals(-Errno.EXDEV, c.write("config/sheep_info", "127.0.0.1:" + blank.port() + "\n"));
        assertEquals(before, c.read("config/sheep_info"));
        assertTrue(switches.isEmpty());
        assertEquals(ours.address(), client.gateway());
        // the mount still talks to its own cluster
        assertTrue(c.write("vdi/create", "mine 1M\n") > 0);
        try (SheepClient o = SheepClient.connect(other.address())) {
            assertTrue(o.listVdis().isEmpty());
        }
    }

    @Test
    void aSheepOfTheSameClusterIsTaken() {
        InetSocketAddress self = new InetSocketAddress("127.0.0.1", ours.port());
        assertTrue(c.write("config/sheep_info", "127.0.0.1:" + ours.port() + "\n") > 0);
        assertEquals(List.of(self), switches);
    }
}
