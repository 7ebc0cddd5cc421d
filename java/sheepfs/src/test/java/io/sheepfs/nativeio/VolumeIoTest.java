package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Volume I/O through a real mount, served in C over TCP by the real embedded sheep. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeIoTest {
    static final int MiB = 1 << 20;

    @TempDir
    Path tmp;
    SheepFixture sheep;
    TestTree tree;
    FuseSession session;
    Path mnt;

    @BeforeEach
    void setUp() throws IOException {
        FuseTests.requireFuse();
        start(false);
    }

    void start(boolean sync) throws IOException {
        start(sync, FuseSession.Options.defaults());
    }

    void start(boolean sync, FuseSession.Options options) throws IOException {
        sheep = new SheepFixture(Files.createTempDirectory(tmp, "store"), sync);
        tree = new TestTree("");
        mnt = Files.createTempDirectory(tmp, "mnt");
        session = FuseSession.mount(mnt, tree, sheep.gateway(), options);
        session.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (session != null) {
            session.close();
        }
        if (sheep != null) {
            sheep.close();
        }
    }

    VolumeInfo attach(String name) throws FuseException {
        return session.attachVolume(tree.addVolume(name), name, 0);
    }

    /** Detaches and attaches again: the index is then what the server has, not what C remembered. */
    VolumeInfo reattach(String name) throws FuseException {
        long ino = tree.addVolume(name);
        session.detachVolume(ino);
        return session.attachVolume(ino, name, 0);
    }

    /** A new VDI of {@code size} bytes (4 MiB objects), attached, its first {@code len} bytes random
     * from {@code seed}: returns them. */
    byte[] attachedWithData(String name, long size, long seed, int len) throws IOException {
        sheep.create(name, size, 22, false);
        attach(name);
        byte[] data = random(seed, len);
        write(vol(name), 0, data);
        return data;
    }

    Path vol(String name) {
        return mnt.resolve("volume").resolve(name);
    }

    static byte[] random(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void write(Path p, long off, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b, off + b.position());
            }
        }
    }

    static byte[] read(Path p, long off, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            while (b.hasRemaining()) {
                if (ch.read(b, off + b.position()) < 0) {
                    break;
                }
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

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

    /** A sequential reader is served from readahead, and never sees data older than a write or a
     * discard that completed before its read. */
    @Test
    void readaheadServesSequentialReadsAndNeverStaleData() throws Exception {
        byte[] old = attachedWithData("ra", 64L * MiB, 7, 24 * MiB);
        try (FileChannel r = FileChannel.open(vol("ra"), StandardOpenOption.READ);
             FileChannel w = FileChannel.open(vol("ra"), StandardOpenOption.WRITE)) {
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(Arrays.copyOfRange(old, i * MiB, (i + 1) * MiB), readAt(r, (long) i * MiB, MiB), "MiB " + i);
            }
            long hits = session.stats().get("readahead_hits");
            assertTrue(hits >= 3, "sequential 1 MiB reads after the second are read ahead: " + hits + " hits");
            assertTrue(session.stats().get("readahead_bytes") >= 4L * MiB);

            // a write ahead of the reader, through another handle, completes before the reader gets there
            byte[] fresh = random(8, MiB);
            writeAt(w, 7L * MiB, fresh);
            assertArrayEquals(Arrays.copyOfRange(old, 6 * MiB, 7 * MiB), readAt(r, 6L * MiB, MiB));
            assertArrayEquals(fresh, readAt(r, 7L * MiB, MiB), "the write is seen, not the data read ahead before it");

            // reading on builds readahead again; a hole punched ahead of the reader reads as zeros
            for (int i = 8; i < 12; i++) {
                assertArrayEquals(Arrays.copyOfRange(old, i * MiB, (i + 1) * MiB), readAt(r, (long) i * MiB, MiB), "MiB " + i);
            }
            assertTrue(session.stats().get("readahead_hits") > hits, "readahead resumed after the write");
            run("fallocate", "--punch-hole", "--keep-size", "-o", String.valueOf(12L * MiB), "-l",
                    String.valueOf(4L * MiB), vol("ra").toString());
            assertArrayEquals(new byte[MiB], readAt(r, 12L * MiB, MiB), "the discard is seen");
            // a jump backwards, then sequential again, from the start: still the right bytes
            for (int i = 0; i < 4; i++) {
                byte[] want = i == 7 ? fresh : Arrays.copyOfRange(old, i * MiB, (i + 1) * MiB);
                assertArrayEquals(want, readAt(r, (long) i * MiB, MiB), "again MiB " + i);
            }
        }
        assertEquals(0, session.stats().get("errors"));
    }

    /** A reader that keeps a deep queue of sequential reads (fio, QEMU) has them pipelined already:
     * nothing is read ahead for it (that would only add a copy out of the chunks, and memory).
     * One read at a time still is. Sheep answers behind a proxy that takes 4 ms per MiB, as a
     * real cluster does: a queue is seen as deep by the reads it has waiting, and the embedded
     * sheep in this JVM could answer the first ones before the next arrive (under ASan, CI saw
     * the first chunks come back before fio's third read, and 28 MiB read ahead). */
    @Test
    void aDeepQueueOfSequentialReadsIsNotReadAhead() throws Exception {
        try (CountingProxy slow = startBehindProxy(4, FuseSession.Options.defaults())) {
            attachedWithData("deep", 256L * MiB, 9, 128 * MiB);
            long before = session.stats().get("readahead_bytes");
            run("fio", "--name=deep", "--filename=" + vol("deep"), "--rw=read", "--bs=1M", "--size=128M",
                    "--ioengine=libaio", "--iodepth=16", "--direct=1", "--output=/dev/null");
            long deep = session.stats().get("readahead_bytes") - before;
            // Before the queue fills, a window or so may be read ahead: 17 MiB once under ASan on a
            // busy machine. Without the check, about half of what is read (29 MiB of 64): 128 MiB
            // keeps that far above the bound.
            assertTrue(deep <= 24L * MiB, "bytes read ahead for 128 MiB read at queue depth 16: " + deep);

            try (FileChannel r = FileChannel.open(vol("deep"), StandardOpenOption.READ)) {
                for (int i = 0; i < 8; i++) {
                    readAt(r, (long) i * MiB, MiB);
                }
            }
            long single = session.stats().get("readahead_bytes") - before - deep;
            System.out.println("read ahead: " + deep + " bytes for the queue of 16, " + single + " for one at a time");
            assertTrue(single >= 4L * MiB, "bytes read ahead for 8 MiB read one at a time: " + single);
            assertEquals(0, session.stats().get("errors"));
        }
    }

    @Test
    void withReadaheadOffSequentialReadsAreNotReadAhead() throws Exception {
        try (CountingProxy slow = startBehindProxy(4, FuseSession.Options.defaults().withReadahead(false))) {
            byte[] data = attachedWithData("off", 64L * MiB, 10, 8 * MiB);
            long before = session.stats().get("readahead_bytes");
            try (FileChannel r = FileChannel.open(vol("off"), StandardOpenOption.READ)) {
                for (int i = 0; i < 8; i++) {
                    assertArrayEquals(Arrays.copyOfRange(data, i * MiB, (i + 1) * MiB), readAt(r, (long) i * MiB, MiB));
                }
            }
            assertEquals(0, session.stats().get("readahead_bytes") - before, "bytes read ahead with readahead off");
            assertEquals(0, session.stats().get("errors"));
        }
    }

    interface Worker {
        void run(int id) throws Exception;
    }

    /** Runs worker(0) .. worker(n-1) on n threads at once and waits for all (a failure is rethrown). */
    static void inParallel(int n, Worker worker) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                fs.add(ex.submit(() -> {
                    worker.run(id);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            ex.shutdown();
        }
    }

    static byte[] readAt(FileChannel ch, long off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining() && ch.read(b, off + b.position()) >= 0) {
            // until full
        }
        return b.array();
    }

    static void writeAt(FileChannel ch, long off, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            ch.write(b, off + b.position());
        }
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

    /**
     * A first write in pieces: once the create has made the object, the other pieces go out beside
     * the index write that names it in the inode, not after it; and no write into that object is
     * done before the index write is (acknowledged, it could otherwise sit in an object the inode
     * does not name, were sheepfs stopped in between). A proxy holds the index write's answer.
     * The same for a hyper volume, whose index is a B-tree: the in-memory tree names the new
     * object before the B-tree writes are sent, and from then on writes into the object are held
     * until those writes are done.
     */
    @ParameterizedTest(name = "hyper={0}")
    @ValueSource(booleans = {false, true})
    void writesIntoANewObjectGoBesideItsIndexWriteAndEndAfterIt(boolean hyper) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        try (CountingProxy proxy = startBehindProxy(0, piecesOf(256 << 10))) {
            int vid = sheep.create("ix", 64L * MiB, 22, hyper);
            assertEquals(hyper, attach("ix").hyper());
            proxy.holdAnswers(VolumeIoTest::inodeWrite);
            byte[] first = random(41, MiB), later = random(42, 4096);
            // object 1, in 4 pieces: one probes (flat: the entry and the name; hyper: the name),
            // creates and writes the index; three wait for the object and write
            int sent = hyper ? 6 : 7;
            int base = proxy.requests();
            Future<?> a = ex.submit(() -> {
                write(vol("ix"), 4L * MiB, first);
                return null;
            });
            long end = System.nanoTime() + 10_000_000_000L;
            awaitUntil(() -> proxy.gatedRequests() > 0, end);
            assertEquals(1, proxy.gatedRequests(), "the index write went out");
            // the three other pieces go out while the index write's answer is held
            awaitUntil(() -> proxy.requests() >= base + sent, end);
            assertEquals(sent, proxy.requests() - base, "requests sent while the index write is held");
            // a later write into the object: sent at once, done only with the index write
            Future<?> b = ex.submit(() -> {
                write(vol("ix"), 6L * MiB, later);
                return null;
            });
            awaitUntil(() -> proxy.requests() >= base + sent + 1, end);
            Thread.sleep(300);
            assertFalse(a.isDone(), "the first write ended before its index write");
            assertFalse(b.isDone(), "a write into the new object ended before its index write");
            proxy.release();
            a.get(10, TimeUnit.SECONDS);
            b.get(10, TimeUnit.SECONDS);
            assertEquals(1, session.stats().get("creates"));
            assertEquals(0, session.stats().get("errors"));
            if (!hyper) {
                assertEquals(vid, sheep.indexEntry(vid, 1), "the inode names the object");
            }
            reattach("ix"); // the index as sheep has it
            assertArrayEquals(first, read(vol("ix"), 4L * MiB, MiB));
            assertArrayEquals(later, read(vol("ix"), 6L * MiB, 4096));
        } finally {
            ex.shutdownNow();
        }
    }

    /**
     * An index write that fails leaves the object unnamed in sheep's inode: the write that made it
     * fails (EIO), and the next write there allocates the object again and names it, instead of
     * being acknowledged into an object that the next attach would not find. A proxy refuses the
     * index write with EIO, as a sheep that failed it. Flat volumes put their index entry back;
     * hyper volumes, whose B-tree may be half written, reload the inode from sheep.
     */
    @ParameterizedTest(name = "hyper={0}")
    @ValueSource(booleans = {false, true})
    void aFailedIndexWriteLeavesTheObjectToBeAllocatedAgain(boolean hyper) throws Exception {
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            int vid = sheep.create("fx", 16L * MiB, 22, hyper);
            assertEquals(hyper, attach("fx").hyper());
            proxy.refuse(VolumeIoTest::inodeWrite,
                    io.sheepfs.protocol.Result.EIO);
            byte[] lost = random(51, 4096), kept = random(52, 4096);
            IOException e = assertThrows(IOException.class, () -> write(vol("fx"), 4L * MiB, lost));
            assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.getMessage());
            assertEquals(1, proxy.refusedRequests());
            if (!hyper) {
                assertEquals(0, sheep.indexEntry(vid, 1), "sheep's inode does not name the object");
            }
            proxy.refuse(null, 0);
            write(vol("fx"), 4L * MiB + 8192, kept);
            assertEquals(2, session.stats().get("creates"), "the object was allocated again");
            assertEquals(hyper ? 1 : 0, session.stats().get("reloads"), "hyper: the inode reloaded from sheep");
            if (!hyper) {
                assertEquals(vid, sheep.indexEntry(vid, 1), "the inode names the object");
            }
            reattach("fx"); // the index as sheep has it
            assertArrayEquals(kept, read(vol("fx"), 4L * MiB + 8192, 4096));
            assertArrayEquals(new byte[4096], read(vol("fx"), 4L * MiB, 4096), "the failed write's bytes are gone");
        }
    }

    /**
     * Hyper: when the inode reload after a failed B-tree write fails too (sheep refuses the inode's
     * reads as well), the tree in memory still names the object sheep's inode may not. The next
     * write reloads first, then allocates the object anew. (Before, it took the fast path into the
     * recorded object and failed with EIO, and so did every later write there.)
     */
    @Test
    void aFailedReloadAfterAFailedIndexWriteIsDoneByTheNextWrite() throws Exception {
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            sheep.create("fr", 16L * MiB, 22, true);
            assertTrue(attach("fr").hyper());
            // the inode's reads only after the failed write: the reload's, not the B-tree update's own
            AtomicBoolean wrote = new AtomicBoolean();
            proxy.refuse(h -> inodeWrite(h) && !wrote.getAndSet(true) || wrote.get() && inodeRead(h),
                    io.sheepfs.protocol.Result.EIO);
            byte[] lost = random(56, 4096), kept = random(57, 4096);
            IOException e = assertThrows(IOException.class, () -> write(vol("fr"), 4L * MiB, lost));
            assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.getMessage());
            long end = System.nanoTime() + 10_000_000_000L;
            awaitUntil(() -> session.stats().get("reloads_failed") > 0, end);
            assertEquals(1, session.stats().get("reloads"), "a reload was tried");
            assertEquals(1, session.stats().get("reloads_failed"), "and failed: the inode's reads were refused");
            proxy.refuse(null, 0);
            write(vol("fr"), 4L * MiB + 8192, kept);
            assertEquals(2, session.stats().get("reloads"), "the write reloaded first");
            assertEquals(2, session.stats().get("creates"), "then allocated the object anew");
            reattach("fr"); // the index as sheep has it
            assertArrayEquals(kept, read(vol("fr"), 4L * MiB + 8192, 4096));
            assertArrayEquals(new byte[4096], read(vol("fr"), 4L * MiB, 4096), "the failed write's bytes are gone");
        }
    }

    /**
     * A write that went out beside an index write which then fails, and that sheep acknowledges
     * only afterwards, fails too (EIO): its bytes sit in an object no inode names, which the next
     * write there creates anew without them. The proxy holds the create's answer until the second
     * write waits for the object, refuses the index write, and holds the second write's answer
     * until the index write has failed. With createdAnewFirst, a third write creates the object
     * anew before that answer comes: the held write reached sheep before that create, which
     * replaced the object and its bytes, so it still fails; a write sent after the create does not.
     */
    @ParameterizedTest(name = "hyper={0}, created anew first={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void aWriteBesideAFailedIndexWriteFailsToo(boolean hyper, boolean createdAnewFirst) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            int vid = sheep.create("ub", 16L * MiB, 22, hyper);
            assertEquals(hyper, attach("ub").hyper());
            long obj = ObjectId.data(vid, 1);
            proxy.holdAnswers(h -> (h[1] & 0xff) == Opcode.CREATE_AND_WRITE_OBJ && Le.u64(h, 16) == obj);
            byte[] first = random(53, 4096), beside = random(54, 4096), after = random(55, 4096);
            Future<?> a = ex.submit(() -> {
                write(vol("ub"), 4L * MiB, first);
                return null;
            });
            long end = System.nanoTime() + 10_000_000_000L;
            awaitUntil(() -> proxy.gatedRequests() > 0, end);
            int sent = proxy.requests();
            Future<?> b = ex.submit(() -> {
                write(vol("ub"), 6L * MiB, beside);
                return null;
            });
            Thread.sleep(200);
            assertEquals(sent, proxy.requests(), "the second write waits for the object");
            proxy.refuse(VolumeIoTest::inodeWrite,
                    io.sheepfs.protocol.Result.EIO);
            proxy.releaseAndHold(h -> (h[1] & 0xff) == Opcode.WRITE_OBJ && Le.u64(h, 16) == obj);
            ExecutionException ea = assertThrows(ExecutionException.class, () -> a.get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(ea.getCause().getMessage()).contains("Input/output error"), ea.toString());
            assertEquals(1, proxy.refusedRequests());
            awaitUntil(() -> proxy.gatedRequests() > 1, end);
            assertFalse(b.isDone(), "the second write's answer is held");
            if (createdAnewFirst) {
                proxy.refuse(null, 0);
                write(vol("ub"), 5L * MiB, after); // over the held write's bytes
                assertEquals(2, session.stats().get("creates"), "the object was created anew");
                assertFalse(b.isDone(), "the second write's answer is still held");
            }
            proxy.release();
            ExecutionException eb = assertThrows(ExecutionException.class, () -> b.get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(eb.getCause().getMessage()).contains("Input/output error"), eb.toString());
            if (!createdAnewFirst) {
                proxy.refuse(null, 0);
                write(vol("ub"), 5L * MiB, after);
                assertEquals(2, session.stats().get("creates"), "the object was created anew");
            }
            if (!hyper) {
                assertEquals(vid, sheep.indexEntry(vid, 1));
            }
            byte[] later = random(58, 4096);
            write(vol("ub"), 7L * MiB, later); // sent after the new create: the object's
            reattach("ub");
            assertArrayEquals(after, read(vol("ub"), 5L * MiB, 4096));
            assertArrayEquals(later, read(vol("ub"), 7L * MiB, 4096));
            assertArrayEquals(new byte[4096], read(vol("ub"), 6L * MiB, 4096), "the failed write's bytes are gone");
        } finally {
            ex.shutdownNow();
        }
    }

    /** Starts again, mounted through a proxy (closed by the caller) in front of a new embedded sheep;
     * {@code nanosPerByte}: see {@link CountingProxy}. */
    CountingProxy startBehindProxy(long nanosPerByte, FuseSession.Options options) throws IOException {
        tearDown();
        sheep = new SheepFixture(Files.createTempDirectory(tmp, "store"), false);
        CountingProxy proxy = new CountingProxy(sheep.sheep.address(), nanosPerByte);
        tree = new TestTree("");
        mnt = Files.createTempDirectory(tmp, "mnt");
        session = FuseSession.mount(mnt, tree, "127.0.0.1:" + proxy.address().getPort(), options);
        session.start();
        return proxy;
    }

    /** The default options with volume requests split into pieces of {@code piece} bytes. */
    static FuseSession.Options piecesOf(int piece) {
        FuseSession.Options d = FuseSession.Options.defaults();
        return d.withConnections(d.connections(), piece);
    }

    /** A request (its header) that writes into an inode object: an index entry, or a B-tree's. */
    static boolean inodeWrite(byte[] h) {
        return (h[1] & 0xff) == Opcode.WRITE_OBJ && (Le.u64(h, 16) & ObjectId.INODE_BIT) != 0;
    }

    static boolean inodeRead(byte[] h) {
        return (h[1] & 0xff) == Opcode.READ_OBJ && (Le.u64(h, 16) & ObjectId.INODE_BIT) != 0;
    }

    /** Polls until done says so or the clock passes end (nanoTime); the caller asserts after. */
    static void awaitUntil(BooleanSupplier done, long end) throws InterruptedException {
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
    }

    /** The default piece size is measured, not assumed: behind a proxy that holds every answer back
     * 20 ns per byte, each request on its own (a cluster that serves requests in parallel but big
     * ones slowly, as a 3-node sheep 1.0 did), 1 MiB reads and writes end up in pieces of at most
     * 128 KiB, and the bytes stay right. */
    @Test
    void aClusterFasterWithSmallerRequestsGetsThem() throws Exception {
        try (CountingProxy slow = startBehindProxy(20, FuseSession.Options.defaults())) {
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
    void aCloneReadsItsParentAndCopiesOnWrite() throws Exception {
        long size = 32L * MiB;
        int base = sheep.create("base", size, 22, false);
        attach("base");
        byte[] a = random(4, 12 * MiB);
        write(vol("base"), 0, a);
        session.detachVolume(tree.addVolume("base"));
        int working = sheep.snapshot("base", size, base); // base's vid is now the snapshot
        assertNotEquals(base, working);
        int clone = sheep.cloneOf("child", size, base);

        VolumeInfo ci = attach("child");
        assertEquals(clone, ci.vid());
        assertEquals(3, ci.allocatedObjects(), "inherited entries count as data");
        assertArrayEquals(a, read(vol("child"), 0, a.length), "a clone reads its parent's objects");
        long cow = session.stats().get("cow_creates");
        byte[] b = random(5, 2 * MiB);
        write(vol("child"), 3L * MiB, b); // objects 0 and 1, partially: copy-on-write
        assertEquals(cow + 2, session.stats().get("cow_creates"));
        byte[] expect = a.clone();
        System.arraycopy(b, 0, expect, 3 * MiB, b.length);
        assertArrayEquals(expect, read(vol("child"), 0, a.length));
        reattach("child");
        assertArrayEquals(expect, read(vol("child"), 0, a.length));
        // the snapshot keeps the parent's data
        assertArrayEquals(Arrays.copyOfRange(a, 3 * MiB, 4 * MiB),
                sheep.readObject(ObjectId.data(base, 0), 3 * MiB, MiB));
        assertArrayEquals(Arrays.copyOfRange(a, 4 * MiB, 5 * MiB), sheep.readObject(ObjectId.data(base, 1), 0, MiB));
        // and it can be attached (read-only) by vid
        long snapIno = tree.addVolume("base@1");
        VolumeInfo si = session.attachVolume(snapIno, "base", base);
        assertTrue(si.snapshot());
        assertArrayEquals(a, read(vol("base@1"), 0, a.length));
        assertThrows(IOException.class, () -> write(vol("base@1"), 0, new byte[512])); // EROFS
    }

    @Test
    void aSnapshotTakenElsewhereWhileWritingLosesNothing() throws Exception {
        long size = 16L * MiB;
        int vid = sheep.create("live", size, 22, false);
        attach("live");
        byte[] a = random(6, 6 * MiB);
        write(vol("live"), 0, a);
        int working = sheep.snapshot("live", size, vid); // as dog would, while we are attached
        byte[] b = random(7, 2 * MiB);
        write(vol("live"), MiB, b); // READONLY -> reload -> copy-on-write, not EIO
        assertTrue(session.stats().get("readonly_retries") >= 1);
        assertTrue(session.stats().get("reloads") >= 1);
        assertEquals(working, session.volume(tree.addVolume("live")).orElseThrow().vid());
        byte[] expect = a.clone();
        System.arraycopy(b, 0, expect, MiB, b.length);
        assertArrayEquals(expect, read(vol("live"), 0, a.length));
        reattach("live");
        assertArrayEquals(expect, read(vol("live"), 0, a.length));
        assertArrayEquals(Arrays.copyOfRange(a, MiB, 3 * MiB), sheep.readObject(ObjectId.data(vid, 0), MiB, 2 * MiB),
                "the snapshot keeps the old data");
        assertEquals(0, session.stats().get("errors"));
    }

    @Test
    void writersRacingASnapshotEndWithTheirLastWrites() throws Exception {
        long size = 32L * MiB;
        int vid = sheep.create("busy", size, 22, false);
        attach("busy");
        int writers = 4, block = 64 * 1024, blocks = 128, iters = 200;
        java.util.concurrent.atomic.AtomicInteger progress = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch snapped = new CountDownLatch(1);
        ExecutorService ex = Executors.newFixedThreadPool(writers);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < writers; t++) {
            int k = t;
            fs.add(ex.submit(() -> {
                try (FileChannel ch = FileChannel.open(vol("busy"), StandardOpenOption.WRITE)) {
                    for (int i = 0; i < iters; i++) {
                        long off = (long) k * 8 * MiB + (long) (i % blocks) * block;
                        ch.write(ByteBuffer.wrap(random(k * 1000L + i, block)), off);
                        if (progress.incrementAndGet() == 150) {
                            snapped.await(); // the snapshot happens while the others keep writing
                        }
                    }
                }
                return null;
            }));
        }
        while (progress.get() < 150) {
            Thread.sleep(1);
        }
        int working = sheep.snapshot("busy", size, vid);
        snapped.countDown();
        for (Future<?> f : fs) {
            f.get();
        }
        ex.shutdown();
        assertTrue(session.stats().get("reloads") >= 1);
        assertEquals(0, session.stats().get("errors"));
        assertEquals(working, reattach("busy").vid());
        for (int t = 0; t < writers; t++) {
            for (int b = 0; b < blocks; b++) {
                int last = b + blocks < iters ? b + blocks : b;
                assertArrayEquals(random(t * 1000L + last, block),
                        read(vol("busy"), (long) t * 8 * MiB + (long) b * block, block), "writer " + t + " block " + b);
            }
        }
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

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out.trim();
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
            session.detachVolume(ino); // lazy: the open handle keeps working
            tree.removeVolume("d");
            assertFalse(session.volume(ino).isPresent());
            ByteBuffer b = ByteBuffer.allocate(4096);
            assertEquals(4096, ch.read(b, 0));
            assertArrayEquals(random(11, 4096), b.array());
            assertThrows(IOException.class, () -> FileChannel.open(vol("d"), StandardOpenOption.READ).close());
        }
        assertEquals(FuseException.ENOENT, assertThrows(FuseException.class, () -> session.detachVolume(ino)).errno());
    }
}
