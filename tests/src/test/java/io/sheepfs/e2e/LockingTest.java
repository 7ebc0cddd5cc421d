package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two of anything on one store or one VDI, with real processes and real mounts: a second
 * sheepfs --local or sheepfs-server on a store exits naming the holder; a VDI attached by one
 * mount cannot be attached by another (EBUSY); vdi/unlock clears the lock of a mount that died.
 */
class LockingTest {
    static final String EBUSY = "Device or resource busy";

    @TempDir
    Path dir;

    @Test
    void aSecondProcessOnAStoreExitsAtOnceNamingTheHolder() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            long pid = m.process.pid();
            Path mnt2 = Files.createDirectories(dir.resolve("mnt2"));
            // 'timeout': without the lock the second one would mount and never exit
            Sh.Result second = Sh.run(120, "timeout", "60", Repo.sheepfs(), "-f", "--local", m.store.toString(),
                    mnt2.toString());
            assertNotEquals(0, second.rc(), second.out());
            assertNotEquals(124, second.rc(), "still running after 60 s: " + second.out());
            assertTrue(second.out().contains("in use by process " + pid), second.out());
            Sh.Result server = Sh.run(120, "timeout", "60", Repo.root().resolve("bin/sheepfs-server").toString(),
                    "--dir", m.store.toString(), "--port", "0");
            assertNotEquals(0, server.rc(), server.out());
            assertNotEquals(124, server.rc(), "still running after 60 s: " + server.out());
            assertTrue(server.out().contains("in use by process " + pid), server.out());
            // the first mount still serves its store
            m.control("vdi/create", "after 1M\n");
            assertTrue(m.read("vdi/list").contains("after"));
        }
    }

    @Test
    void aVdiAttachedByOneMountIsBusyForAnotherAndUnlockClearsADeadOnesLock() throws Exception {
        try (SheepfsMount a = SheepfsMount.local(dir)) {
            a.createAndAttach("disk", "16M");
            try (SheepfsMount b = SheepfsMount.remote(dir, "b", a.sheepPort())) {
                assertTrue(b.controlResult("vdi/mount", "disk\n").contains(EBUSY));
                assertFalse(Files.exists(b.path("volume/disk")));
                a.control("vdi/unmount", "disk\n");
                b.control("vdi/mount", "disk\n");
                assertTrue(a.controlResult("vdi/mount", "disk\n").contains(EBUSY));
                // b dies holding the lock: the sheep keeps it
                b.process.destroyForcibly();
                assertTrue(b.process.waitFor(30, TimeUnit.SECONDS));
            }
            assertTrue(a.controlResult("vdi/mount", "disk\n").contains(EBUSY));
            a.control("vdi/unlock", "disk\n");
            assertTrue(a.log().contains("released the normal lock of VDI disk"), a.log());
            a.control("vdi/mount", "disk\n");
            assertTrue(Files.exists(a.path("volume/disk")));
            assertTrue(a.controlResult("vdi/unlock", "disk\n").contains(EBUSY)); // attached here: detach instead
            a.control("vdi/unmount", "disk\n");
            assertTrue(a.controlResult("vdi/unlock", "disk\n").contains("No locks available"));
        }
    }
}
