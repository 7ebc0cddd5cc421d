package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.inParallel;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.readAt;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static io.sheepfs.nativeio.VolumeFiles.writeAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import io.sheepfs.protocol.ObjectId;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How volume requests travel on a real mount: the readers of /dev/fuse, FUSE over io_uring,
 * writes sent from the kernel's buffer, requests batched into sends and cut into pieces. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeTransportTest extends VolumeTestBase {
    /** 1 MiB writes go out from the buffer the kernel wrote them into, and many in flight at once keep
     * their own buffers: each lands where it belongs. With --clone-fd (libfuse's loop) they are copied. */
    @Test
    void bigWritesAreSentFromTheBufferTheyArrivedIn() throws Exception {
        checkZeroCopy(true);
        tearDown();
        start(false, FuseSession.Options.defaults().withThreads(4, true));
        checkZeroCopy(false);
    }

    private void checkZeroCopy(boolean expectZeroCopy) throws Exception {
        sheep.create("zc", 64L * MiB, 22, false);
        attach("zc");
        int writers = 8;
        inParallel(writers, id -> {
            for (int k = 0; k < 6; k++) { // writer w owns MiBs w, w+8, w+16, ...
                write(vol("zc"), (long) (id + 8 * k) * MiB + 4096, random(1000 + id * 10 + k, MiB));
            }
        });
        for (int w = 0; w < writers; w++) {
            for (int k = 0; k < 6; k++) {
                assertArrayEquals(random(1000 + w * 10 + k, MiB), read(vol("zc"), (long) (w + 8 * k) * MiB + 4096, MiB),
                        "writer " + w + " write " + k);
            }
        }
        FuseStats st = session.stats();
        // an unaligned user buffer reaches us as 1 MiB minus its page offset plus a small rest (copied)
        assertTrue(st.get("writes") >= 48 && st.get("writes") <= 96, st.get("writes") + " writes");
        // the kernel may cut a write anywhere; pieces under 64 KiB are copied, the rest is not
        if (expectZeroCopy) {
            assertTrue(st.get("zero_copy_bytes") >= 48L * (MiB - 64 * 1024), st.get("zero_copy_bytes") + " bytes without a copy");
        } else {
            assertEquals(0, st.get("zero_copy_bytes"), "libfuse's loop owns its buffers: every write is copied");
        }
        assertEquals(0, st.get("errors"));
    }

    /** Many small reads at once: a FUSE worker sends the requests it finds queued together, in
     * fewer socket writes than requests, and each reader still gets its own bytes. */
    @Test
    void concurrentSmallReadsLeaveInBatches() throws Exception {
        byte[] all = attachedWithData("burst", 16L * MiB, 11, 16 * MiB);
        FuseStats before = session.stats();
        try (FileChannel ch = FileChannel.open(vol("burst"), StandardOpenOption.READ)) {
            inParallel(16, id -> {
                Random r = new Random(id);
                for (int k = 0; k < 400; k++) {
                    long off = (long) r.nextInt(16 * MiB / 4096) * 4096;
                    assertArrayEquals(Arrays.copyOfRange(all, (int) off, (int) off + 4096), readAt(ch, off, 4096),
                            "reader " + id + " at " + off);
                }
            });
        }
        FuseStats after = session.stats();
        long requests = after.get("requests") - before.get("requests");
        long sends = after.get("sends") - before.get("sends");
        assertTrue(requests >= 16 * 400, requests + " requests");
        assertTrue(sends < requests * 0.9, sends + " sends for " + requests + " requests: no burst went out together");
        assertEquals(0, after.get("errors"));
    }

    /** Several workers read /dev/fuse at once (machines with more than 4 CPUs get one per 4; here
     * the option forces 4): while upcalls block some of them, the others keep volume reads and
     * writes going, and every reader and writer still gets its own bytes. */
    @Test
    void severalReadersServeVolumeIoWhileUpcallsBlock() throws Exception {
        tearDown();
        start(false, FuseSession.Options.defaults().withReaders(4));
        long peak = readersUnderMixedLoad();
        assertTrue(peak > 1 && peak <= 4, "workers reading at once: " + peak + " (1 to 4 expected, more than 1)");
    }

    /** The control: with one reader at most, the peak the test above asserts cannot happen. */
    @Test
    void oneReaderAtMostWhenTheOptionSaysOne() throws Exception {
        tearDown();
        start(false, FuseSession.Options.defaults().withReaders(1));
        assertEquals(1, readersUnderMixedLoad());
    }

    /** FUSE over io_uring (--io-uring): the same mixed load, plus 1 MiB requests (a full ring entry
     * each way), is served from the per-CPU rings, every byte right: volume I/O by the threads that read
     * sheep's answers, upcalls by a thread beside each of them. */
    @Test
    void overIoUringVolumeIoAndUpcallsAreServedFromTheRings() throws Exception {
        try (UringSwitch on = UringSwitch.on()) {
            tearDown();
            start(false, FuseSession.Options.defaults().withUring(4));
            FuseStats atMount = session.stats();
            long depth = atMount.get("uring_depth"); /* 4 as asked, fewer on a machine with many CPUs (the budget) */
            assertTrue(depth >= 2 && depth <= 4, "entries per queue: " + depth);
            long cpus = Runtime.getRuntime().availableProcessors();
            assertTrue(atMount.get("uring_ring_bytes") >= cpus * depth * MiB, "ring memory: " + atMount.get("uring_ring_bytes"));
            /* touched at mount: the resident size does not creep up later as entries first carry 1 MiB */
            assertEquals(atMount.get("uring_ring_bytes"), atMount.get("uring_resident_bytes"), "ring memory in RAM at mount");
            readersUnderMixedLoad();
            byte[] big = random(77, 6 * MiB);
            write(vol("mixed"), 3L * MiB, big); /* direct I/O: 1 MiB requests, sent from their ring entries */
            assertArrayEquals(big, read(vol("mixed"), 3L * MiB, big.length)); /* landing in them */
            try (FileChannel ch = FileChannel.open(vol("mixed"), StandardOpenOption.READ)) {
                for (int off = 0; off < big.length; off += 64 * 1024) { /* sequential: from readahead */
                    assertArrayEquals(Arrays.copyOfRange(big, off, off + 64 * 1024), readAt(ch, 3L * MiB + off, 64 * 1024),
                            "sequential read at " + off);
                }
            }
            FuseStats st = session.stats();
            assertTrue(st.get("readahead_hits") > 0, "readahead hits: " + st.get("readahead_hits"));
            assertEquals(0, st.get("errors"));
            assertTrue(st.get("uring_queues") >= 1, "queues that served requests: " + st.get("uring_queues"));
            assertTrue(st.get("uring_requests") >= 1000, "requests served from rings: " + st.get("uring_requests"));
            /* 4 readers at once: an I/O thread often reads several answers in one go (about 1 in 10
             * replies here), and their commits then leave in one system call */
            assertTrue(st.get("uring_batched_commits") > 0, "commits submitted together: " + st.get("uring_batched_commits"));
            /* volume I/O runs on the thread that reads sheep's answers; upcalls (they may block) on
             * another one, so that thread never waits */
            assertTrue(st.get("uring_io_thread_ran") >= 1000, "requests the I/O threads ran: " + st.get("uring_io_thread_ran"));
            assertTrue(st.get("uring_handed_off") > 0, "requests handed to a thread that may block: " + st.get("uring_handed_off"));
            assertTrue(st.get("uring_io_thread_ran") + st.get("uring_handed_off") <= st.get("uring_requests"), "each request once: " + st);
        }
    }

    /** Fewer connections than CPUs: the CPUs beyond them get a ring thread of their own (named
     * sheepfs-ringN), the others are served by their I/O threads; the mixed load is served right. */
    @Test
    void overIoUringWithOneConnectionTheOtherCpusGetRingThreads() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        try (UringSwitch on = UringSwitch.on()) {
            tearDown();
            start(false, FuseSession.Options.defaults().withUring(4).withConnections(1, 0));
            readersUnderMixedLoad();
            FuseStats st = session.stats();
            assertEquals(0, st.get("errors"));
            assertTrue(st.get("uring_requests") >= 1000, "requests served from rings: " + st.get("uring_requests"));
            /* with 2+ CPUs at least two queues took requests: one or more of them by a ring thread */
            assertTrue(st.get("uring_queues") >= Math.min(2, cpus), "queues that served requests: " + st.get("uring_queues"));
            List<String> threads = new ArrayList<>();
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        threads.add(Files.readString(t.resolve("comm")).trim());
                    } catch (java.nio.file.NoSuchFileException ended) {
                        // a thread that ended since the listing
                    }
                }
            }
            assertTrue(threads.contains("sheepfs-slow0"), "queue 0 served by I/O thread 0: " + threads);
            if (cpus > 1) {
                assertTrue(threads.contains("sheepfs-ring1"), "queue 1 has a thread of its own: " + threads);
                assertFalse(threads.contains("sheepfs-slow1"), "no I/O thread 1 to serve queue 1: " + threads);
            }
        }
    }

    /** The control: with the kernel offering io_uring but the option off, no request takes a ring. */
    @Test
    void withoutTheOptionNoRequestTakesARing() throws Exception {
        try (UringSwitch on = UringSwitch.on()) {
            tearDown();
            start(false, FuseSession.Options.defaults());
            readersUnderMixedLoad();
            assertEquals(0, session.stats().get("uring_requests"));
            assertEquals(0, session.stats().get("uring_ring_bytes"));
        }
    }

    /** 4 random 4 KiB readers, 2 writers of their own 1 MiB regions (read back) and 4 threads
     * reading the pseudo file (an upcall each open and read): returns the FuseStats counter readers_peak. */
    private long readersUnderMixedLoad() throws Exception {
        byte[] all = attachedWithData("mixed", 32L * MiB, 12, 16 * MiB);
        try (FileChannel ch = FileChannel.open(vol("mixed"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            inParallel(10, id -> {
                Random r = new Random(id);
                for (int k = 0; k < 150; k++) {
                    if (id < 4) {
                        long off = (long) r.nextInt(16 * MiB / 4096) * 4096;
                        assertArrayEquals(Arrays.copyOfRange(all, (int) off, (int) off + 4096), readAt(ch, off, 4096),
                                "reader " + id + " at " + off);
                    } else if (id < 6) {
                        long off = 16L * MiB + (id - 4) * 8L * MiB + (long) r.nextInt(8) * MiB;
                        byte[] d = random(1000L * id + k, 64 * 1024);
                        writeAt(ch, off, d);
                        assertArrayEquals(d, readAt(ch, off, d.length), "writer " + id + " at " + off);
                    } else {
                        assertEquals("", Files.readString(mnt.resolve("hello")));
                    }
                }
            });
        }
        FuseStats st = session.stats();
        assertEquals(0, st.get("errors"));
        assertTrue(st.get("upcalls") >= 4 * 150, st.get("upcalls") + " upcalls");
        return st.get("readers_peak");
    }

    @Test
    void piecesOfOneRequestCreateEachObjectOnceAndCopyOnWriteOnce() throws Exception {
        tearDown(); // pieces of 128 KiB (--piece-size 128K): more pieces than objects
        start(false, piecesOf(128 << 10));
        int vid = sheep.create("pc", 32L * MiB, 22, false);
        attach("pc");
        // 6 MiB from 3 MiB: the last MiB of object 0, all of object 1, the first MiB of object 2: 48+ pieces
        byte[] data = random(21, 6 * MiB);
        long segments = session.stats().get("segments");
        write(vol("pc"), 3L * MiB, data);
        FuseStats st = session.stats();
        assertTrue(st.get("segments") - segments >= 48, "pieces: " + (st.get("segments") - segments)); // FUSE may split further
        assertEquals(3, st.get("creates"), "one create per object, the other pieces wait and write");
        assertArrayEquals(Arrays.copyOfRange(data, 0, MiB), sheep.readObject(ObjectId.data(vid, 0), 3L * MiB, MiB));
        assertArrayEquals(new byte[3 * MiB], sheep.readObject(ObjectId.data(vid, 0), 0, 3 * MiB));
        assertArrayEquals(Arrays.copyOfRange(data, MiB, 5 * MiB), sheep.readObject(ObjectId.data(vid, 1), 0, 4 * MiB));
        assertArrayEquals(Arrays.copyOfRange(data, 5 * MiB, 6 * MiB), sheep.readObject(ObjectId.data(vid, 2), 0, MiB));
        // reads in pieces too, holes included
        byte[] back = read(vol("pc"), 2L * MiB, 8 * MiB);
        assertArrayEquals(new byte[MiB], Arrays.copyOfRange(back, 0, MiB));
        assertArrayEquals(data, Arrays.copyOfRange(back, MiB, 7 * MiB));
        assertArrayEquals(new byte[MiB], Arrays.copyOfRange(back, 7 * MiB, 8 * MiB));

        // after a snapshot: a 1 MiB write into object 1 copies it once, the pieces land on the copy
        int working = sheep.snapshot("pc", 32L * MiB, vid);
        byte[] over = random(22, MiB);
        long cows = session.stats().get("cow_creates");
        write(vol("pc"), 4L * MiB + 512 * 1024, over);
        assertEquals(1, session.stats().get("cow_creates") - cows);
        byte[] expect = Arrays.copyOfRange(data, MiB, 5 * MiB);
        System.arraycopy(over, 0, expect, 512 * 1024, MiB);
        assertArrayEquals(expect, sheep.readObject(ObjectId.data(working, 1), 0, 4 * MiB));
        assertArrayEquals(Arrays.copyOfRange(data, MiB, 5 * MiB), sheep.readObject(ObjectId.data(vid, 1), 0, 4 * MiB));
    }

    /** With --piece-size auto the piece size is measured, not assumed: behind a proxy that holds every answer back
     * 20 ns per byte, each request on its own (a cluster that serves requests in parallel but big
     * ones slowly, as a 3-node sheep 1.0 did), 1 MiB reads and writes end up in pieces of at most
     * 128 KiB, and the bytes stay right. */
    @Test
    void aClusterFasterWithSmallerRequestsGetsThem() throws Exception {
        try (CountingProxy slow = startBehindProxy(20, piecesOf(FuseSession.Options.AUTO_PIECE))) {
            sheep.create("tune", 64L * MiB, 22, false);
            attach("tune");
            assertEquals(256 << 10, session.stats().get("piece_write"), "256 KiB pieces until measured otherwise");
            byte[] data = random(31, 32 * MiB);
            long end = System.nanoTime() + 60_000_000_000L;
            try (FileChannel ch = FileChannel.open(vol("tune"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                for (int i = 0; !settled(session.stats().get("piece_write")) && System.nanoTime() < end; i++) {
                    int m = i % 32;
                    writeAt(ch, (long) m * MiB, Arrays.copyOfRange(data, m * MiB, (m + 1) * MiB));
                }
                Random r = new Random(5); // random MiBs: no readahead, every read goes out whole
                while (!settled(session.stats().get("piece_read")) && System.nanoTime() < end) {
                    int m = r.nextInt(32);
                    assertArrayEquals(Arrays.copyOfRange(data, m * MiB, (m + 1) * MiB), readAt(ch, (long) m * MiB, MiB),
                            "MiB " + m);
                }
            }
            FuseStats st = session.stats();
            assertTrue(settled(st.get("piece_write")), "write pieces: " + st.get("piece_write"));
            assertTrue(settled(st.get("piece_read")), "read pieces: " + st.get("piece_read"));
            // one step or several: a trial that wins only once (noise) moves nothing, the next size is tried
            assertTrue(st.get("piece_switches") >= 2, "reads and writes each moved: " + st.get("piece_switches"));
            assertEquals(0, st.get("errors"));
            assertArrayEquals(data, read(vol("tune"), 0, 32 * MiB));
        }
    }

    private static boolean settled(long piece) {
        return piece > 0 && piece <= 128 << 10;
    }
}
