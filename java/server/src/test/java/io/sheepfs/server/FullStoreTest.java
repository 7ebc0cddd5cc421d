package io.sheepfs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store whose disk is full answers NO_SPACE, as sheep does, not EIO: on a real 8 MiB tmpfs. */
class FullStoreTest {
    @TempDir
    Path dir;

    private static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void writesIntoAFullStoreAnswerNoSpace() throws Exception {
        assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip()),
                "mounting a tmpfs needs root");
        Path store = Files.createDirectories(dir.resolve("small"));
        assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", store.toString()) == 0, "cannot mount a tmpfs");
        try (ServerProcess p = ServerProcess.start(store)) {
            int vid = Proto.formatAndCreate(p.port, "big", 1L << 30);
            byte[] data = new byte[1 << 20];
            new Random(1).nextBytes(data);
            int result = Result.SUCCESS;
            try (RawClient c = new RawClient(p.port)) {
                for (int idx = 0; idx < 64 && result == Result.SUCCESS; idx++) {
                    result = c.call(Proto.create(ObjectId.data(vid, idx), 0, data.length), data).result();
                }
            }
            assertEquals(Result.NO_SPACE, result, "result 0x" + Integer.toHexString(result));
        } finally {
            sh("umount", "-l", store.toString());
        }
    }
}
