package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes to one volume file are not serialized by the kernel (FOPEN_PARALLEL_DIRECT_WRITES):
 * measured on the wire, not by speed. A CountingProxy sits between the mount's data path and
 * its sheep (switched there through config/sheep_info) and records the most requests in flight
 * at once. Every write is a 4 KiB pwrite inside an already allocated object, i.e. exactly one
 * WRITE_OBJ: one writer never has more than one in flight (the control: the measurement can
 * tell), four psync writers on their own descriptors must have more than one.
 */
class ParallelWritesTest {
    static final int MIB = 1 << 20;
    static final int REGION = 16 * MIB;
    static final int WRITES = 60;

    @TempDir
    Path dir;

    @Test
    void fourPsyncWritersOverlapOnTheWireOneWriterNever() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("par", "64M");
            Path vol = m.path("volume/par");
            // allocate the objects first: later writes are plain WRITE_OBJs, no create or index update
            Stamp.pwrite(vol, 0, new byte[REGION]);
            String hp = m.read("config/sheep_info").lines().findFirst().orElse("").strip();
            int colon = hp.lastIndexOf(':');
            InetSocketAddress sheep = new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
            try (CountingProxy proxy = new CountingProxy(sheep)) {
                m.control("config/sheep_info", "127.0.0.1:" + proxy.address().getPort() + "\n");
                writers(vol, 1, 10);
                assertTrue(proxy.requests() >= 10, "the data path does not go through the proxy (" + proxy.requests()
                        + " requests seen)");

                proxy.reset();
                writers(vol, 1, WRITES);
                int one = proxy.maxInFlight();
                int oneRequests = proxy.requests();
                proxy.reset();
                writers(vol, 4, WRITES);
                int four = proxy.maxInFlight();
                int fourRequests = proxy.requests();
                System.out.printf("requests in flight at most: 1 writer %d (%d requests), 4 writers %d (%d requests)%n",
                        one, oneRequests, four, fourRequests);
                assertEquals(1, one, "one psync writer, 4 KiB writes: more than one request in flight at once?");
                assertTrue(fourRequests >= 4 * WRITES, "the four writers' requests did not all go through the proxy");
                assertTrue(four >= 2, "four psync writers on one volume never had two writes in flight: "
                        + "the kernel serializes direct writes (FOPEN_PARALLEL_DIRECT_WRITES missing?)");
            }
        }
    }

    /** n threads, each with its own descriptor, each doing {@code writes} 4 KiB pwrites at random 4 KiB-aligned offsets. */
    private static void writers(Path vol, int n, int writes) throws Exception {
        Together.run(n, (t, start) -> {
            Random r = new Random(t);
            byte[] block = new byte[4096];
            try (FileChannel ch = Stamp.open(vol)) {
                start.await(60, TimeUnit.SECONDS);
                for (int i = 0; i < writes; i++) {
                    r.nextBytes(block);
                    Stamp.pwrite(ch, 4096L * r.nextInt(REGION / 4096), block);
                }
            }
        });
    }
}
