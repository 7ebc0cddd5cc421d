package io.sheepfs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.server.store.StoreLockedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One store directory, one sheep: a second server on it exits at once and names the holder. */
class StoreLockTest {
    @TempDir
    Path dir;

    /** A second sheepfs-server process on the same directory; returns its exit status and stderr. */
    private record Run(int rc, String err) {
    }

    private Run secondServer() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, "io.sheepfs.server.ServerMain", "--dir", dir.toString(), "--port", "0"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the second server did not exit");
        return new Run(p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aSecondServerProcessOnTheStoreExitsNamingTheHolder() throws Exception {
        try (ServerProcess first = ServerProcess.start(dir)) {
            Run second = secondServer();
            assertNotEquals(0, second.rc());
            assertTrue(second.err().contains("in use by process " + first.process.pid()), second.err());
            assertEquals(first.process.pid() + "\n", Files.readString(dir.resolve("lock")));
            // the first one still serves
            assertTrue(Proto.formatAndCreate(first.port, "still-served", 1 << 20) != 0);
        }
    }

    @Test
    void theStoreIsFreeAgainWhenTheHolderDiesEvenByKill9() throws Exception {
        ServerProcess first = ServerProcess.start(dir);
        first.kill9();
        try (ServerProcess next = ServerProcess.start(dir)) {
            assertEquals(next.process.pid() + "\n", Files.readString(dir.resolve("lock")));
        }
    }

    @Test
    void aSecondSheepInTheSameProcessIsRefusedAndTheFirstKeepsTheStore() throws IOException {
        try (EmbeddedSheep first = EmbeddedSheep.start(ServerConfig.ephemeral(dir))) {
            StoreLockedException e = assertThrows(StoreLockedException.class,
                    () -> EmbeddedSheep.start(ServerConfig.ephemeral(dir)));
            assertEquals(ProcessHandle.current().pid(), e.holder());
            assertThrows(StoreLockedException.class, () -> EmbeddedSheep.start(ServerConfig.ephemeral(dir)));
        }
        EmbeddedSheep.start(ServerConfig.ephemeral(dir)).close(); // released by close()
    }
}
