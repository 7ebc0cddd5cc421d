package io.sheepfs.server.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file-per-object store and the cluster config file on a real directory. */
class ObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void createReplacesWholeObjectsAndWriteNeedsOne() throws IOException {
        ObjectStore s = new ObjectStore(dir, true);
        assertFalse(s.write(7, 0, new byte[] {1}, 0, 1), "WRITE of a missing object");
        s.create(7, 4096, null, 10, new byte[] {5, 6}, 0, 2);
        assertEquals(4096, Files.size(dir.resolve("obj").resolve("0000000000000007")), "full object size");
        assertArrayEquals(new byte[] {0, 5, 6, 0}, s.read(7, 9, 4));
        assertTrue(s.write(7, 0, new byte[] {9}, 0, 1));
        // a second create starts from zeros (or the given base) again
        s.create(7, 4096, new byte[] {3, 3, 3}, 1, new byte[] {4}, 0, 1);
        assertArrayEquals(new byte[] {3, 4, 3, 0, 0}, s.read(7, 0, 5));
        assertArrayEquals(new byte[8], s.read(7, 4092, 8), "past the end reads zeros");
        assertNull(s.read(8, 0, 1));
        assertTrue(s.remove(7));
        assertFalse(s.remove(7));
    }

    /** The server answers a write on the connection's reader only where it cannot wait for a disk. */
    @Test
    void writesWaitForTheDeviceOnlyWhenDurableOnADisk() throws IOException {
        String type = Files.getFileStore(dir).type();
        boolean memory = type.equals("tmpfs") || type.equals("ramfs");
        assertEquals(!memory, new ObjectStore(dir.resolve("sync"), true).writesWaitForDevice(), "on " + type);
        assertFalse(new ObjectStore(dir.resolve("nosync"), false).writesWaitForDevice(), "--nosync");
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.getFileStore(shm).type().equals("tmpfs")) {
            Path d = Files.createTempDirectory(shm, "objstore");
            try {
                assertFalse(new ObjectStore(d, true).writesWaitForDevice(), "a store in tmpfs");
            } finally {
                try (var files = Files.walk(d)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void leftoverTempFilesOfACrashedCreateAreDroppedOnOpen() throws IOException {
        ObjectStore s = new ObjectStore(dir, true);
        s.create(0x8000_0001_0000_0000L, 16, null, 0, new byte[] {1, 2}, 0, 2);
        // what a kill -9 between writing the temp file and the rename leaves behind
        Files.write(dir.resolve("obj").resolve(".tmp-8000000100000000-1"), new byte[] {9, 9});
        ObjectStore reopened = new ObjectStore(dir, true);
        assertArrayEquals(new byte[] {1, 2}, reopened.read(0x8000_0001_0000_0000L, 0, 2), "old object intact");
        assertEquals(List.of(0x8000_0001_0000_0000L), reopened.list(oid -> true));
        try (var files = Files.list(dir.resolve("obj"))) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void clusterConfigRoundTripsAndRejectsGarbage() throws IOException {
        ClusterConfigFile f = new ClusterConfigFile(dir);
        assertTrue(f.load().isEmpty(), "never formatted");
        ClusterConfig c = new ClusterConfig(0x6b05e0b5002f0710L, 2, 0, 0x0c, 22, "plain", 1, 1_795_547_317L);
        f.save(c);
        assertEquals(c, f.load().orElseThrow());
        Files.writeString(dir.resolve("config"), "ctime=zz\n");
        assertThrows(IOException.class, f::load);
        Files.write(dir.resolve("config"), new byte[1 << 20]);
        assertThrows(IOException.class, f::load);
    }
}
