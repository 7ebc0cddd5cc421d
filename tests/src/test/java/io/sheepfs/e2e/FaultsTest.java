package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults say what happened: a full store is ENOSPC; a sheep of another cluster is refused. */
class FaultsTest {
    static final String EXDEV = "Invalid cross-device link";

    @TempDir
    Path dir;

    @Test
    void writesIntoAFullStoreFailWithEnospc() throws Exception {
        Fuse.requireRoot("mounting a small tmpfs as the store");
        Path store = Files.createDirectories(dir.resolve("t/store"));
        Sh.ok(30, "mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", store.toString());
        try (SheepfsMount m = SheepfsMount.local(dir.resolve("t"))) {
            m.createAndAttach("big", "256M");
            Sh.Result dd = Sh.run(120, "dd", "if=/dev/urandom", "of=" + m.path("volume/big"), "bs=1M", "count=64",
                    "oflag=direct", "conv=notrunc");
            assertNotEquals(0, dd.rc(), dd.out());
            assertTrue(dd.out().contains("No space left on device"), dd.out());
            // the store is full, not broken: what was written reads back
            assertEquals(0, Sh.run(60, "dd", "if=" + m.path("volume/big"), "of=/dev/null", "bs=1M", "count=4",
                    "iflag=direct").rc());
        } finally {
            Sh.run(30, "umount", "-l", store.toString());
        }
    }

    /** sheepfs-server on a new directory: not formatted. Returns the process and its port. */
    private record Server(Process process, int port) {
    }

    private Server unformattedServer() throws IOException {
        Process p = new ProcessBuilder(Repo.root().resolve("bin/sheepfs-server").toString(), "--dir",
                dir.resolve("blank").toString(), "--port", "0").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        Matcher mt = Pattern.compile("listening on [0-9.]+:(\\d+)").matcher(String.valueOf(line));
        if (!mt.find()) {
            p.destroyForcibly();
            throw new IOException("sheepfs-server said: " + line);
        }
        return new Server(p, Integer.parseInt(mt.group(1)));
    }

    @Test
    void sheepInfoRefusesASheepOfAnotherClusterOrOfNone() throws Exception {
        Server blank = unformattedServer();
        try (SheepfsMount a = SheepfsMount.local(dir.resolve("a"));
             SheepfsMount b = SheepfsMount.local(dir.resolve("b"))) {
            a.control("vdi/create", "only-in-a 1M\n");
            String before = a.read("config/sheep_info");
            assertTrue(a.controlResult("config/sheep_info", "127.0.0.1:" + b.sheepPort() + "\n").contains(EXDEV));
            assertTrue(a.controlResult("config/sheep_info", "127.0.0.1:" + blank.port() + "\n").contains(EXDEV));
            assertEquals(before, a.read("config/sheep_info"));
            assertTrue(a.read("vdi/list").contains("only-in-a"));
            assertTrue(a.log().contains("belongs to another cluster"), a.log());
            assertTrue(a.log().contains("is not formatted"), a.log());
            // its own sheep again is fine
            a.control("config/sheep_info", "localhost:" + a.sheepPort() + "\n");
        } finally {
            blank.process().destroy();
            blank.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
