package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume behaves like a sparse file: lseek SEEK_DATA/SEEK_HOLE report allocation at object
 * granularity from the index (ENXIO at and past the end), st_blocks counts the allocated objects,
 * and `cp --sparse=auto` makes a sparse copy with identical bytes (and terminates).
 */
class SeekHoleTest {
    static final long MIB = 1 << 20;
    static final long OBJ = 4 * MIB;
    static final String ENXIO = "ENXIO";

    @TempDir
    Path dir;

    record Probe(String whence, long off, String want) {}

    @Test
    void seekDataSeekHoleAndStBlocksFollowTheIndex() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("sparse", "64M");
            Path vol = m.path("volume/sparse");
            assertEquals(0, blocks(vol), "a new volume has no blocks");
            // data in objects 2, 5 and 15 (the last): small writes allocate whole objects
            Stamp.pwrite(vol, 2 * OBJ + 100 * 1024, random(1, 4096));
            Stamp.pwrite(vol, 5 * OBJ + 5, random(2, 4096));
            Stamp.pwrite(vol, 15 * OBJ, random(3, (int) OBJ));
            assertEquals(3 * OBJ / 512, blocks(vol), "st_blocks = allocated objects");

            List<Probe> probes = List.of(
                    new Probe("DATA", 0, "" + 2 * OBJ),
                    new Probe("HOLE", 0, "0"),
                    new Probe("DATA", 2 * OBJ + 100 * 1024, "" + (2 * OBJ + 100 * 1024)),
                    new Probe("HOLE", 2 * OBJ, "" + 3 * OBJ),
                    new Probe("DATA", 3 * OBJ, "" + 5 * OBJ),
                    new Probe("DATA", 3 * OBJ + 1, "" + 5 * OBJ),
                    new Probe("HOLE", 5 * OBJ + 7, "" + 6 * OBJ),
                    new Probe("DATA", 6 * OBJ, "" + 15 * OBJ),
                    new Probe("HOLE", 15 * OBJ, "" + 16 * OBJ), // the end of the file is a hole
                    new Probe("DATA", 16 * OBJ - 1, "" + (16 * OBJ - 1)),
                    new Probe("DATA", 16 * OBJ, ENXIO),
                    new Probe("HOLE", 16 * OBJ, ENXIO),
                    new Probe("DATA", 100 * OBJ, ENXIO),
                    new Probe("HOLE", 100 * OBJ, ENXIO));
            assertProbes(vol, probes);

            // no data after the last allocated object: SEEK_DATA there is ENXIO, not the size
            m.createAndAttach("head", "64M");
            Path head = m.path("volume/head");
            Stamp.pwrite(head, OBJ + 1, random(4, 100));
            assertEquals(OBJ / 512, blocks(head));
            assertProbes(head, List.of(
                    new Probe("DATA", 0, "" + OBJ),
                    new Probe("HOLE", OBJ, "" + 2 * OBJ),
                    new Probe("DATA", 2 * OBJ, ENXIO),
                    new Probe("HOLE", 2 * OBJ, "" + 2 * OBJ)));
        }
    }

    @Test
    void cpSparseAutoMakesASparseIdenticalCopy() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("img", "256M");
            Path vol = m.path("volume/img");
            Stamp.pwrite(vol, 3 * OBJ + 12345, random(5, (int) (2 * MIB)));
            Stamp.pwrite(vol, 40 * OBJ, random(6, (int) OBJ));
            Path copy = dir.resolve("copy.img");
            Path trace = dir.resolve("cp.trace");
            Sh.ok(120, "strace", "-f", "-e", "trace=lseek", "-o", trace.toString(),
                    "cp", "--sparse=auto", vol.toString(), copy.toString());
            // cp found the extents by asking the volume (it only does when st_blocks shows holes)
            String lseeks = Files.readString(trace);
            assertTrue(lseeks.matches("(?s).*SEEK_DATA\\)\\s+= " + 3 * OBJ + "\\n.*SEEK_DATA\\)\\s+= " + 40 * OBJ + "\\n.*"),
                    "cp did not find the data extents with SEEK_DATA:\n" + lseeks);
            assertEquals(256 * MIB, Files.size(copy));
            Sh.ok(120, "cmp", vol.toString(), copy.toString());
            long allocated = blocks(copy) * 512;
            // the copy holds at most the three allocated objects (3 and 4 by the first write, 40)
            assertTrue(allocated > 0 && allocated <= 3 * OBJ,
                    "cp --sparse=auto did not keep the holes: " + allocated + " bytes allocated in the copy");
        }
    }

    /** Runs the lseek probes in one python3 process on one descriptor; reports every mismatch. */
    static void assertProbes(Path vol, List<Probe> probes) throws Exception {
        List<String> args = new ArrayList<>(List.of("python3", "-c", String.join("\n",
                "import os, sys",
                "fd = os.open(sys.argv[1], os.O_RDONLY)",
                "for a in sys.argv[2:]:",
                "    w, off = a.split(':')",
                "    try:",
                "        print(os.lseek(fd, int(off), os.SEEK_DATA if w == 'DATA' else os.SEEK_HOLE))",
                "    except OSError as e:",
                "        print(__import__('errno').errorcode[e.errno])"),
                vol.toString()));
        for (Probe p : probes) {
            args.add(p.whence() + ":" + p.off());
        }
        String[] got = Sh.ok(30, args.toArray(String[]::new)).strip().split("\n");
        assertEquals(probes.size(), got.length, "probe output: " + String.join("|", got));
        StringBuilder bad = new StringBuilder();
        for (int i = 0; i < probes.size(); i++) {
            Probe p = probes.get(i);
            if (!p.want().equals(got[i].strip())) {
                bad.append(String.format("SEEK_%s from %d: got %s, want %s%n", p.whence(), p.off(), got[i], p.want()));
            }
        }
        assertEquals("", bad.toString(), "lseek on " + vol.getFileName());
    }

    private static long blocks(Path f) throws Exception {
        return Long.parseLong(Sh.ok(10, "stat", "-c", "%b", f.toString()).strip());
    }

    private static byte[] random(long seed, int n) {
        byte[] x = new byte[n];
        new Random(seed).nextBytes(x);
        return x;
    }
}
