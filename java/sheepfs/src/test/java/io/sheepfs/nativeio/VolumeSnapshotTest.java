package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.ObjectId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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

/** Snapshots and clones on a real mount: a clone reads its parent and copies on write, and a
 * snapshot taken elsewhere while writing loses nothing. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeSnapshotTest extends VolumeTestBase {
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
}
