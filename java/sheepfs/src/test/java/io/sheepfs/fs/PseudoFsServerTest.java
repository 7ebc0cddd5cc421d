package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import io.sheepfs.nativeio.FsCallbacks;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sheepfs tree through {@link FsCallbacks}, against a real embedded sheep over TCP. */
class PseudoFsServerTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private EmbeddedSheep sheep;
    private SheepClient client;
    private MemoryAttacher attacher;
    private Settings settings;
    private final List<InetSocketAddress> switches = new CopyOnWriteArrayList<>();
    private PseudoFs fs;
    private FsClient c;

    @BeforeEach
    void start() throws IOException {
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("sheep")).withSync(false));
        client = SheepClient.connect(sheep.address());
        client.format(1, 0);
        attacher = new MemoryAttacher(client);
        settings = new Settings(false, false);
        fs = new SheepfsTree(client, attacher, settings, ZoneOffset.UTC, switches::add).callbacks();
        c = new FsClient(fs);
    }

    @AfterEach
    void stop() {
        client.close();
        sheep.close();
    }

    private static List<String> names(FsCallbacks.DirEntries d) {
        List<String> out = new ArrayList<>();
        for (byte[] n : d.names()) {
            out.add(new String(n, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void treeHasTheOriginalLayout() {
        assertEquals(List.of("cluster", "config", "http", "node", "vdi", "volume"), names(fs.readdir(FsCallbacks.ROOT)));
        assertEquals(List.of("create", "list", "list.json", "mount", "unlock", "unmount"), names(fs.readdir(c.ino("vdi"))));
        assertEquals(List.of("info", "info.json"), names(fs.readdir(c.ino("cluster"))));
        assertEquals(List.of("info", "info.json", "list", "list.json"), names(fs.readdir(c.ino("node"))));
        assertEquals(List.of("object_cache", "page_cache", "sheep_info"), names(fs.readdir(c.ino("config"))));
        assertEquals(List.of("address", "object"), names(fs.readdir(c.ino("http"))));
        assertEquals(List.of(), names(fs.readdir(c.ino("volume"))));
        long[] vdi = c.lookup("vdi");
        assertEquals(0040755, vdi[FsCallbacks.A_MODE]);
        assertEquals(FsCallbacks.KIND_DIR, vdi[FsCallbacks.A_KIND]);
        assertEquals(0100444, c.lookup("vdi/list")[FsCallbacks.A_MODE]);
        assertEquals(0100200, c.lookup("vdi/mount")[FsCallbacks.A_MODE]);
        assertEquals(0100644, c.lookup("config/page_cache")[FsCallbacks.A_MODE]);
        assertNull(fs.readdir(c.ino("vdi/list")), "a file is not a directory");
    }

    @Test
    void lookupErrors() {
        assertEquals(Errno.ENOENT, c.lookup("nope")[0]);
        assertEquals(Errno.ENOENT, c.lookup("vdi/nope")[0]);
        assertEquals(Errno.ENOTDIR, fs.lookup(c.ino("vdi/list"), "x".getBytes(StandardCharsets.UTF_8))[0]);
        assertEquals(Errno.ENOENT, fs.lookup(FsCallbacks.ROOT, new byte[] {(byte) 0xff, (byte) 0xfe})[0]);
        assertEquals(Errno.ENOENT, fs.getattr(987654)[0]);
        assertEquals(-Errno.ENOENT, fs.open(987654, 0));
    }

    @Test
    void viewsShowTheEmbeddedCluster() throws IOException {
        String info = c.read("cluster/info");
        assertTrue(info.startsWith("Cluster status: running, auto-recovery enabled\n\nCluster created at "), info);
        assertTrue(info.contains("      1 [127.0.0.1:" + sheep.port() + ":128]\n"), info);
        assertEquals(info.length(), c.lookup("cluster/info")[FsCallbacks.A_SIZE]);

        String nodes = c.read("node/list");
        assertTrue(nodes.matches("(?s)  Id   Host:Port .*\n   0   127\\.0\\.0\\.1:" + sheep.port() + " +\t128 +\\d+\n"),
                nodes);

        assertEquals(5, c.write("vdi/create", "v1 3G"));
        String nodeInfo = c.read("node/info");
        assertTrue(nodeInfo.startsWith("Id\tSize\tUsed\tAvail\tUse%\n 0\t"), nodeInfo);
        assertTrue(nodeInfo.endsWith("\n\nTotal virtual image size\t3.0 GB\n"), nodeInfo);

        String json = c.read("vdi/list.json");
        assertTrue(json.contains("\"name\" : \"v1\""), json);
        assertTrue(json.contains("\"size\" : 3221225472"), json);
        assertTrue(c.read("cluster/info.json").contains("\"status\" : \"running\""));
        assertTrue(c.read("node/list.json").contains("\"address\" : \"127.0.0.1:" + sheep.port() + "\""));
        assertTrue(c.read("node/info.json").contains("\"totalVirtualSize\" : 3221225472"));
    }

    @Test
    void viewIsStableForItsHandleAndReadableAtAnyOffset() throws IOException {
        assertEquals(4, c.write("vdi/create", "a 8M"));
        long fh = fs.open(c.ino("vdi/list"), 0);
        assertTrue(fh >= 0);
        try {
            byte[] whole = fs.read(fh, 0, 1 << 16);
            assertTrue(new String(whole, StandardCharsets.UTF_8).contains("\n  a "));
            assertEquals(4, c.write("vdi/create", "b 8M"));
            // the open handle keeps its rendering, read in odd pieces from the middle
            byte[] again = new byte[whole.length];
            for (int off = whole.length - 1; off >= 0; off -= 7) {
                int from = Math.max(0, off - 6);
                byte[] piece = fs.read(fh, from, off - from + 1);
                System.arraycopy(piece, 0, again, from, piece.length);
            }
            assertArrayEquals(whole, again);
            assertEquals(0, fs.read(fh, whole.length, 100).length);
            assertEquals(0, fs.read(fh, whole.length + 1000L, 100).length);
        } finally {
            fs.release(fh);
        }
        String fresh = c.read("vdi/list", 3);
        assertTrue(fresh.contains("\n  b "), fresh);
        assertEquals(0, fs.openHandles());
    }

    @Test
    void createMountAndUnmount() throws IOException {
        assertEquals(9, c.write("vdi/create", "alpha 10M"));
        String row = c.read("vdi/list").lines().filter(l -> l.startsWith("  alpha")).findFirst().orElseThrow();
        assertTrue(row.matches("  alpha +0 +10 MB +0\\.0 MB +0\\.0 MB \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +[0-9a-f]+ +1 +22"),
                row);

        assertEquals(6, c.write("vdi/mount", "alpha\n"));
        long[] vol = c.lookup("volume/alpha");
        assertEquals(FsCallbacks.KIND_VOLUME, vol[FsCallbacks.A_KIND]);
        assertEquals(10 * MIB, vol[FsCallbacks.A_SIZE]);
        VolumeNode attached = attacher.attached.get(vol[FsCallbacks.A_INO]);
        assertEquals(client.lookupVdi("alpha").vid(), attached.vid());
        assertEquals(22, attached.blockSizeShift());
        assertEquals(List.of("alpha"), names(fs.readdir(c.ino("volume"))));
        // attaching twice is harmless
        assertEquals(5, c.write("vdi/mount", "alpha"));
        assertEquals(1, attacher.attached.size());

        attacher.busy = true;
        assertEquals(-Errno.EBUSY, c.write("vdi/unmount", "alpha\n"));
        assertEquals(FsCallbacks.ATTR_LEN, c.lookup("volume/alpha").length);
        attacher.busy = false;
        assertEquals(6, c.write("vdi/unmount", "alpha\n"));
        assertEquals(Errno.ENOENT, c.lookup("volume/alpha")[0]);
        assertEquals(Errno.ENOENT, fs.getattr(vol[FsCallbacks.A_INO])[0]);
        assertTrue(attacher.attached.isEmpty());
        assertEquals(-Errno.ENOENT, c.write("vdi/unmount", "alpha"));
        // a new attach gets a new inode number
        assertEquals(5, c.write("vdi/mount", "alpha"));
        assertNotEquals(vol[FsCallbacks.A_INO], c.ino("volume/alpha"));
    }

    @Test
    void mountAttachesTheWorkingVdiNotASnapshot() throws IOException {
        assertEquals(7, c.write("vdi/create", "beta 4M"));
        int original = client.lookupVdi("beta").vid();
        VdiRef working = client.snapshot("beta", "first");
        client.snapshot("beta", "second");
        int newest = client.lookupVdi("beta").vid();
        assertNotEquals(original, working.vid());
        assertEquals(5, c.write("vdi/mount", "beta\n".substring(0, 4) + "\n"));
        VolumeNode v = attacher.attached.get(c.ino("volume/beta"));
        assertEquals(newest, v.vid());
        assertFalse(client.readInodeHeader(v.vid()).isSnapshot());
    }

    @Test
    void badInputGetsACleanErrno() throws IOException {
        Path marker = dir.resolve("marker");
        Files.writeString(marker, "x");
        assertEquals(-Errno.ENOENT, c.write("vdi/mount", "nosuch\n"));
        assertEquals(-Errno.ENOENT, c.write("vdi/mount", "a; rm -f marker $(touch pwned-by-sheepfs)`id` & |\n"));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", "a; rm -f " + marker + " $(touch " + dir + "/pwned)\n"));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", "a\nb\n"));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", new byte[] {'a', (byte) 0xc3, (byte) 0x28, '\n'}));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", new byte[] {'a', 0, 'b'}));
        assertEquals(-Errno.ENAMETOOLONG, c.write("vdi/mount", "n".repeat(300)));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", "a/b"));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", ".."));
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", "\n"));
        assertEquals(0, c.write("vdi/mount", new byte[0])); // nothing written: no command
        assertEquals(-Errno.EINVAL, c.write("vdi/mount", "x".repeat(5000)));
        assertEquals(-Errno.EINVAL, c.write("vdi/unmount", "a\nb"));
        assertEquals(-Errno.ENAMETOOLONG, c.write("vdi/unmount", "n".repeat(300)));

        assertEquals(-Errno.EINVAL, c.write("vdi/create", "onlyname"));
        assertEquals(-Errno.EINVAL, c.write("vdi/create", "x 10Q"));
        assertEquals(-Errno.EINVAL, c.write("vdi/create", "x -5"));
        assertEquals(-Errno.EINVAL, c.write("vdi/create", "x 0"));
        assertEquals(-Errno.EINVAL, c.write("vdi/create", "x 1..5G"));
        assertEquals(-Errno.EFBIG, c.write("vdi/create", "x 5T"));
        assertEquals(-Errno.EFBIG, c.write("vdi/create", "x 99999999999999999999P"));
        assertEquals(-Errno.ENAMETOOLONG, c.write("vdi/create", "n".repeat(300) + " 1G"));
        assertEquals(-Errno.EINVAL, c.write("vdi/create", "a|b;c\n1G"));
        assertEquals(15, c.write("vdi/create", "we$ird;`n` 1.5M"));
        assertEquals(-Errno.EEXIST, c.write("vdi/create", "we$ird;`n` 1M"));
        assertEquals(11, c.write("vdi/mount", "we$ird;`n`\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(3 * MIB / 2, c.lookup("volume/we$ird;`n`")[FsCallbacks.A_SIZE]);

        assertTrue(Files.exists(marker));
        assertFalse(Files.exists(dir.resolve("pwned")));
        assertFalse(Files.exists(Path.of("pwned-by-sheepfs")));
        List<String> rows = c.read("vdi/list").lines().skip(1).toList();
        assertEquals(1, rows.size(), rows.toString());
    }

    @Test
    void sizeSyntaxIsDogs() throws IOException {
        assertEquals(5, c.write("vdi/create", "k 64k"));
        assertEquals(5, c.write("vdi/create", "g 1G\n"));
        assertEquals(8, c.write("vdi/create", "t 1.25T\n"));
        assertEquals(8, c.write("vdi/create", "b 4096b\n"));
        assertEquals(1L << 16, client.readInodeHeader(client.lookupVdi("k").vid()).vdiSize());
        assertEquals(1L << 30, client.readInodeHeader(client.lookupVdi("g").vid()).vdiSize());
        assertEquals(5L << 38, client.readInodeHeader(client.lookupVdi("t").vid()).vdiSize());
        assertEquals(4096, client.readInodeHeader(client.lookupVdi("b").vid()).vdiSize());
    }

    @Test
    void viewsAndControlFilesRefuseTheWrongAccess() {
        assertEquals(-Errno.EACCES, fs.open(c.ino("vdi/list"), FsClient.O_WRONLY));
        assertEquals(Errno.EACCES, fs.truncate(c.ino("vdi/list"), 0));
        assertEquals(Errno.EISDIR, fs.truncate(c.ino("vdi"), 0));
        assertEquals(0, fs.truncate(c.ino("vdi/mount"), 0));
        long fh = fs.open(c.ino("config/page_cache"), FsClient.O_RDONLY);
        assertEquals(-Errno.EBADF, fs.write(fh, 0, "1".getBytes(StandardCharsets.UTF_8)));
        fs.release(fh);
        assertEquals(-Errno.EBADF, fs.write(424242, 0, new byte[1]));
        assertEquals("", c.read("vdi/mount"));
    }

    @Test
    void configFlags() {
        assertEquals("0\n", c.read("config/page_cache"));
        assertEquals(2, c.lookup("config/page_cache")[FsCallbacks.A_SIZE]);
        assertEquals(0, fs.volumeOpenPolicy(1));
        assertEquals(2, c.write("config/page_cache", "1\n"));
        assertEquals("1\n", c.read("config/page_cache"));
        assertEquals(1, fs.volumeOpenPolicy(1));
        assertEquals(-Errno.EINVAL, c.write("config/page_cache", "yes\n"));
        assertEquals("1\n", c.read("config/page_cache"));
        assertEquals(1, c.write("config/page_cache", "0"));
        assertEquals(0, fs.volumeOpenPolicy(1));
        assertEquals(2, c.write("config/object_cache", "1\n"));
        assertEquals("1\n", c.read("config/object_cache"));
        assertTrue(settings.objectCache());
        // exactly "0" or "1": other numbers were taken as "on"
        for (String bad : List.of("2", "-1", "+1", "01", " 1", "1 ", "1\n\n", "42\n")) {
            assertEquals(-Errno.EINVAL, c.write("config/page_cache", bad), bad);
            assertEquals(-Errno.EINVAL, c.write("config/object_cache", bad.replace('1', '0')), bad);
        }
        assertEquals("0\n", c.read("config/page_cache"));
        assertEquals("1\n", c.read("config/object_cache"));
    }

    @Test
    void sheepInfoSwitchesTheGateway() throws IOException {
        assertEquals("127.0.0.1:" + sheep.port() + "\n", c.read("config/sheep_info"));
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        assertEquals(-Errno.ECONNREFUSED, c.write("config/sheep_info", "127.0.0.1:" + dead + "\n"));
        assertEquals(-Errno.EINVAL, c.write("config/sheep_info", "127.0.0.1\n"));
        assertEquals(-Errno.EINVAL, c.write("config/sheep_info", "127.0.0.1:99999\n"));
        assertEquals(-Errno.EINVAL, c.write("config/sheep_info", "a;b:7000\n"));
        assertEquals("127.0.0.1:" + sheep.port() + "\n", c.read("config/sheep_info"));
        assertTrue(switches.isEmpty());

        try (EmbeddedSheep other = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("other")).withSync(false))) {
            // not formatted, so not of this cluster (SheepInfoClusterTest has more)
            assertEquals(-Errno.EXDEV, c.write("config/sheep_info", "127.0.0.1:" + other.port() + "\n"));
            assertTrue(switches.isEmpty());
        }
        // the same sheep by name: same cluster, switched
        String target = "localhost:" + sheep.port() + "\n";
        assertEquals(target.length(), c.write("config/sheep_info", target));
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("localhost"), sheep.port())), switches);
        assertTrue(c.read("cluster/info").startsWith("Cluster status: running"));
    }

    @Test
    void sheepInfoTakesIpv6() throws IOException {
        InetAddress v6 = InetAddress.getByName("::1");
        try (ServerSocket probe = new ServerSocket(0, 1, v6)) {
            probe.getLocalPort();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
        }
        // one sheep on every address: reached over IPv4 first, then over IPv6 (the same cluster)
        try (EmbeddedSheep both = EmbeddedSheep.start(new ServerConfig(dir.resolve("v6"), "::", 0, false,
                ServerConfig.DEFAULT_STALL_TIMEOUT));
             SheepClient v4 = SheepClient.connect(new InetSocketAddress("127.0.0.1", both.port()))) {
            v4.format(1, 0);
            FsClient c6 = new FsClient(new SheepfsTree(v4, attacher, settings, ZoneOffset.UTC, g -> { }).callbacks());
            String target = "[::1]:" + both.port() + "\n";
            assertEquals(target.length(), c6.write("config/sheep_info", target));
            // the first line is the gateway in use; the second all of them, the one before as fallback
            assertEquals("::1:" + both.port() + "\ngateways: [::1]:" + both.port() + ",127.0.0.1:" + both.port() + "\n",
                    c6.read("config/sheep_info"));
            assertEquals(("::1:" + both.port()).length(), c6.write("config/sheep_info", "::1:" + both.port()));
        }
    }

    @Test
    void httpFiles() throws IOException {
        assertEquals("", c.read("http/address"));
        assertEquals(-Errno.ENXIO, c.write("http/object", "/a/c/o\n"));
        assertEquals(-Errno.EINVAL, c.write("http/object", "not-a-path\n"));
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        String addr = "127.0.0.1:" + dead + "\n";
        assertEquals(addr.length(), c.write("http/address", addr));
        assertEquals(addr, c.read("http/address"));
        assertEquals(addr.length(), c.lookup("http/address")[FsCallbacks.A_SIZE]);
        assertEquals(-Errno.ENXIO, c.write("http/object", "/a/c/o\n"));
        try (SwiftTestServer swift = new SwiftTestServer()) {
            swift.put("a/c/o", "hello".getBytes(StandardCharsets.UTF_8));
            c.write("http/address", swift.address());
            assertEquals(-Errno.ENOENT, c.write("http/object", "/a/c/nope\n"));
            assertEquals(7, c.write("http/object", "/a/c/o\n"));
            assertEquals("hello", c.read("http/a/c/o")); // more in HttpObjectTest
        }
        assertEquals(-Errno.EFBIG, c.write("http/address", new byte[5000]));
    }

    @Test
    void viewOfAnUnreachableClusterFailsAtOpen() throws IOException {
        sheep.close();
        client.close();
        long fh = fs.open(c.ino("vdi/list"), 0);
        assertEquals(-Errno.EIO, fh);
        assertEquals(0, c.lookup("vdi/list")[FsCallbacks.A_SIZE]);
    }
}
