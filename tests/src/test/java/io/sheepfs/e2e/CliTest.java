package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: help, version, errors that say what to do, mount options. */
class CliTest {
    @TempDir
    Path dir;

    @Test
    void helpAndVersionTellTheTruth() throws Exception {
        String help = Sh.ok(120, Repo.sheepfs(), "--help");
        for (String opt : new String[] {"-a, --address", "-p, --port", "-d, --debug", "-f, --foreground",
            "-k, --pagecache", "-o, --objectcache", "-h, --help", "--local", "--log-file", "--allow-other",
            "--read-only", "--uid", "--gid", "--threads", "--clone-fd", "--connections", "--piece-size", "--io-uring", "-V, --version"}) {
            assertTrue(help.contains(opt), "--help lacks " + opt);
            assertTrue(Files.readString(Repo.root().resolve("man/sheepfs.8")).contains(
                    opt.replaceAll(".*(--[a-z-]+).*", "$1").replace("-", "\\-")), "man page lacks " + opt);
        }
        assertTrue(Sh.ok(60, Repo.sheepfs(), "--version").startsWith("sheepfs "));
    }

    @Test
    void unreachableSheepFailsWithAReasonAndNonZeroStatus() throws Exception {
        Fuse.require();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Sh.Result r = Sh.run(120, Repo.sheepfs(), "-a", "127.0.0.1", "-p", String.valueOf(port), mnt.toString());
        assertNotEquals(0, r.rc());
        assertTrue(r.out().contains("cannot reach sheep at 127.0.0.1:" + port), r.out());
        Sh.Result fg = Sh.run(120, Repo.sheepfs(), "-f", "-p", String.valueOf(port), mnt.toString());
        assertNotEquals(0, fg.rc());
        assertTrue(fg.out().contains("cannot reach sheep"), fg.out());
    }

    @Test
    void badMountPointsAreExplained() throws Exception {
        Sh.Result r = Sh.run(120, Repo.sheepfs(), "--local", dir.resolve("s").toString(), dir.resolve("missing").toString());
        assertNotEquals(0, r.rc());
        assertTrue(r.out().contains("mkdir -p"), r.out());
        Sh.Result usage = Sh.run(60, Repo.sheepfs());
        assertEquals(2, usage.rc(), usage.out());
        assertTrue(usage.out().contains("Missing required parameter: 'MOUNTPOINT'"), usage.out());
    }

    @Test
    void ownerAndReadOnlyOptionsReachTheMount() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir, "--uid", "4321", "--gid", "8765", "--read-only")) {
            assertEquals("4321:8765", Sh.ok(30, "stat", "-c", "%u:%g", m.path("vdi/list").toString()).strip());
            assertTrue(m.read("vdi/list").startsWith("  Name "));
            try {
                m.control("vdi/create", "x 1G\n");
                throw new AssertionError("a read-only mount accepted a write");
            } catch (IOException e) {
                assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
            }
        }
    }
}
