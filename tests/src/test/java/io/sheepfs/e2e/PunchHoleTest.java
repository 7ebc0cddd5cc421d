package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.SheepResultException;
import io.sheepfs.client.VdiRef;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fallocate(PUNCH_HOLE|KEEP_SIZE) with util-linux fallocate: whole objects are discarded (gone
 * from the server and from the inode's index), partial ranges are zeroed, reads return zeros,
 * the size stays, st_blocks drops and SEEK_HOLE sees the hole; with the page cache on no stale
 * page survives; an object still shared with a snapshot is only unlinked from the working VDI,
 * never removed from under the snapshot; and fstrim on ext4 over a loop device frees objects.
 */
class PunchHoleTest {
    static final int MIB = 1 << 20;
    static final int OBJ = 4 * MIB;

    @TempDir
    Path dir;

    @Test
    void punchDiscardsWholeObjectsAndZeroesPartialRanges() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("punch", "64M");
            Path vol = m.path("volume/punch");
            byte[] data = random(1, 5 * OBJ); // objects 0..4 allocated
            Files.write(dir.resolve("data.bin"), data);
            Sh.ok(120, "dd", "if=" + dir.resolve("data.bin"), "of=" + vol, "bs=1M", "conv=notrunc,fsync", "status=none");
            try (SheepClient c = ServerBytes.clientOf(m)) {
                int vid = c.lookupVdi("punch").vid();
                long blocksBefore = blocks(vol);
                assertEquals(5L * OBJ / 512, blocksBefore, "st_blocks before punching");

                // whole object 1
                punch(vol, OBJ, OBJ);
                // object 2: a partial range, unaligned
                punch(vol, 2L * OBJ + 12345, 100_000);
                // from the middle of object 3 to the middle of object 4 ... no whole object inside
                punch(vol, 3L * OBJ + 3 * MIB, 2 * MIB);
                // a range over a hole and past the data (objects 5..7 were never written)
                punch(vol, 5L * OBJ, 3L * OBJ);

                Arrays.fill(data, OBJ, 2 * OBJ, (byte) 0);
                Arrays.fill(data, 2 * OBJ + 12345, 2 * OBJ + 12345 + 100_000, (byte) 0);
                Arrays.fill(data, 3 * OBJ + 3 * MIB, 3 * OBJ + 5 * MIB, (byte) 0);

                assertEquals(64L * MIB, Files.size(vol), "KEEP_SIZE: the size must not change");
                assertArrayEquals(data, Stamp.pread(vol, 0, data.length), "reads through the mount after punching");
                assertArrayEquals(data, ServerBytes.read(c, vid, 0, data.length), "the server's bytes after punching");
                assertArrayEquals(new byte[3 * OBJ], Stamp.pread(vol, 5L * OBJ, 3 * OBJ), "punched hole reads zeros");

                assertEquals(0, c.readInode(vid).lookup(1), "discarded object 1 is still in the index");
                SheepResultException gone = assertThrows(SheepResultException.class,
                        () -> c.readObject(ObjectId.data(vid, 1), 0, 4096), "discarded object 1 still on the server");
                assertEquals(Result.NO_OBJ, gone.result());
                for (int obj : new int[] {0, 2, 3, 4}) {
                    assertEquals(vid, c.readInode(vid).lookup(obj), "partly punched object " + obj + " must stay");
                }
                assertEquals(4L * OBJ / 512, blocks(vol), "st_blocks after discarding one of five objects");
                SeekHoleTest.assertProbes(vol, List.of(
                        new SeekHoleTest.Probe("HOLE", 0, "" + OBJ),
                        new SeekHoleTest.Probe("DATA", OBJ, "" + 2 * OBJ),
                        new SeekHoleTest.Probe("HOLE", 2L * OBJ, "" + 5 * OBJ)));

                // writing into the discarded object again allocates it afresh, the rest of it zeros
                byte[] again = random(2, 4096);
                Stamp.pwrite(vol, OBJ + MIB, again);
                System.arraycopy(again, 0, data, OBJ + MIB, again.length);
                assertArrayEquals(data, ServerBytes.read(c, vid, 0, data.length), "rewrite after discard");
                assertEquals(vid, c.readInode(vid).lookup(1), "rewritten object 1 not in the index");
            }
        }
    }

    @Test
    void withThePageCacheOnPunchedRangesReadAsZerosAtOnce() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir, "-k")) {
            m.createAndAttach("cached", "32M");
            Path vol = m.path("volume/cached");
            byte[] data = random(4, 3 * OBJ);
            try (FileChannel ch = Stamp.open(vol); SheepClient c = ServerBytes.clientOf(m)) {
                Stamp.pwrite(ch, 0, data);
                ch.force(true);
                assertArrayEquals(data, Stamp.pread(ch, 0, data.length)); // now in the page cache
                punch(vol, OBJ, OBJ);
                punch(vol, 2L * OBJ + 1000, 5000);
                Arrays.fill(data, OBJ, 2 * OBJ, (byte) 0);
                Arrays.fill(data, 2 * OBJ + 1000, 2 * OBJ + 6000, (byte) 0);
                assertArrayEquals(data, Stamp.pread(ch, 0, data.length), "stale cached pages after punching (same descriptor)");
                assertArrayEquals(data, Stamp.pread(vol, 0, data.length), "stale cached pages after punching (new descriptor)");
                int vid = c.lookupVdi("cached").vid();
                assertArrayEquals(data, ServerBytes.read(c, vid, 0, data.length), "the server's bytes after punching");
                assertEquals(0, c.readInode(vid).lookup(1), "discarded object 1 is still in the index");
            }
        }
    }

    @Test
    void punchingAnObjectSharedWithASnapshotLeavesTheSnapshotIntact() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("shared", "32M");
            Path vol = m.path("volume/shared");
            byte[] data = random(3, 2 * OBJ);
            Stamp.pwrite(vol, 0, data);
            try (SheepClient c = ServerBytes.clientOf(m)) {
                c.snapshot("shared", "keep");
                VdiRef snap = c.lookup("shared", "keep", 0);
                punch(vol, 0, OBJ); // object 0, still owned by the snapshot
                punch(vol, OBJ + 4096, 8192); // object 1, partial: copy-on-write, then zero
                int working = c.lookupVdi("shared").vid();
                assertNotEquals(snap.vid(), working);

                byte[] want = data.clone();
                Arrays.fill(want, 0, OBJ, (byte) 0);
                Arrays.fill(want, OBJ + 4096, OBJ + 4096 + 8192, (byte) 0);
                assertArrayEquals(want, readOrLog(m, vol, 0, want.length), "working VDI through the mount");
                assertArrayEquals(want, ServerBytes.read(c, working, 0, want.length), "working VDI on the server");
                assertEquals(0, c.readInode(working).lookup(0), "punched object 0 still in the working VDI's index");
                assertArrayEquals(data, ServerBytes.read(c, snap.vid(), 0, data.length), "the snapshot lost data");
                assertEquals(snap.vid(), c.readInode(snap.vid()).lookup(0), "the snapshot's index changed");
                assertTrue(c.readObject(ObjectId.data(snap.vid(), 0), 0, 16).length == 16,
                        "the snapshot's object 0 was removed");
            }
        }
    }

    /** Reads through the mount; an I/O error fails the test with the mount's log (which names the cause). */
    static byte[] readOrLog(SheepfsMount m, Path vol, long off, int n) {
        try {
            return Stamp.pread(vol, off, n);
        } catch (IOException e) {
            throw new AssertionError("reading " + n + " bytes at " + off + " through the mount: " + e + "\n" + m.log(), e);
        }
    }

    /** The real user of PUNCH_HOLE: fstrim on ext4 over a loop device discards the freed objects. */
    @Test
    void fstrimOnExt4OverALoopDeviceDiscardsFreedObjects() throws Exception {
        Fuse.requireRoot("losetup and mount");
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("trim", "256M");
            Path vol = m.path("volume/trim");
            Path fsdir = Files.createDirectories(dir.resolve("fs"));
            String dev = Sh.ok(30, "losetup", "-f", "--show", vol.toString()).strip();
            try {
                // 4 KiB blocks: 128 MiB groups, so freed extents cover whole 4 MiB objects (with the
                // 1 KiB blocks mkfs picks for small devices, 8 MiB groups cut them at every object)
                Sh.ok(120, "mkfs.ext4", "-q", "-F", "-b", "4096", "-E", "nodiscard", dev);
                Sh.ok(30, "mount", dev, fsdir.toString());
                Sh.ok(120, "dd", "if=/dev/urandom", "of=" + fsdir.resolve("keep"), "bs=1M", "count=8", "conv=fsync", "status=none");
                Sh.ok(120, "dd", "if=/dev/urandom", "of=" + fsdir.resolve("drop"), "bs=1M", "count=96", "conv=fsync", "status=none");
                String keepSum = Sh.ok(60, "sha256sum", fsdir.resolve("keep").toString()).split(" ")[0];
                long full = blocks(vol) * 512;
                Files.delete(fsdir.resolve("drop"));
                Sh.ok(60, "sync");
                Sh.ok(120, "fstrim", fsdir.toString());
                long trimmed = blocks(vol) * 512;
                assertTrue(trimmed <= full - 64L * MIB, "fstrim freed too little of the 96 MiB file: allocated "
                        + full / MIB + " MiB before, " + trimmed / MIB + " MiB after");
                Sh.ok(60, "umount", fsdir.toString());
                Sh.ok(120, "fsck.ext4", "-n", "-f", dev);
                Sh.ok(30, "mount", "-o", "ro", dev, fsdir.toString());
                assertEquals(keepSum, Sh.ok(60, "sha256sum", fsdir.resolve("keep").toString()).split(" ")[0],
                        "the file kept lost data to the trim");
                Sh.ok(60, "umount", fsdir.toString());
            } finally {
                Sh.run(30, "umount", fsdir.toString());
                Sh.run(30, "losetup", "-d", dev);
            }
        }
    }

    private static void punch(Path vol, long off, long len) throws Exception {
        Sh.ok(60, "fallocate", "--punch-hole", "--keep-size", "--offset", Long.toString(off), "--length",
                Long.toString(len), vol.toString());
    }

    private static long blocks(Path vol) throws Exception {
        return Long.parseLong(Sh.ok(10, "stat", "-c", "%b", vol.toString()).strip());
    }

    private static byte[] random(long seed, int n) {
        byte[] x = new byte[n];
        new Random(seed).nextBytes(x);
        return x;
    }
}
