package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.sheepfs.client.SheepClient;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
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
            byte[] data = random(3, 2 * MIB);
            long off = 3 * MIB; // spans objects 0 and 1
            try (FileChannel ch = Stamp.open(m.path("volume/mapped")); SheepClient c = ServerBytes.clientOf(m)) {
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, off, data.length);
                map.put(data);
                map.force(); // msync(MS_SYNC)
                ch.force(true);
                int vid = c.lookupVdi("mapped").vid();
                assertArrayEquals(data, ServerBytes.read(c, vid, off, data.length),
                        "msync/fsync returned but the server lacks the mapped writes");
                // rewrite part of the mapping: the second msync must push the new bytes too
                byte[] more = random(4, 64 << 10);
                map.position(MIB - 4096);
                map.put(more);
                map.force();
                System.arraycopy(more, 0, data, MIB - 4096, more.length);
                assertArrayEquals(data, ServerBytes.read(c, vid, off, data.length),
                        "the second msync did not reach the server");
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
