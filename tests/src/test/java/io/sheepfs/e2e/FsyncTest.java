package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once fsync returns, sheep has the data: read straight from the server with the client,
 * bypassing sheepfs and any cache, while the volume is still open. In direct I/O mode (the
 * default) and with the page cache on (-k), where buffered writes and a shared mapping leave
 * dirty pages that only fsync/msync pushes out.
 */
class FsyncTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void directModeFsyncedWritesAreOnTheServer() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            checkWritesThenFsync(m, "direct");
        }
    }

    @Test
    void pageCacheModeFsyncedWritesAreOnTheServer() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir, "-k")) {
            checkWritesThenFsync(m, "cached");
        }
    }

    @Test
    void pageCacheModeMsyncedMappedWritesAreOnTheServer() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir, "-k")) {
            m.createAndAttach("mapped", "32M");
            Path vol = m.path("volume/mapped");
            long off = 3 * MIB; // spans objects 0 and 1
            byte[] data = random(3, 2 * MIB);
            byte[] more = random(4, 64 << 10);
            Path a = Files.write(dir.resolve("a.bin"), data);
            Path b = Files.write(dir.resolve("b.bin"), more);
            // Java cannot unmap a MappedByteBuffer (it would keep the mount busy): python's mmap can.
            // The mapping stays open while the server is checked, so only msync can have pushed the pages.
            String script = String.join("\n",
                    "import mmap, os, sys",
                    "fd = os.open(sys.argv[1], os.O_RDWR)",
                    "m = mmap.mmap(fd, 2 << 20, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=3 << 20)",
                    "m[:] = open(sys.argv[2], 'rb').read()",
                    "m.flush()",
                    "print('synced', flush=True)",
                    "sys.stdin.readline()",
                    "b = open(sys.argv[3], 'rb').read()",
                    "m[(1 << 20) - 4096:(1 << 20) - 4096 + len(b)] = b",
                    "m.flush()",
                    "print('synced', flush=True)",
                    "sys.stdin.readline()",
                    "m.close()",
                    "os.close(fd)");
            Process py = new ProcessBuilder("python3", "-c", script, vol.toString(), a.toString(), b.toString())
                    .redirectErrorStream(true).start();
            try (SheepClient c = ServerBytes.clientOf(m);
                 BufferedReader out = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
                 Writer in = new OutputStreamWriter(py.getOutputStream(), StandardCharsets.UTF_8)) {
                int vid = c.lookupVdi("mapped").vid();
                assertEquals("synced", out.readLine(), "python mmap writer failed");
                assertArrayEquals(data, ServerBytes.read(c, vid, off, data.length),
                        "msync returned but the server lacks the mapped writes");
                in.write("\n");
                in.flush();
                assertEquals("synced", out.readLine(), "python mmap writer failed");
                System.arraycopy(more, 0, data, MIB - 4096, more.length);
                assertArrayEquals(data, ServerBytes.read(c, vid, off, data.length),
                        "the second msync did not push the rewritten pages to the server");
                in.write("\n");
                in.flush();
                assertTrue(py.waitFor(30, TimeUnit.SECONDS), "python mmap writer hangs");
                assertEquals(0, py.exitValue());
            } finally {
                py.destroyForcibly();
            }
        }
    }

    private static void checkWritesThenFsync(SheepfsMount m, String name) throws Exception {
        m.createAndAttach(name, "32M");
        try (FileChannel ch = Stamp.open(m.path("volume/" + name)); SheepClient c = ServerBytes.clientOf(m)) {
            int vid = c.lookupVdi(name).vid();
            // first writes (allocating objects 1 and 2), then overwrites inside them, unaligned
            long off = 4 * MIB + 4096 * 3 + 17;
            byte[] a = random(1, 5 * MIB);
            Stamp.pwrite(ch, off, a);
            ch.force(false); // fdatasync
            assertArrayEquals(a, ServerBytes.read(c, vid, off, a.length), "fdatasync returned before the data reached sheep");
            byte[] b = random(2, 300_001);
            long off2 = 8 * MIB - 150_000; // straddles objects 1 and 2
            Stamp.pwrite(ch, off2, b);
            ch.force(true); // fsync
            System.arraycopy(b, 0, a, (int) (off2 - off), b.length);
            assertArrayEquals(a, ServerBytes.read(c, vid, off, a.length), "fsync returned before the overwrite reached sheep");
        }
    }

    private static byte[] random(long seed, int n) {
        byte[] x = new byte[n];
        new Random(seed).nextBytes(x);
        return x;
    }
}
