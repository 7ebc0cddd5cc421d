package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as written there (only its two paths moved into a temp dir). */
class ReadmeCommandTest {
    @TempDir
    Path dir;

    @Test
    void readmeMountCommandMountsInTheBackgroundAndUnmountsCleanly() throws Exception {
        Fuse.require();
        String line = Files.readAllLines(Repo.root().resolve("README.md")).stream()
                .map(String::strip).filter(l -> l.contains("bin/sheepfs --local")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no 'bin/sheepfs --local' command"));
        Path mnt = dir.resolve("mnt");
        Path store = dir.resolve("store");
        String cmd = line.replace("/mnt/sheepfs", mnt.toString()).replace("/var/lib/sheepfs", store.toString());
        long t0 = System.nanoTime();
        Sh.ok(300, "bash", "-c", "cd " + Repo.root() + " && " + cmd);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        try {
            // returned only once ready: the tree is there at once, the cluster formatted
            assertTrue(Files.isDirectory(mnt.resolve("volume")), "volume/ missing right after the command returned");
            String info = Files.readString(mnt.resolve("cluster/info"));
            assertTrue(info.startsWith("Cluster status: running, auto-recovery enabled\n\nCluster created at "), info);
            try (var entries = Files.list(mnt)) {
                assertEquals(List.of("cluster", "config", "http", "node", "vdi", "volume"),
                        entries.map(p -> p.getFileName().toString()).sorted().toList());
            }
            System.out.println("README command returned with the mount ready in " + ms + " ms");
        } finally {
            Sh.ok(30, "fusermount3", "-u", mnt.toString());
        }
        // the detached daemon exits after the unmount and leaves no stale mount behind
        long end = System.nanoTime() + 30_000_000_000L;
        while (daemonAlive(mnt) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertFalse(daemonAlive(mnt), "the sheepfs daemon is still running after fusermount3 -u");
        try (var s = Files.list(mnt)) {
            assertEquals(0, s.count(), "mount point not empty/clean after unmount");
        }
        // a second start on the same store finds its data again
        Sh.ok(120, "bash", "-c", "cd " + Repo.root() + " && " + cmd);
        try {
            assertTrue(Files.readString(mnt.resolve("cluster/info")).startsWith("Cluster status: running"));
        } finally {
            Sh.ok(30, "fusermount3", "-u", mnt.toString());
        }
    }

    private static boolean daemonAlive(Path mnt) {
        String needle = mnt.toString();
        return ProcessHandle.allProcesses().anyMatch(ph -> ph.info().arguments()
                .map(a -> List.of(a).contains(needle) && List.of(a).contains("io.sheepfs.cli.Main")).orElse(false));
    }
}
