package io.sheepfs.server;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sheepfs-server command: one line once listening, clean stop on SIGTERM and SIGINT. */
class ServerMainTest {
    @TempDir
    Path dir;

    private static int signal(Process p, String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, k.waitFor());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "server did not stop on SIG" + sig);
        return p.exitValue();
    }

    @Test
    void stopsCleanlyOnSigtermAndSigint() throws Exception {
        int vid;
        try (ServerProcess p = ServerProcess.start(dir, "--nosync")) {
            assertTrue(p.firstLine.startsWith("sheepfs-server listening on 127.0.0.1:" + p.port), p.firstLine);
            vid = Proto.formatAndCreate(p.port, "sig", 64L << 20);
            try (RawClient c = new RawClient(p.port)) {
                Proto.writeNewObject(c, vid, 2, 100, new byte[] {1, 2, 3});
            }
            // the JVM reports death by SIGTERM as 143 after running the shutdown hook
            assertEquals(143, signal(p.process, "TERM"));
        }
        try (ServerProcess p = ServerProcess.start(dir)) {
            try (RawClient c = new RawClient(p.port)) {
                RawClient.Response r = c.call(Proto.read(ObjectId.data(vid, 2), 100, 3), null);
                assertEquals(Result.SUCCESS, r.result());
                assertArrayEquals(new byte[] {1, 2, 3}, r.data());
            }
            assertEquals(130, signal(p.process, "INT"));
        }
    }

    @Test
    void clusterShutdownRequestAnswersThenExits() throws Exception {
        try (ServerProcess p = ServerProcess.start(dir, "--nosync")) {
            Proto.formatAndCreate(p.port, "x", 1 << 20);
            try (RawClient c = new RawClient(p.port)) {
                RawClient.Response r = c.call(io.sheepfs.protocol.header.RequestHeader.of(
                        io.sheepfs.protocol.Opcode.SHUTDOWN, 0, 0,
                        io.sheepfs.protocol.header.NoRequestUnion.INSTANCE), null);
                assertEquals(Result.SUCCESS, r.result());
            }
            assertTrue(p.process.waitFor(20, TimeUnit.SECONDS), "server still running after SHUTDOWN");
            assertEquals(0, p.process.exitValue());
        }
    }
}
