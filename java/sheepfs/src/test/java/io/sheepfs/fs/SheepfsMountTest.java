package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import io.sheepfs.nativeio.FuseSession;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import io.sheepfs.view.Views;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneId;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sheepfs tree on a real FUSE mount (native core, upcalls into {@link PseudoFs}) over the
 * embedded sheep: what a user sees with cat and echo.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SheepfsMountTest {
    @TempDir
    Path tmp;
    private EmbeddedSheep sheep;
    private SheepClient client;
    private FuseSession session;
    private SheepfsTree tree;
    private Path mp;

    @BeforeEach
    void mount() throws IOException {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            if ("1".equals(System.getenv("SHEEPFS_SKIP_FUSE_TESTS"))) {
                Assumptions.abort("no /dev/fuse and SHEEPFS_SKIP_FUSE_TESTS=1");
            }
            fail("/dev/fuse is missing: this test mounts a real FUSE file system");
        }
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(tmp.resolve("sheep")).withSync(false));
        client = SheepClient.connect(sheep.address());
        client.format(1, 0);
        SessionAttacher attacher = new SessionAttacher();
        tree = new SheepfsTree(client, attacher, new Settings(false, false), ZoneId.systemDefault(),
                attacher);
        mp = Files.createDirectory(tmp.resolve("mnt"));
        session = FuseSession.mount(mp, tree.callbacks(), "127.0.0.1:" + sheep.port(),
                FuseSession.Options.defaults());
        attacher.bind(session);
        session.start();
    }

    @AfterEach
    void unmount() throws IOException {
        if (session != null) {
            session.close();
        }
        if (client != null) {
            client.close();
        }
        if (sheep != null) {
            sheep.close();
        }
    }

    private static List<String> ls(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** Runs a bash command line the way a user would (bash, unlike dash, names the errno of a failed write). */
    private String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).directory(mp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + ":" + out;
    }

    @Test
    void catAndEchoThroughTheMount() throws Exception {
        assertEquals(List.of("cluster", "config", "http", "node", "vdi", "volume"), ls(mp));
        Views views = new Views(client, ZoneId.systemDefault());
        assertEquals(views.clusterInfo(), sh("cat cluster/info").substring(2));
        assertEquals(views.nodeList(), Files.readString(mp.resolve("node/list")));
        assertEquals(Files.size(mp.resolve("node/list")), Files.readString(mp.resolve("node/list")).length());

        assertEquals("0:", sh("echo 'alpha 16M' > vdi/create"));
        String list = sh("cat vdi/list");
        assertTrue(list.startsWith("0:  Name        Id    Size"), list);
        assertTrue(list.contains("\n  alpha        0   16 MB  0.0 MB  0.0 MB "), list);

        assertEquals("0:", sh("echo alpha > vdi/mount"));
        Path vol = mp.resolve("volume/alpha");
        assertEquals(16L << 20, Files.size(vol));
        byte[] data = new byte[1 << 20];
        new Random(5).nextBytes(data);
        try (FileChannel ch = FileChannel.open(vol, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ch.write(ByteBuffer.wrap(data), 3L << 20);
            ch.force(true);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            ch.read(back, 3L << 20);
            assertArrayEquals(data, back.array());
        }
        // the bytes are in the cluster: read them with the Java client
        VdiRef alpha = client.lookupVdi("alpha");
        assertArrayEquals(data, client.readObject(ObjectId.data(alpha.vid(), 0), 3L << 20, data.length));
        assertTrue(Files.readString(mp.resolve("vdi/list")).contains("\n  alpha        0   16 MB  4.0 MB  0.0 MB "));

        assertTrue(sh("echo nosuch > vdi/mount").startsWith("1:"), "unknown VDI fails");
        // coreutils printf writes this in one write(2) (bash's builtin would write line by line)
        String err = sh("/usr/bin/printf 'bad\\nname\\n' > vdi/mount");
        assertTrue(err.startsWith("1:") && err.contains("Invalid argument"), err);
        assertTrue(sh("echo 'x 10Q' > vdi/create").contains("Invalid argument"));
        assertTrue(sh("echo \"$(printf 'n%.0s' $(seq 300))\" > vdi/mount").contains("File name too long"));
        assertTrue(sh("echo 'a;touch pwned' > vdi/mount").contains("No such file"));
        assertFalse(Files.exists(mp.resolve("pwned")));
        assertEquals(List.of("alpha"), ls(mp.resolve("volume")));

        assertEquals("0:", sh("echo alpha > vdi/unmount"));
        assertEquals(List.of(), ls(mp.resolve("volume")));
        assertThrows(IOException.class, () -> Files.size(vol));

        assertEquals("0\n", Files.readString(mp.resolve("config/page_cache")));
        assertEquals("0:", sh("echo 1 > config/page_cache"));
        assertEquals("1\n", Files.readString(mp.resolve("config/page_cache")));
        assertEquals("127.0.0.1:" + sheep.port() + "\n", Files.readString(mp.resolve("config/sheep_info")));
        assertTrue(sh("echo /a/c/o > http/object").contains("No such device or address"));
    }

    /** An HTTP object attached through the mount reads, with cat and cmp, as the server's bytes. */
    @Test
    void catAnHttpObjectThroughTheMount() throws Exception {
        byte[] object = new byte[(5 << 20) + 777];
        new Random(11).nextBytes(object);
        Path expected = Files.write(tmp.resolve("expected"), object);
        try (SwiftTestServer swift = new SwiftTestServer()) {
            swift.put("acct/cont/blob", object);
            assertEquals("0:", sh("echo " + swift.address() + " > http/address"));
            assertEquals("0:", sh("echo /acct/cont/blob > http/object"));
            assertEquals(object.length, Files.size(mp.resolve("http/acct/cont/blob")));
            int before = swift.gets.get();
            assertEquals("0:", sh("cat http/acct/cont/blob > " + tmp.resolve("copy") + " && cmp "
                    + tmp.resolve("copy") + " " + expected));
            int gets = swift.gets.get() - before;
            // 5 MiB in cat's 128 KiB reads: read-ahead makes it a few GETs, not 40
            assertTrue(gets <= 8, gets + " GETs for cat of 5 MiB");
            assertEquals("0:", sh("cmp http/acct/cont/blob " + expected));
            // a window in the middle, through the kernel
            assertEquals("0:", sh("dd if=http/acct/cont/blob bs=4096 skip=300 count=5 status=none | cmp - <(dd if="
                    + expected + " bs=4096 skip=300 count=5 status=none)"));
            assertTrue(sh("echo /acct/cont/missing > http/object").contains("No such file or directory"));
            assertTrue(sh("echo /acct/../blob > http/object").contains("Invalid argument"));
            assertTrue(sh("echo x > http/acct/cont/blob").startsWith("1:"), "read-only");
        }
    }

    /** A large view (1000 VDIs, ~100 KB) read through the kernel is the whole rendering, byte for byte. */
    @Test
    void catVdiListOfAThousandVdis() throws Exception {
        List<io.sheepfs.client.Request> creates = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            creates.add(io.sheepfs.client.Request.write(io.sheepfs.protocol.Opcode.NEW_VDI, 0,
                    io.sheepfs.protocol.FixedString.encode("vm-" + i, 256),
                    new io.sheepfs.protocol.header.VdiRequest(1L << 30, 0, 0, 0, 0, 0, 0, 0)));
        }
        for (io.sheepfs.client.Response r : client.transport().callAll(creates)) {
            r.check();
        }
        String expected = new Views(client, ZoneId.systemDefault()).vdiList();
        assertEquals(1001, expected.lines().count());
        assertEquals(expected, sh("cat vdi/list").substring(2));
        assertEquals(expected.length(), Files.size(mp.resolve("vdi/list")));
        // dd reads a window in the middle through the kernel
        String mid = sh("dd if=vdi/list bs=1000 skip=50 count=3 status=none");
        assertEquals("0:" + expected.substring(50_000, 53_000), mid);
    }
}
