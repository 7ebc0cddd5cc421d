package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import io.sheepfs.nativeio.FsCallbacks;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP objects (PROTOCOL.md 11.4) through {@link FsCallbacks}: the tree of a real embedded sheep,
 * http/ served by a real Swift-style HTTP server on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpObjectTest {
    private static final int BIG = (6 << 20) + 12345;

    @TempDir
    Path dir;

    private EmbeddedSheep sheep;
    private SheepClient client;
    private PseudoFs fs;
    private FsClient c;
    private SwiftTestServer swift;
    private final byte[] big = new byte[BIG];
    private final byte[] small = "ten bytes!".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws IOException {
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir.resolve("sheep")).withSync(false));
        client = SheepClient.connect(sheep.address());
        client.format(1, 0);
        fs = new SheepfsTree(client, new MemoryAttacher(client), new Settings(false, false), ZoneOffset.UTC, a -> { })
                .callbacks();
        c = new FsClient(fs);
        swift = new SwiftTestServer();
        new Random(42).nextBytes(big);
        swift.put("acct/cont/big", big);
        swift.put("acct/cont/small", small);
        swift.put("acct/other/ünï cödé?#%", small);
    }

    @AfterEach
    void stop() {
        swift.close();
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

    private byte[] readAll(String path, int chunk) {
        long fh = fs.open(c.ino(path), FsClient.O_RDONLY);
        assertTrue(fh >= 0, "open errno " + -fh);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (long off = 0; ; off += chunk) {
                byte[] b = fs.read(fh, off, chunk);
                if (b.length == 0) {
                    break;
                }
                out.writeBytes(b);
            }
            return out.toByteArray();
        } finally {
            fs.release(fh);
        }
    }

    @Test
    void attachShowsTheObjectWithItsSizeAndItsBytes() {
        assertEquals(swift.address().length(), c.write("http/address", swift.address()));
        assertEquals(15, c.write("http/object", "/acct/cont/big\n"));
        assertEquals(16, c.write("http/object", "/acct/cont/small"));
        assertEquals(List.of("acct", "address", "object"), names(fs.readdir(c.ino("http"))));
        assertEquals(List.of("cont"), names(fs.readdir(c.ino("http/acct"))));
        assertEquals(List.of("big", "small"), names(fs.readdir(c.ino("http/acct/cont"))));
        assertEquals(040755, c.lookup("http/acct/cont")[FsCallbacks.A_MODE]);
        long[] a = c.lookup("http/acct/cont/big");
        assertEquals(0100444, a[FsCallbacks.A_MODE]);
        assertEquals(BIG, a[FsCallbacks.A_SIZE]);
        assertEquals(FsCallbacks.KIND_TEXT, a[FsCallbacks.A_KIND]);
        assertEquals(small.length, c.lookup("http/acct/cont/small")[FsCallbacks.A_SIZE]);

        assertArrayEquals(small, readAll("http/acct/cont/small", 4096));
        int before = swift.gets.get();
        assertArrayEquals(big, readAll("http/acct/cont/big", 128 << 10));
        int gets = swift.gets.get() - before;
        // 6 MiB in 128 KiB reads is 50 reads; read-ahead makes it a handful of GETs
        assertTrue(gets <= 6, gets + " GETs for a sequential read of 6 MiB");
        assertTrue(swift.largestRange.get() <= HttpObjectReader.MAX_AHEAD, "no GET beyond the window");

        // the same name again: still one file, same inode
        long ino = c.ino("http/acct/cont/big");
        assertEquals(15, c.write("http/object", "/acct/cont/big\n"));
        assertEquals(ino, c.ino("http/acct/cont/big"));
        assertEquals(-Errno.EACCES, fs.open(ino, FsClient.O_WRONLY));
        assertEquals(Errno.EACCES, fs.truncate(ino, 0));
        assertEquals(0, fs.openHandles());
    }

    @Test
    void readsAtRandomOffsetsAreTheObjectsBytes() {
        c.write("http/address", swift.address() + "\n");
        assertEquals(14, c.write("http/object", "/acct/cont/big"));
        long ino = c.ino("http/acct/cont/big");
        Random r = new Random(7);
        long shared = fs.open(ino, FsClient.O_RDONLY);
        try {
            for (int i = 0; i < 60; i++) {
                int off = r.nextInt(BIG);
                int len = 1 + r.nextInt(i % 3 == 0 ? 2 << 20 : 64 << 10);
                long fh = i % 2 == 0 ? shared : fs.open(ino, FsClient.O_RDONLY);
                byte[] got = fs.read(fh, off, len);
                if (fh != shared) {
                    fs.release(fh);
                }
                byte[] want = Arrays.copyOfRange(big, off, Math.min(BIG, off + len));
                assertArrayEquals(want, got, "read " + len + " at " + off);
            }
            // short read at the end, nothing past it
            assertArrayEquals(Arrays.copyOfRange(big, BIG - 100, BIG), fs.read(shared, BIG - 100, 4096));
            assertEquals(0, fs.read(shared, BIG, 4096).length);
            assertEquals(0, fs.read(shared, BIG + 12345L, 1).length);
            assertEquals(0, fs.read(shared, 1L << 40, 1 << 20).length);
        } finally {
            fs.release(shared);
        }
        assertEquals(0, fs.openHandles());
    }

    @Test
    void aRangeTheServerNoLongerHasIsEioNotAnEmptyFile() {
        c.write("http/address", swift.address());
        assertEquals(14, c.write("http/object", "/acct/cont/big"));
        long fh = fs.open(c.ino("http/acct/cont/big"), FsClient.O_RDONLY);
        try {
            swift.put("acct/cont/big", small); // replaced by a shorter object: GETs past 10 bytes are 416
            assertNull(fs.read(fh, 1 << 20, 4096), "a 416 read as end of file");
            assertArrayEquals(small, fs.read(fh, 0, small.length));
        } finally {
            fs.release(fh);
        }
    }

    @Test
    void namesArePercentEncodedInTheUrl() {
        c.write("http/address", swift.address());
        String name = "/acct/other/ünï cödé?#%";
        assertEquals(name.getBytes(StandardCharsets.UTF_8).length, c.write("http/object", name));
        assertArrayEquals(small, readAll("http/acct/other/ünï cödé?#%", 3));
    }

    @Test
    void missingObjectIsEnoent() {
        c.write("http/address", swift.address());
        assertEquals(-Errno.ENOENT, c.write("http/object", "/acct/cont/nope\n"));
        assertEquals(-Errno.ENOENT, c.write("http/object", "/nobody/cont/big\n"));
        assertEquals(List.of("address", "object"), names(fs.readdir(c.ino("http"))), "nothing created");
    }

    @Test
    void noServiceIsEnxio() throws IOException {
        assertEquals(-Errno.ENXIO, c.write("http/object", "/acct/cont/big"), "no address");
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        c.write("http/address", "127.0.0.1:" + dead);
        assertEquals(-Errno.ENXIO, c.write("http/object", "/acct/cont/big"), "connection refused");
        c.write("http/address", "not an address");
        assertEquals(-Errno.ENXIO, c.write("http/object", "/acct/cont/big"), "unusable address");
        assertEquals(List.of("address", "object"), names(fs.readdir(c.ino("http"))));
    }

    @Test
    void otherHttpFailuresAreEio() {
        c.write("http/address", swift.address());
        swift.status("acct/cont/err", 500);
        swift.status("acct/cont/forbidden", 403);
        assertEquals(-Errno.EIO, c.write("http/object", "/acct/cont/err"));
        assertEquals(-Errno.EIO, c.write("http/object", "/acct/cont/forbidden"));
        // the object disappears after the attach: reads fail, the kernel gets EIO
        assertEquals(14, c.write("http/object", "/acct/cont/big"));
        long fh = fs.open(c.ino("http/acct/cont/big"), FsClient.O_RDONLY);
        try {
            swift.status("acct/cont/big", 503);
            assertNull(fs.read(fh, 0, 4096));
        } finally {
            fs.release(fh);
        }
        // a server sending more than the range asked for is refused, not buffered
        swift.overlong("acct/cont/small");
        assertEquals(16, c.write("http/object", "/acct/cont/small"));
        fh = fs.open(c.ino("http/acct/cont/small"), FsClient.O_RDONLY);
        try {
            assertNull(fs.read(fh, 2, 3));
        } finally {
            fs.release(fh);
        }
    }

    @Test
    void badPathsAreEinval() {
        c.write("http/address", swift.address());
        String longName = "n".repeat(256);
        for (String bad : List.of("acct/cont/big", "/acct/cont", "/acct/cont/big/x", "/acct//big", "/acct/cont/",
                "/../cont/big", "/acct/../big", "/acct/./big", "/acct/cont/" + longName, "//acct/cont/big",
                "/acct/cont/big\n\n", "/acct/c\tont/big", "\n")) {
            assertEquals(-Errno.EINVAL, c.write("http/object", bad), CommandText.printable(bad));
        }
        assertEquals(0, c.write("http/object", "")); // nothing written: no command
        assertEquals(-Errno.EINVAL, c.write("http/object", new byte[] {'/', 'a', '/', 'c', '/', (byte) 0xff}));
        // 255 bytes is the limit, in UTF-8 bytes: 127 two-byte characters + 1 pass, 128 do not
        swift.put("acct/cont/" + "é".repeat(127) + "x", small);
        assertEquals(-Errno.EINVAL, c.write("http/object", "/acct/cont/" + "é".repeat(128)));
        assertTrue(c.write("http/object", "/acct/cont/" + "é".repeat(127) + "x") > 0);
        // an account named like the control files cannot become a directory
        swift.put("address/cont/big", small);
        assertEquals(-Errno.EEXIST, c.write("http/object", "/address/cont/big"));
    }

    @Test
    void readAheadMemoryIsBoundedAndReturned() throws Exception {
        try (SwiftTestServer s = new SwiftTestServer()) {
            s.put("a/c/o", big);
            Tree tree = new Tree();
            DirNode http = tree.mkdir(tree.root(), "http");
            AtomicReference<byte[]> address = new AtomicReference<>(s.address().getBytes(StandardCharsets.UTF_8));
            HttpObjects objects = new HttpObjects(tree, http, address,
                    new HttpObjectService(Duration.ofSeconds(2), Duration.ofSeconds(5)), new ReadAheadBudget(3 << 20));
            tree.control(http, "object", HttpControls.object(objects));
            PseudoFs pfs = new PseudoFs(tree, () -> 0);
            FsClient fc = new FsClient(pfs);
            assertEquals(6, fc.write("http/object", "/a/c/o"));
            long ino = fc.ino("http/a/c/o");
            long[] fhs = {pfs.open(ino, 0), pfs.open(ino, 0), pfs.open(ino, 0)};
            int chunk = 128 << 10;
            for (long off = 0; off < BIG; off += chunk) {
                for (long fh : fhs) {
                    byte[] got = pfs.read(fh, off, chunk);
                    assertArrayEquals(Arrays.copyOfRange(big, (int) off, (int) Math.min(BIG, off + chunk)), got);
                    assertTrue(objects.readAheadBytes() <= 3 << 20, "read-ahead within the budget");
                }
            }
            assertTrue(objects.readAheadBytes() > 0);
            for (long fh : fhs) {
                pfs.release(fh);
            }
            assertEquals(0, objects.readAheadBytes(), "released handles give their windows back");
        }
    }

    @Test
    void aStalledServerTimesOut() throws Exception {
        try (SwiftTestServer s = new SwiftTestServer()) {
            s.put("a/c/o", small);
            s.stall("a/c/o");
            Tree tree = new Tree();
            DirNode http = tree.mkdir(tree.root(), "http");
            AtomicReference<byte[]> address = new AtomicReference<>(s.address().getBytes(StandardCharsets.UTF_8));
            HttpObjects objects = new HttpObjects(tree, http, address,
                    new HttpObjectService(Duration.ofSeconds(1), Duration.ofSeconds(1)), new ReadAheadBudget(1 << 20));
            tree.control(http, "object", HttpControls.object(objects));
            PseudoFs pfs = new PseudoFs(tree, () -> 0);
            FsClient fc = new FsClient(pfs);
            assertEquals(6, fc.write("http/object", "/a/c/o"));
            long fh = pfs.open(fc.ino("http/a/c/o"), 0);
            long t0 = System.nanoTime();
            assertNull(pfs.read(fh, 0, 10));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < 15_000, "timed out after " + ms + " ms");
            pfs.release(fh);
        }
    }
}
