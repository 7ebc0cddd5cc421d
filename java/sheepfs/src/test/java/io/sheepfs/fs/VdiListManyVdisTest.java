package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.ClientConfig;
import io.sheepfs.client.CountingProxy;
import io.sheepfs.client.Request;
import io.sheepfs.client.Response;
import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.format.DogFormat;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vdi/list with 1000 VDIs (issue 5): every VDI is listed, in vid order, with its size; and the
 * inode reads were pipelined - counted by a proxy between sheepfs and the embedded sheep: dog's
 * 2 + 2N requests, hundreds of them in flight at once (dog has one). The time it takes is
 * measured by bench/vdilist, not here.
 */
class VdiListManyVdisTest {
    static final int VDIS = 1000;
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void thousandVdisAreListedWithPipelinedInodeReads() throws IOException {
        try (EmbeddedSheep sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false));
             CountingProxy proxy = new CountingProxy(sheep.address());
             SheepClient client = new SheepClient(ClientConfig.of(proxy.address()))) {
            client.format(1, 0);
            List<Request> creates = new ArrayList<>();
            for (int i = 0; i < VDIS; i++) {
                creates.add(Request.write(Opcode.NEW_VDI, 0, FixedString.encode(String.format("vm-%04d", i), 256),
                        new VdiRequest((i + 1) * MIB, 0, 0, 0, 0, 0, 0, 0)));
            }
            TreeMap<Integer, String> expected = new TreeMap<>(); // vid -> "name size" as sheep assigned them
            List<Response> created = client.transport().callAll(creates);
            for (int i = 0; i < VDIS; i++) {
                int vid = created.get(i).check().header().vdi().vdiId();
                expected.put(vid, String.format("vm-%04d %s", i, DogFormat.size((i + 1) * MIB)));
            }
            FsClient c = new FsClient(new SheepfsTree(client, new MemoryAttacher(client), new Settings(false, false),
                    ZoneOffset.UTC, g -> { }).callbacks());

            proxy.reset();
            String text = c.read("vdi/list", 1 << 17);
            List<String> rows = text.lines().skip(1).toList();
            assertEquals(VDIS, rows.size());
            List<String> seen = new ArrayList<>();
            List<Integer> vids = new ArrayList<>();
            for (String row : rows) {
                String[] f = row.trim().split(" +");
                // name id size unit used unit shared unit date time vid copies bss
                seen.add(f[0] + " " + f[2] + " " + f[3]);
                vids.add(Integer.parseInt(f[10], 16));
            }
            assertEquals(List.copyOf(expected.keySet()), vids, "rows in ascending vid order");
            assertEquals(List.copyOf(expected.values()), seen);

            assertEquals(2 + 2 * VDIS, proxy.requests(), "READ_VDIS, READ_DEL_VDIS, header and index per VDI");
            System.out.println("vdi/list of " + VDIS + " VDIs: " + proxy.requests() + " requests, up to "
                    + proxy.maxInFlight() + " in flight at once");
            assertTrue(proxy.maxInFlight() >= 100, "at most " + proxy.maxInFlight() + " requests were in flight");
        }
    }
}
