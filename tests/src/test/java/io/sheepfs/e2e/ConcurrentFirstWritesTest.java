package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads write disjoint 4 KiB blocks into the same object at once, the first writes into
 * it colliding: into an unallocated object (create-and-write races) and into an object the
 * working VDI still shares with its snapshot (copy-on-write races), and odd-sized writes, one of
 * them spanning two new objects. Nothing may be lost, and the snapshot keeps its data.
 */
class ConcurrentFirstWritesTest {
    static final int MIB = 1 << 20;
    static final int OBJ = 4 * MIB;
    static final int BLOCK = 4096;
    static final int THREADS = 16;

    @TempDir
    Path dir;

    @Test
    void disjointFirstWritesIntoUnallocatedObjectsAreAllKept() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("fresh", "64M");
            Path vol = m.path("volume/fresh");
            // objects 1..4 start unallocated; each round, all threads hit one of them at once
            for (int obj = 1; obj <= 4; obj++) {
                writeConcurrently(vol, (long) obj * OBJ, BLOCK, OBJ / BLOCK, 1, b -> true);
            }
            try (SheepClient c = ServerBytes.clientOf(m)) {
                VdiRef ref = c.lookupVdi("fresh");
                byte[] server = ServerBytes.read(c, ref.vid(), OBJ, 4 * OBJ);
                byte[] mount = Stamp.pread(vol, OBJ, 4 * OBJ);
                for (int i = 0; i < 4 * OBJ / BLOCK; i++) {
                    long off = OBJ + (long) i * BLOCK;
                    assertEquals(new Stamp.Seen(1, i % (OBJ / BLOCK) + 1), Stamp.decode(server, i * BLOCK, off, BLOCK),
                            "on the server: block at " + off);
                    assertEquals(new Stamp.Seen(1, i % (OBJ / BLOCK) + 1), Stamp.decode(mount, i * BLOCK, off, BLOCK),
                            "through the mount: block at " + off);
                }
                for (int obj = 1; obj <= 4; obj++) {
                    assertEquals(ref.vid(), c.readInode(ref.vid()).lookup(obj), "object " + obj + " not owned by the VDI");
                }
            }
        }
    }

    @Test
    void oddSizedWritesStraddlingTwoUnallocatedObjectsAreAllKept() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("straddle", "64M");
            Path vol = m.path("volume/straddle");
            // 13 KiB + 512 blocks from the middle of object 2 into object 3: one of them spans both
            int size = 13 * 1024 + 512;
            int count = OBJ / size;
            long base = 2L * OBJ + OBJ / 2;
            writeConcurrently(vol, base, size, count, 3, b -> true);
            try (SheepClient c = ServerBytes.clientOf(m)) {
                int vid = c.lookupVdi("straddle").vid();
                byte[] server = ServerBytes.read(c, vid, base, count * size);
                byte[] mount = Stamp.pread(vol, base, count * size);
                for (int i = 0; i < count; i++) {
                    long off = base + (long) i * size;
                    assertEquals(new Stamp.Seen(3, i + 1), Stamp.decode(server, i * size, off, size), "on the server: block at " + off);
                    assertEquals(new Stamp.Seen(3, i + 1), Stamp.decode(mount, i * size, off, size), "through the mount: block at " + off);
                }
                assertEquals(vid, c.readInode(vid).lookup(2));
                assertEquals(vid, c.readInode(vid).lookup(3));
            }
        }
    }

    @Test
    void disjointFirstWritesAfterASnapshotCopyOnWriteAndKeepTheRest() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("cow", "64M");
            Path vol = m.path("volume/cow");
            // the parent's data: every block of objects 1 and 2 stamped by tag 1
            try (FileChannel ch = Stamp.open(vol)) {
                for (int i = 0; i < 2 * OBJ / BLOCK; i++) {
                    long off = OBJ + (long) i * BLOCK;
                    Stamp.pwrite(ch, off, Stamp.block(1, i % (OBJ / BLOCK) + 1, off, BLOCK));
                }
            }
            try (SheepClient c = ServerBytes.clientOf(m)) {
                c.snapshot("cow", "snap");
                VdiRef snap = c.lookup("cow", "snap", 0);
                // even blocks are rewritten (tag 2) by all threads at once; odd blocks must keep the parent's
                for (int obj = 1; obj <= 2; obj++) {
                    writeConcurrently(vol, (long) obj * OBJ, BLOCK, OBJ / BLOCK, 2, b -> b % 2 == 0);
                }
                VdiRef working = c.lookupVdi("cow");
                byte[] server = ServerBytes.read(c, working.vid(), OBJ, 2 * OBJ);
                byte[] mount = Stamp.pread(vol, OBJ, 2 * OBJ);
                byte[] old = ServerBytes.read(c, snap.vid(), OBJ, 2 * OBJ);
                for (int i = 0; i < 2 * OBJ / BLOCK; i++) {
                    long off = OBJ + (long) i * BLOCK;
                    long seq = i % (OBJ / BLOCK) + 1;
                    Stamp.Seen want = new Stamp.Seen(i % 2 == 0 ? 2 : 1, seq);
                    assertEquals(want, Stamp.decode(server, i * BLOCK, off, BLOCK), "working VDI on the server: block at " + off);
                    assertEquals(want, Stamp.decode(mount, i * BLOCK, off, BLOCK), "through the mount: block at " + off);
                    assertEquals(new Stamp.Seen(1, seq), Stamp.decode(old, i * BLOCK, off, BLOCK), "snapshot: block at " + off);
                }
                for (int obj = 1; obj <= 2; obj++) {
                    assertEquals(working.vid(), c.readInode(working.vid()).lookup(obj), "object " + obj + " not copied on write");
                    assertEquals(snap.vid(), c.readInode(snap.vid()).lookup(obj), "snapshot's object " + obj + " changed owner");
                }
            }
        }
    }

    /**
     * THREADS threads, each with its own descriptor, write the selected ones of {@code count}
     * blocks of {@code size} bytes from {@code base} (thread t takes blocks t, t+THREADS, ...;
     * block i stamped (tag, i+1)), all starting together.
     */
    private static void writeConcurrently(Path vol, long base, int size, int count, int tag, IntPredicate selected)
            throws Exception {
        Together.run(THREADS, (first, start) -> {
            try (FileChannel ch = Stamp.open(vol)) {
                start.await(60, TimeUnit.SECONDS);
                for (int i = first; i < count; i += THREADS) {
                    if (selected.test(i)) {
                        long off = base + (long) i * size;
                        Stamp.pwrite(ch, off, Stamp.block(tag, i + 1, off, size));
                    }
                }
            }
        });
    }
}
