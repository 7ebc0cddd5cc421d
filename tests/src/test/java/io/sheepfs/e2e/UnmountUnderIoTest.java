package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping sheepfs while a writer is busy leaves nothing hung: no stuck writer, no stale mount. */
class UnmountUnderIoTest {
    @TempDir
    Path dir;

    @Test
    void sigtermDuringWritesUnmountsAndNothingHangs() throws Exception {
        SheepfsMount m = SheepfsMount.local(dir);
        try {
            m.createAndAttach("busy", "2G");
            Process dd = new ProcessBuilder("dd", "if=/dev/zero", "of=" + m.path("volume/busy"), "bs=1M",
                    "count=2048", "oflag=direct", "status=none").redirectErrorStream(true).start();
            Thread.sleep(1500);
            assertTrue(dd.isAlive(), "the writer finished too early to test anything");
            m.process.destroy(); // SIGTERM to the launcher's java: the shutdown hook unmounts
            assertTrue(m.process.waitFor(30, TimeUnit.SECONDS), "sheepfs did not exit on SIGTERM:\n" + m.log());
            assertTrue(dd.waitFor(30, TimeUnit.SECONDS), "the writer hangs after sheepfs stopped");
            assertFalse(m.isMounted(), "still mounted after SIGTERM");
            // the mount point is a plain directory again (not 'Transport endpoint is not connected')
            try (var s = Files.list(m.mnt)) {
                s.count();
            }
        } finally {
            m.close();
        }
    }
}
