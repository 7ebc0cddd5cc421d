package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.SheepResultException;
import io.sheepfs.client.VdiRef;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.vdi.Inode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots taken by another client while two writers keep writing to the attached volume
 * (issue 6, "correct at speed"), one by one and back to back: no write fails (sheep's READONLY must be absorbed by reloading
 * the inode and retrying as copy-on-write), each snapshot holds exactly the state after some
 * prefix of each writer's writes, that prefix includes every write completed before the snapshot
 * call and none started after it returned, and the working VDI ends with the latest data.
 */
class SnapshotUnderWriteTest {
    static final int MIB = 1 << 20;
    static final int BLOCK = 64 << 10; // never crosses a 4 MiB object: one write, one segment

    @TempDir
    Path dir;

    /**
     * One writer thread: sequential writes, each a stamped block; {@code started}/{@code completed}
     * bracket every write, {@code blocks} records which of its blocks each sequence number wrote.
     * Writer k of n owns every n-th block of its region, so the writers share objects.
     */
    static final class Writer extends Thread {
        final int tag;
        final long base;
        final int stride;
        final int phase;
        final int nBlocks;
        final boolean randomOrder;
        final FileChannel ch;
        final AtomicLong started = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final List<Integer> blocks = new ArrayList<>(); // blocks.get(seq - 1) = block written by seq
        volatile boolean stop;
        volatile Throwable failure;

        Writer(int tag, long base, int stride, int phase, int nBlocks, boolean randomOrder, FileChannel ch) {
            super("writer-" + tag);
            this.tag = tag;
            this.base = base;
            this.stride = stride;
            this.phase = phase;
            this.nBlocks = nBlocks;
            this.randomOrder = randomOrder;
            this.ch = ch;
        }

        /** Block of write {@code seq}: a permutation per pass (97 is odd, nBlocks a power of 2), or in order. */
        int blockOf(long seq) {
            return (int) (randomOrder ? (seq * 97) % nBlocks : (seq - 1) % nBlocks);
        }

        long offsetOf(int block) {
            return base + ((long) block * stride + phase) * BLOCK;
        }

        @Override
        public void run() {
            try {
                for (long seq = 1; !stop; seq++) {
                    int b = blockOf(seq);
                    blocks.add(b);
                    started.set(seq);
                    Stamp.pwrite(ch, offsetOf(b), Stamp.block(tag, seq, offsetOf(b), BLOCK));
                    completed.set(seq);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        void awaitCompleted(long target) throws InterruptedException {
            long end = System.nanoTime() + 120_000_000_000L;
            while (completed.get() < target) {
                if (failure != null) {
                    throw new AssertionError(getName() + " failed after " + completed.get() + " writes", failure);
                }
                if (!isAlive() || System.nanoTime() > end) {
                    fail(getName() + " stalled at " + completed.get() + " writes");
                }
                Thread.sleep(5);
            }
        }

        /** Expected sequence number in each block once writes 1..upTo are done (0 = never written). */
        long[] stateAfter(long upTo) {
            long[] s = new long[nBlocks];
            for (long seq = 1; seq <= upTo; seq++) {
                s[blocks.get((int) (seq - 1))] = seq;
            }
            return s;
        }
    }

    /** Waits until every writer has completed {@code writes} more writes (from now, all counted at once). */
    static void awaitAll(Writer[] ws, long writes) throws InterruptedException {
        long[] target = new long[ws.length];
        for (int i = 0; i < ws.length; i++) {
            target[i] = ws[i].completed.get() + writes;
        }
        for (int i = 0; i < ws.length; i++) {
            ws[i].awaitCompleted(target[i]);
        }
    }

    record Taken(String tag, long[] completedBefore, long[] startedAfter) {}

    @Test
    void snapshotsOneByOneWhileWritingAreConsistentCutsAndNoWriteFails() throws Exception {
        snapshotsUnderWrites(List.of("s1", "s2"), false);
    }

    /** The second snapshot lands in the copy-on-write storm that follows the first. */
    @Test
    void twoSnapshotsBackToBackWhileWritingAreConsistentCutsAndNoWriteFails() throws Exception {
        snapshotsUnderWrites(List.of("s1", "s2"), true);
    }

    /**
     * fio keeps 16 verified 4 KiB writes in flight while two snapshots are taken: each once no
     * object is being created (so this is about READONLY under a deep queue, not the allocation
     * race of the back-to-back case). No write may fail, every block verifies, and both snapshots
     * are whole on the server.
     */
    @Test
    void fioAtQueueDepth16KeepsWritingAndVerifyingAcrossSnapshots() throws Exception {
        Path job = Path.of(getClass().getResource("/fio/snapshot-qd16.fio").toURI());
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("qd", "64M");
            Path out = dir.resolve("fio.out");
            ProcessBuilder pb = new ProcessBuilder("fio", job.toString()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).directory(dir.toFile());
            pb.environment().put("SHEEPFS_VOLUME", m.path("volume/qd").toString());
            try (SheepClient cl = ServerBytes.clientOf(m)) {
                Process fio = pb.start();
                boolean[] running = new boolean[2];
                try {
                    for (int i = 0; i < 2; i++) {
                        int working = cl.lookupVdi("qd").vid();
                        awaitAllObjectsOwned(cl, working, fio, out); // allocated (i = 0) or copied on write (i = 1)
                        cl.snapshot("qd", "q" + i);
                        running[i] = fio.isAlive();
                    }
                    assertTrue(fio.waitFor(120, TimeUnit.SECONDS), "fio hangs");
                } finally {
                    fio.destroyForcibly();
                }
                String o = Files.readString(out);
                assertEquals(0, fio.exitValue(), "a write failed or a block did not verify:\n" + o + "\n" + m.log());
                assertTrue(o.contains("err= 0") && !o.contains("verify:"), o);
                assertTrue(running[0] && running[1], "fio was done before the snapshots were taken: nothing tested\n" + o);
                for (int i = 0; i < 2; i++) {
                    readVdi(cl, "q" + i, cl.lookup("qd", "q" + i, 0).vid(), m); // every object it names exists
                }
            }
        }
    }

    /** Waits until all 16 objects of the 64 MiB volume belong to {@code vid} (fio still running). */
    private static void awaitAllObjectsOwned(SheepClient cl, int vid, Process fio, Path out) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Inode inode = cl.readInode(vid);
            int owned = 0;
            for (int i = 0; i < 16; i++) {
                owned += inode.lookup(i) == vid ? 1 : 0;
            }
            if (owned == 16) {
                return;
            }
            if (!fio.isAlive() || System.nanoTime() > end) {
                fail("fio ended (or 60 s passed) before every object was written in vid " + Integer.toHexString(vid)
                        + " (" + owned + " of 16):\n" + Files.readString(out));
            }
            Thread.sleep(10);
        }
    }

    /** Takes the snapshots {@code tags}, letting every writer do 40 writes before each (unless back to back) and after the last. */
    private void snapshotsUnderWrites(List<String> tags, boolean backToBack) throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("hot", "64M");
            Path vol = m.path("volume/hot");
            List<Taken> taken = new ArrayList<>();
            Writer[] ws = new Writer[6];
            List<FileChannel> chs = new ArrayList<>();
            try (SheepClient cl = ServerBytes.clientOf(m)) {
                // writers 1-4 hop around the 8 objects of [0, 32M), interleaved block by block (all
                // objects allocated soon); writers 5-6 fill [32M, 64M) in order, interleaved, so at
                // the first snapshot some objects are still unallocated and they meet in new objects
                for (int i = 0; i < 6; i++) {
                    chs.add(Stamp.open(vol));
                    ws[i] = i < 4 ? new Writer(i + 1, 0, 4, i, 32 * MIB / BLOCK / 4, true, chs.get(i))
                            : new Writer(i + 1, 32 * MIB, 2, i - 4, 32 * MIB / BLOCK / 2, false, chs.get(i));
                }
                for (Writer w : ws) {
                    w.start();
                }
                try {
                    awaitAll(ws, 40);
                    for (String tag : tags) {
                        long t0 = System.nanoTime();
                        long[] before = new long[ws.length];
                        for (int i = 0; i < ws.length; i++) {
                            before[i] = ws[i].completed.get();
                        }
                        cl.snapshot("hot", tag);
                        long[] after = new long[ws.length];
                        for (int i = 0; i < ws.length; i++) {
                            after[i] = ws[i].started.get();
                        }
                        taken.add(new Taken(tag, before, after));
                        System.out.printf("snapshot %s took %d ms%n", tag, (System.nanoTime() - t0) / 1_000_000);
                        if (!backToBack || tag.equals(tags.get(tags.size() - 1))) {
                            awaitAll(ws, 40); // the writes right after the snapshot meet READONLY
                        }
                    }
                } finally {
                    for (Writer w : ws) {
                        w.stop = true;
                    }
                    for (Writer w : ws) {
                        w.join(60_000);
                    }
                }
                for (Writer w : ws) {
                    if (w.failure != null) {
                        throw new AssertionError(w.getName() + ": a write failed after " + w.completed.get()
                                + " writes (a snapshot must not fail writes)\n" + m.log(), w.failure);
                    }
                    assertTrue(!w.isAlive(), w.getName() + " hangs");
                }

                for (Writer w : ws) {
                    System.out.printf("%s: %d writes%n", w.getName(), w.completed.get());
                }
                Set<Integer> vids = new HashSet<>();
                for (Taken t : taken) {
                    VdiRef snap = cl.lookup("hot", t.tag(), 0);
                    assertTrue(vids.add(snap.vid()), "two snapshots share vid " + snap.vid());
                    byte[] bytes = readVdi(cl, t.tag(), snap.vid(), m);
                    for (int i = 0; i < ws.length; i++) {
                        assertConsistentCut(t, i, ws[i], bytes);
                    }
                }
                int working = cl.lookupVdi("hot").vid();
                assertTrue(vids.add(working), "the working VDI is one of the snapshots");
                byte[] server = readVdi(cl, "working", working, m);
                byte[] mount = Stamp.pread(chs.get(0), 0, 64 * MIB);
                for (Writer w : ws) {
                    long[] want = w.stateAfter(w.completed.get());
                    assertBlocks("working VDI on the server", w, server, want);
                    assertBlocks("working VDI read through the mount", w, mount, want);
                }
            } finally {
                for (FileChannel ch : chs) {
                    ch.close();
                }
            }
        }
    }

    /** All 64 MiB of a VDI from the server; a missing object fails with the VDI's index and the mount's log. */
    private static byte[] readVdi(SheepClient cl, String what, int vid, SheepfsMount m) throws IOException {
        try {
            return ServerBytes.read(cl, vid, 0, 64 * MIB);
        } catch (SheepResultException e) {
            Inode inode = cl.readInode(vid);
            StringBuilder idx = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                int owner = inode.lookup(i);
                idx.append(String.format(" %d:%x", i, owner));
                if (owner != 0) {
                    try {
                        cl.readObject(ObjectId.data(owner, i), 0, 1);
                    } catch (SheepResultException missing) {
                        idx.append("(missing)");
                    }
                }
            }
            throw new AssertionError(what + " (vid " + Integer.toHexString(vid) + ", parent "
                    + Integer.toHexString(inode.header().parentVdiId()) + ") points at a missing object: " + e.getMessage()
                    + "\nindex:" + idx + "\n" + m.log(), e);
        }
    }

    /** The snapshot holds writes 1..C of this writer, completedBefore <= C <= startedAfter, and nothing else. */
    private static void assertConsistentCut(Taken t, int i, Writer w, byte[] bytes) {
        long cut = 0;
        for (int b = 0; b < w.nBlocks; b++) {
            Stamp.Seen s = Stamp.decode(bytes, (int) w.offsetOf(b), w.offsetOf(b), BLOCK);
            if (s != Stamp.ZERO) {
                assertEquals(w.tag, s.tag(), "snapshot " + t.tag() + ": block " + b + " written by the wrong writer");
                cut = Math.max(cut, s.seq());
            }
        }
        System.out.printf("snapshot %s, %s: cut after write %d (completed before: %d, started after: %d)%n",
                t.tag(), w.getName(), cut, t.completedBefore()[i], t.startedAfter()[i]);
        long lo = t.completedBefore()[i];
        long hi = t.startedAfter()[i];
        assertTrue(cut >= lo, "snapshot " + t.tag() + " lacks writes of " + w.getName()
                + " completed before it was taken: newest in it is " + cut + ", completed before: " + lo);
        assertTrue(cut <= hi, "snapshot " + t.tag() + " holds write " + cut + " of " + w.getName()
                + " started only after the snapshot returned (last started then: " + hi + ")");
        assertBlocks("snapshot " + t.tag() + " (cut after write " + cut + ")", w, bytes, w.stateAfter(cut));
    }

    private static void assertBlocks(String what, Writer w, byte[] bytes, long[] want) {
        for (int b = 0; b < w.nBlocks; b++) {
            Stamp.Seen s = Stamp.decode(bytes, (int) w.offsetOf(b), w.offsetOf(b), BLOCK);
            long got = s == Stamp.ZERO ? 0 : s.seq();
            if (got != want[b]) {
                fail(what + ": block " + b + " of " + w.getName() + " (offset " + w.offsetOf(b) + ") holds write "
                        + got + ", expected " + want[b]);
            }
        }
    }
}
