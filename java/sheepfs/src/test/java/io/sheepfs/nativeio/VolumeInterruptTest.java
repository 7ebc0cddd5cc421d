package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static io.sheepfs.nativeio.VolumeIndexFailureTest.awaitUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process waiting in a sheepfs request can always be killed: the kernel's INTERRUPT is answered
 * EINTR at once, while the work behind it (sheep I/O held by a proxy, as by a frozen server; a
 * Java upcall that blocks) finishes in the background and its result is dropped.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeInterruptTest extends VolumeTestBase {
    /** dd with direct I/O on a volume whose sheep answers nothing: SIGKILL ends it within 2 s. */
    @ParameterizedTest(name = "readahead={0}")
    @ValueSource(booleans = {true, false})
    void aDirectReadWaitingForSheepIsKillable(boolean readahead) throws Exception {
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults().withReadahead(readahead))) {
            byte[] data = attachedWithData("k", 16L * MiB, 5, 4 * MiB);
            proxy.holdAnswers(h -> true);
            Process dd = new ProcessBuilder("dd", "if=" + vol("k"), "of=/dev/null", "bs=1M", "count=4",
                    "iflag=direct", "status=none").start();
            killWhileHeld(proxy, dd);
            proxy.release();
            assertArrayEquals(data, read(vol("k"), 0, 4 * MiB), "the volume works after the answers come");
        }
    }

    /** The same for a direct write (the kernel may interrupt it only for a fatal signal). */
    @Test
    void aDirectWriteWaitingForSheepIsKillable() throws Exception {
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            attachedWithData("w", 16L * MiB, 6, 4 * MiB);
            Files.write(tmp.resolve("src"), random(7, 4 * MiB));
            proxy.holdAnswers(h -> true);
            Process dd = new ProcessBuilder("dd", "if=" + tmp.resolve("src"), "of=" + vol("w"), "bs=1M",
                    "oflag=direct", "conv=notrunc", "status=none").start();
            killWhileHeld(proxy, dd);
            proxy.release();
            byte[] later = random(8, MiB);
            write(vol("w"), 8L * MiB, later);
            assertArrayEquals(later, read(vol("w"), 8L * MiB, MiB), "the volume works after the answers come");
        }
    }

    /** A file whose open blocks in Java (a view rendered from a frozen server): killable too, and
     * the handle Java gives out afterwards is released. */
    @Test
    void anOpenBlockedInJavaIsKillable() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        tree.openGate = gate;
        int before = tree.openCalls.get();
        Process cat = new ProcessBuilder("cat", mnt.resolve("hello").toString()).start();
        long end = System.nanoTime() + 10_000_000_000L;
        awaitUntil(() -> tree.openCalls.get() > before, end);
        assertTrue(tree.openCalls.get() > before, "the open reached Java");
        Thread.sleep(200);
        assertTrue(cat.isAlive());
        cat.destroyForcibly();
        assertTrue(cat.waitFor(2, TimeUnit.SECONDS), "cat still waits after SIGKILL (state D)");
        gate.countDown();
        tree.openGate = null;
        awaitUntil(() -> tree.releases.get() == tree.opens.get(), System.nanoTime() + 5_000_000_000L);
        assertEquals(tree.opens.get(), tree.releases.get(), "the open answered late is released");
        assertArrayEquals(tree.hello, Files.readAllBytes(mnt.resolve("hello")));
    }

    private static void killWhileHeld(CountingProxy proxy, Process p) throws Exception {
        long end = System.nanoTime() + 10_000_000_000L;
        awaitUntil(() -> proxy.gatedRequests() > 0, end);
        assertTrue(proxy.gatedRequests() > 0, "requests went out");
        Thread.sleep(200);
        assertTrue(p.isAlive(), "waits for sheep");
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(2, TimeUnit.SECONDS), "still waiting after SIGKILL (state D)");
    }
}
