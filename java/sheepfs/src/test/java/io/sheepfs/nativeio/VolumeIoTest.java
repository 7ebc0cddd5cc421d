package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.inParallel;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.run;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.ObjectId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Volume I/O through a real mount, served in C over TCP by the real embedded sheep: reads and
 * writes across objects, holes and discards, sizes, parallel writers, attach and reconnects. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeIoTest extends VolumeTestBase {
    @Test
    void writesAcrossObjectBoundariesReadBackAndReachTheServer() throws Exception {
        int vid = sheep.create("v1", 64L * MiB, 22, false);
        VolumeInfo info = attach("v1");
        assertEquals(vid, info.vid());
        assertEquals(64L * MiB, info.size());
        assertEquals(4 * MiB, info.objectSize());
        assertEquals(64L * MiB, Files.size(vol("v1")));

        // holes read as zeros without a request to the server
        long before = session.stats().get("requests");
        assertArrayEquals(new byte[3 * MiB], read(vol("v1"), 10L * MiB, 3 * MiB));
        assertEquals(before, session.stats().get("requests"), "a hole needs no round trip");
        assertTrue(session.stats().get("hole_segments") >= 1);

        // 1 MiB crossing the boundary between objects 0 and 1, and 9 MiB spanning objects 2..4
        byte[] a = random(1, MiB);
        byte[] b = random(2, 9 * MiB);
        long offA = 4L * MiB - 300_000;
        long offB = 8L * MiB + 12_345;
        write(vol("v1"), offA, a);
        write(vol("v1"), offB, b);
        assertArrayEquals(a, read(vol("v1"), offA, a.length));
        assertArrayEquals(b, read(vol("v1"), offB, b.length));

        // the server has the bytes where sheep keeps them: object idx = off >> 22
        byte[] obj0tail = sheep.readObject(ObjectId.data(vid, 0), 4 * MiB - 300_000, 300_000);
        assertArrayEquals(Arrays.copyOf(a, 300_000), obj0tail);
        byte[] obj1head = sheep.readObject(ObjectId.data(vid, 1), 0, MiB - 300_000);
        assertArrayEquals(Arrays.copyOfRange(a, 300_000, MiB), obj1head);

        // after a fresh attach (index from the server's inode) everything reads the same
        VolumeInfo again = reattach("v1");
        assertEquals(5, again.allocatedObjects(), "objects 0, 1 (first write) and 2, 3, 4 (second)");
        assertArrayEquals(a, read(vol("v1"), offA, a.length));
        assertArrayEquals(b, read(vol("v1"), offB, b.length));
        assertArrayEquals(new byte[MiB], read(vol("v1"), 40L * MiB, MiB));
        assertEquals(5, session.stats().get("creates"));
        assertEquals(0, session.stats().get("errors"));
    }

    @Test
    void smallObjectsAndASizeThatIsNotAMultipleOfThem() throws Exception {
        long size = 5L * MiB + 12_345;
        int vid = sheep.create("odd", size, 20, false);
        VolumeInfo info = attach("odd");
        assertEquals(MiB, info.objectSize());
        assertEquals(size, Files.size(vol("odd")));
        byte[] all = random(3, (int) size);
        write(vol("odd"), 0, all);
        assertArrayEquals(all, read(vol("odd"), 0, (int) size + 4096), "reads stop at the end");
        // object 5 is the partial last one; its first bytes are at 5 MiB
        assertArrayEquals(Arrays.copyOfRange(all, 5 * MiB, 5 * MiB + 12_345),
                sheep.readObject(ObjectId.data(vid, 5), 0, 12_345));
        assertArrayEquals(Arrays.copyOfRange(all, 3 * MiB + 7, 3 * MiB + 107),
                sheep.readObject(ObjectId.data(vid, 3), 7, 100));
        // writing at or past the end fails; a write crossing it is cut short
        assertThrows(IOException.class, () -> write(vol("odd"), size, new byte[10]));
        try (FileChannel ch = FileChannel.open(vol("odd"), StandardOpenOption.WRITE)) {
            assertEquals(5, ch.write(ByteBuffer.wrap(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}), size - 5));
        }
        reattach("odd");
        byte[] tail = read(vol("odd"), size - 10, 10);
        assertArrayEquals(new byte[] {all[(int) size - 10], all[(int) size - 9], all[(int) size - 8],
            all[(int) size - 7], all[(int) size - 6], 9, 9, 9, 9, 9}, tail);
    }

    @Test
    void hyperVolumesReadAndWrite() throws Exception {
        long size = 128L * MiB;
        sheep.create("hyper", size, 22, true);
        VolumeInfo info = attach("hyper");
        assertTrue(info.hyper());
        byte[] a = random(8, 3 * MiB);
        long off = 51L * MiB; // objects 12 and 13
        write(vol("hyper"), off, a);
        byte[] c = random(9, MiB);
        write(vol("hyper"), 2L * MiB, c); // object 0, inserted before 11 and 12 in the B-tree
        assertArrayEquals(a, read(vol("hyper"), off, a.length));
        VolumeInfo again = reattach("hyper");
        assertEquals(3, again.allocatedObjects());
        assertArrayEquals(a, read(vol("hyper"), off, a.length));
        assertArrayEquals(c, read(vol("hyper"), 2L * MiB, MiB));
        assertArrayEquals(new byte[MiB], read(vol("hyper"), 100L * MiB, MiB));
        // SEEK_DATA/SEEK_HOLE walk the B-tree leaves: cp keeps the holes of a hyper volume too
        assertEquals(String.valueOf(3 * 4 * MiB / 512), run("stat", "-c", "%b", vol("hyper").toString()));
        Path copy = tmp.resolve("hcopy");
        long readBefore = session.stats().get("read_bytes");
        run("cp", "--sparse=always", vol("hyper").toString(), copy.toString());
        assertTrue(session.stats().get("read_bytes") - readBefore <= 12L * MiB, "cp skipped the holes");
        assertTrue(Long.parseLong(run("stat", "-c", "%b", copy.toString())) * 512 <= 12L * MiB);
        assertArrayEquals(a, read(copy, off, a.length));
        assertArrayEquals(c, read(copy, 2L * MiB, MiB));
    }

    @Test
    void concurrentFirstWritesToOneObjectLoseNothing() throws Exception {
        sheep.create("race", 16L * MiB, 22, false);
        attach("race");
        int writers = 8, block = 256 * 1024;
        ExecutorService ex = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int k = i;
            fs.add(ex.submit(() -> {
                go.await();
                write(vol("race"), 4L * MiB + (long) k * block, random(100 + k, block)); // all in object 1
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : fs) {
            f.get();
        }
        ex.shutdown();
        reattach("race");
        for (int i = 0; i < writers; i++) {
            assertArrayEquals(random(100 + i, block), read(vol("race"), 4L * MiB + (long) i * block, block),
                    "block " + i);
        }
        assertEquals(1, session.stats().get("creates"), "one create for the object; the others waited and wrote");
    }

    /** Most writes that were in flight at once when 4 threads write 64 KiB blocks to one volume file. */
    long writersPeak() throws Exception {
        sheep.create("par", 64L * MiB, 22, false);
        attach("par");
        write(vol("par"), 0, new byte[16 * MiB]); // allocate first: overlap is about plain writes
        int writers = 4;
        inParallel(writers, k -> {
            try (FileChannel ch = FileChannel.open(vol("par"), StandardOpenOption.WRITE)) {
                byte[] d = random(k, 64 * 1024);
                for (int n = 0; n < 40; n++) {
                    ch.write(ByteBuffer.wrap(d), (long) k * 4 * MiB + (long) n * 64 * 1024);
                }
            }
        });
        for (int i = 0; i < writers; i++) {
            assertArrayEquals(random(i, 64 * 1024), read(vol("par"), (long) i * 4 * MiB + 39L * 64 * 1024, 64 * 1024));
        }
        return session.stats().get("writes_peak");
    }

    @Test
    void directWritersToOneFileOverlap() throws Exception {
        tearDown();
        start(true, FuseSession.Options.defaults()); // durable writes take long enough for overlap to show
        long peak = writersPeak();
        assertTrue(peak >= 2, "direct writes to one file were serialized (peak " + peak + ")");
    }

    @Test
    void withoutTheParallelFlagTheKernelSerializesThem() throws Exception {
        tearDown();
        start(true, FuseSession.Options.defaults().withParallelDirectWrites(false));
        assertEquals(1, writersPeak(), "the control: FOPEN_PARALLEL_DIRECT_WRITES is what lets them overlap");
    }

    @Test
    void aVolumeBehavesLikeABlockDeviceForOTruncAndTruncate() throws Exception {
        sheep.create("blk", 16L * MiB, 22, false);
        attach("blk");
        Path src = tmp.resolve("src");
        byte[] d = random(16, 8 * MiB);
        Files.write(src, d);
        run("dd", "if=" + src, "of=" + vol("blk"), "bs=1M", "status=none"); // opens with O_TRUNC
        assertEquals(16L * MiB, Files.size(vol("blk")), "O_TRUNC is ignored, as by a block device");
        assertArrayEquals(d, read(vol("blk"), 0, d.length));
        Process p = new ProcessBuilder("truncate", "-s", "0", vol("blk").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertNotEquals(0, p.waitFor(), "a volume cannot be resized by truncate");
        assertTrue(out.contains("Invalid argument"), out);
        assertEquals(16L * MiB, Files.size(vol("blk")));
    }

    @Test
    void modesOwnersAndTimesCannotBeChangedAndSaySo() throws Exception {
        sheep.create("attr", 8L * MiB, 22, false);
        attach("attr");
        String v = vol("attr").toString();
        Object mode = Files.getAttribute(vol("attr"), "unix:mode");
        Object mtime = Files.getLastModifiedTime(vol("attr"));
        for (String[] cmd : List.of(new String[] {"chmod", "600", v}, new String[] {"chown", "4321:4321", v},
                new String[] {"touch", "-d", "2001-02-03 04:05:06", v})) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertNotEquals(0, p.waitFor(), String.join(" ", cmd) + " cannot succeed: nothing would keep it");
            assertTrue(out.contains("Operation not permitted"), out);
        }
        assertEquals(mode, Files.getAttribute(vol("attr"), "unix:mode"));
        assertEquals(mtime, Files.getLastModifiedTime(vol("attr")));
        run("truncate", "-s", String.valueOf(8L * MiB), v); // the same size: still answered
    }

    @Test
    void pageCacheModeServesBufferedIoMmapAndFsync() throws Exception {
        int vid = sheep.create("pc", 16L * MiB, 22, false);
        attach("pc");
        tree.pageCachePolicy = 1; // asked at every open of a volume
        byte[] d = random(17, 3 * MiB + 1000);
        try (FileChannel ch = FileChannel.open(vol("pc"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(d), 2L * MiB + 123);
            ch.force(true); // fsync: returns once sheep has it
            java.nio.MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 2L * MiB, 4L * MiB);
            byte[] got = new byte[d.length];
            m.position(123);
            m.get(got);
            assertArrayEquals(d, got, "mmap works only without direct I/O");
        }
        assertArrayEquals(Arrays.copyOfRange(d, 2 * MiB - 123, 2 * MiB - 123 + 1000),
                sheep.readObject(ObjectId.data(vid, 1), 0, 1000), "the server has it after fsync");
        tree.pageCachePolicy = 0;
        assertArrayEquals(d, read(vol("pc"), 2L * MiB + 123, d.length));
    }

    @Test
    void holesShowInBlocksAndSeekSoCpKeepsThemSparse() throws Exception {
        sheep.create("sparse", 64L * MiB, 22, false);
        attach("sparse");
        byte[] d = random(12, MiB);
        write(vol("sparse"), 20L * MiB, d); // object 5 only
        assertEquals(String.valueOf(4 * MiB / 512), run("stat", "-c", "%b", vol("sparse").toString()),
                "st_blocks = the allocated object");
        Path copy = tmp.resolve("copy");
        long readBefore = session.stats().get("read_bytes");
        run("cp", "--sparse=always", vol("sparse").toString(), copy.toString()); // SEEK_DATA/SEEK_HOLE
        assertTrue(session.stats().get("read_bytes") - readBefore <= 4L * MiB,
                "cp read only the data, it skipped the holes by seeking (" + (session.stats().get("read_bytes") - readBefore) + ")");
        assertEquals(64L * MiB, Files.size(copy));
        long copied = Long.parseLong(run("stat", "-c", "%b", copy.toString())) * 512;
        assertTrue(copied <= 4L * MiB, "the copy kept the holes (" + copied + " bytes allocated)");
        assertArrayEquals(d, read(copy, 20L * MiB, MiB));
        assertArrayEquals(new byte[MiB], read(copy, 30L * MiB, MiB));
    }

    @Test
    void punchingAHoleDiscardsWholeObjectsAndZeroesPartialOnes() throws Exception {
        int vid = sheep.create("punch", 32L * MiB, 22, false);
        attach("punch");
        byte[] d = random(13, 12 * MiB);
        write(vol("punch"), 0, d);
        // all of object 1 and the first 1 MiB of object 2
        run("fallocate", "--punch-hole", "--keep-size", "-o", String.valueOf(4 * MiB), "-l", String.valueOf(5 * MiB),
                vol("punch").toString());
        assertEquals(1, session.stats().get("discards"));
        byte[] expect = d.clone();
        Arrays.fill(expect, 4 * MiB, 9 * MiB, (byte) 0);
        assertArrayEquals(expect, read(vol("punch"), 0, d.length));
        VolumeInfo again = reattach("punch");
        assertEquals(2, again.allocatedObjects(), "objects 0 and 2 remain, 1 was discarded");
        assertArrayEquals(expect, read(vol("punch"), 0, d.length));
        assertEquals(8 * MiB / 512 * 1L, Long.parseLong(run("stat", "-c", "%b", vol("punch").toString())));
        assertArrayEquals(new byte[MiB], sheep.readObject(io.sheepfs.protocol.ObjectId.data(vid, 2), 0, MiB));
    }

    @Test
    void theDataPathRidesOutASheepRestartAndFollowsGatewaySwitches() throws Exception {
        sheep.create("rs", 16L * MiB, 22, false);
        attach("rs");
        byte[] d = random(14, 8 * MiB);
        write(vol("rs"), 0, d);
        sheep.restart(); // every pooled connection is dropped by the server
        assertArrayEquals(d, read(vol("rs"), 0, d.length), "reconnected and read");
        byte[] e = random(15, MiB);
        write(vol("rs"), 10L * MiB, e);
        assertTrue(session.stats().get("reconnects") >= 1);

        String good = session.gateway();
        session.setGateway("127.0.0.1:1"); // nobody listens there: I/O fails with EIO, after retries
        assertEquals("127.0.0.1:1", session.gateway());
        IOException io = assertThrows(IOException.class, () -> read(vol("rs"), 0, 4096));
        assertTrue(session.stats().get("connect_failures") >= 1, io.toString());
        session.setGateway(good);
        assertArrayEquals(e, read(vol("rs"), 10L * MiB, MiB));
        assertEquals(FuseException.EINVAL,
                assertThrows(FuseException.class, () -> session.setGateway("no port")).errno());
    }

    @Test
    void attachErrorsAndDetachRules() throws Exception {
        FuseException e = assertThrows(FuseException.class, () -> attach("missing"));
        assertEquals(FuseException.ENOENT, e.errno());
        sheep.create("d", 8L * MiB, 22, false);
        long ino = tree.addVolume("d");
        session.attachVolume(ino, "d", 0);
        assertEquals(FuseException.EEXIST,
                assertThrows(FuseException.class, () -> session.attachVolume(ino, "d", 0)).errno());
        write(vol("d"), 0, random(11, 4096));
        try (FileChannel ch = FileChannel.open(vol("d"), StandardOpenOption.READ)) {
            // an open descriptor holds the volume: no writes to a VDI this mount gave up
            assertEquals(FuseException.EBUSY,
                    assertThrows(FuseException.class, () -> session.detachVolume(ino)).errno());
            ByteBuffer b = ByteBuffer.allocate(4096);
            assertEquals(4096, ch.read(b, 0));
            assertArrayEquals(random(11, 4096), b.array());
        }
        session.detachVolume(ino); // right after the close
        tree.removeVolume("d");
        assertFalse(session.volume(ino).isPresent());
        assertThrows(IOException.class, () -> FileChannel.open(vol("d"), StandardOpenOption.READ).close());
        assertEquals(FuseException.ENOENT, assertThrows(FuseException.class, () -> session.detachVolume(ino)).errno());
    }
}
