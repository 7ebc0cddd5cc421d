package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.Request;
import io.sheepfs.client.Response;
import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * issue 5: with 1000 VDIs, reading vdi/list takes at most 60 ms on the embedded sheep (dog,
 * reading the inodes one at a time, took 0.31 s). Measured through FsCallbacks open + read,
 * i.e. everything the native core's upcall costs except the JNI crossing.
 */
class VdiListScaleTest {
    static final int VDIS = 1000;
    static final long LIMIT_MS = 60;

    @TempDir
    Path dir;

    @Test
    void thousandVdisListWithinSixtyMilliseconds() throws IOException {
        try (EmbeddedSheep sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false));
             SheepClient client = SheepClient.connect(sheep.address())) {
            client.format(1, 0);
            List<Request> creates = new ArrayList<>();
            for (int i = 0; i < VDIS; i++) {
                creates.add(Request.write(Opcode.NEW_VDI, 0, FixedString.encode(String.format("vm-%04d", i), 256),
                        new VdiRequest(1L << 30, 0, 0, 0, 0, 0, 0, 0)));
            }
            for (Response r : client.transport().callAll(creates)) {
                r.check();
            }
            SheepfsTree tree = new SheepfsTree(client, new MemoryAttacher(), new Settings(false, false),
                    ZoneOffset.UTC, g -> { });
            FsClient c = new FsClient(tree.callbacks());

            String first = c.read("vdi/list", 1 << 17);
            assertEquals(VDIS + 1, first.lines().count());
            for (int i = 0; i < 5; i++) {
                c.read("vdi/list", 1 << 17); // warm up the JIT and the server's page cache
            }
            long[] ms = new long[15];
            for (int i = 0; i < ms.length; i++) {
                tree.tree().changed(); // no cached rendering may be reused: each cat renders afresh
                long t0 = System.nanoTime();
                String text = c.read("vdi/list", 1 << 17);
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(first.length(), text.length());
            }
            Arrays.sort(ms);
            System.out.println("vdi/list with " + VDIS + " VDIs: min " + ms[0] + " ms, median " + ms[ms.length / 2]
                    + " ms, max " + ms[ms.length - 1] + " ms");
            double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            int cpus = Runtime.getRuntime().availableProcessors();
            if (ms[ms.length / 2] > LIMIT_MS && load > cpus) {
                // a wall-clock bound means nothing on a machine running more than it has cores for
                org.junit.jupiter.api.Assumptions.abort("median " + ms[ms.length / 2] + " ms, but load average "
                        + load + " on " + cpus + " CPUs: timing not judged");
            }
            assertTrue(ms[ms.length / 2] <= LIMIT_MS, "median " + ms[ms.length / 2] + " ms > " + LIMIT_MS + " ms");
        }
    }
}
