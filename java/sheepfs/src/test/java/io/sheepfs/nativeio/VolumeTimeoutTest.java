package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A silent cluster on a real mount: a proxy in front of sheep holds back every answer, as a
 * gateway stopped with kill -STOP. A volume read then fails with EIO once the io timeout has
 * passed, instead of hanging until the gateway wakes; and reads work again once it answers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeTimeoutTest extends VolumeTestBase {
    /**
     * With a 3 s io timeout, a direct read whose answers never come fails with EIO after about
     * 3 s (the pool gives up on the silent connection after its 1.5 s per-attempt deadline,
     * resends, and the io timeout ends the request); after the proxy answers again, the same read
     * returns the bytes written before.
     */
    @Test
    void aReadASilentClusterDoesNotAnswerFailsWithEioAfterTheIoTimeout() throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults().withIoTimeout(3))) {
            byte[] data = Arrays.copyOf(attachedWithData("quiet", 16L * MiB, 61, MiB), 64 << 10);
            proxy.holdAnswers(h -> true);
            try {
                long t0 = System.nanoTime();
                Future<byte[]> r = ex.submit(() -> read(vol("quiet"), 0, 64 << 10));
                // the read runs on another thread: on a pool that never gives up it would hang
                ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(15, TimeUnit.SECONDS),
                        "the read ended with an error, and within 15 s");
                double s = (System.nanoTime() - t0) / 1e9;
                assertInstanceOf(IOException.class, e.getCause());
                assertTrue(String.valueOf(e.getCause().getMessage()).contains("Input/output error"), e.toString());
                assertTrue(s >= 2 && s <= 8, "failed after " + s + " s, the io timeout being 3 s");
                assertTrue(proxy.gatedRequests() > 0, "the read reached the proxy");
            } finally {
                proxy.release();
            }
            assertArrayEquals(data, read(vol("quiet"), 0, 64 << 10), "read again once the cluster answers");
        } finally {
            ex.shutdownNow();
        }
    }
}
