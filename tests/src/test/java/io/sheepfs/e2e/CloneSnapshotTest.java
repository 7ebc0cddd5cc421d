package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot taken by another client while the volume is attached and written, and a clone of it:
 * writes keep succeeding (copy-on-write after READONLY) and the snapshot keeps the old bytes.
 */
class CloneSnapshotTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void snapshotAndCloneKeepTheParentsDataAfterWrites() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("base", "64M");
            byte[] a = pattern('A', 9 * MIB);
            byte[] b = pattern('B', 9 * MIB);
            byte[] c = pattern('C', 9 * MIB);
            write(m.path("volume/base"), MIB, a);
            try (SheepClient cl = ServerBytes.clientOf(m)) {
                VdiRef working = cl.snapshot("base", "before"); // the old vid is now the snapshot
                VdiRef snap = cl.lookup("base", "before", 0);
                org.junit.jupiter.api.Assertions.assertNotEquals(working.vid(), snap.vid());
                // the attached volume is now stale: the write must reload and copy-on-write
                write(m.path("volume/base"), MIB, b);
                assertArrayEquals(b, read(m.path("volume/base"), MIB, b.length), "working VDI lost the new write");
                assertArrayEquals(a, ServerBytes.read(cl, snap.vid(), MIB, a.length), "snapshot changed by a later write");

                VdiRef clone = cl.cloneVdi(snap.vid(), "child");
                m.control("vdi/mount", "child\n");
                assertArrayEquals(a, read(m.path("volume/child"), MIB, a.length), "clone does not show its parent's data");
                write(m.path("volume/child"), 2 * MIB, c);
                byte[] want = a.clone();
                System.arraycopy(c, 0, want, MIB, c.length - MIB);
                assertArrayEquals(Arrays.copyOf(want, a.length), read(m.path("volume/child"), MIB, a.length));
                assertArrayEquals(a, ServerBytes.read(cl, snap.vid(), MIB, a.length), "clone's write reached the snapshot");
                assertArrayEquals(b, read(m.path("volume/base"), MIB, b.length), "clone's write reached its sibling");
                assertArrayEquals(Arrays.copyOf(want, a.length), ServerBytes.read(cl, clone.vid(), MIB, a.length));
            }
        }
    }

    static byte[] pattern(char tag, int n) {
        byte[] x = new byte[n];
        for (int i = 0; i < n; i++) {
            x[i] = (byte) (i % 4096 == 0 ? tag : (i * 31 + tag));
        }
        return x;
    }

    static void write(Path vol, long off, byte[] data) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(vol.toFile(), "rw")) {
            f.seek(off);
            f.write(data);
            f.getFD().sync();
        }
    }

    static byte[] read(Path vol, long off, int n) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(vol.toFile(), "r")) {
            byte[] x = new byte[n];
            f.seek(off);
            f.readFully(x);
            return x;
        }
    }

}
