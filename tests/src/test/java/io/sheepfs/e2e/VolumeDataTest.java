package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 256 MiB of random data through dd, read back through the mount and straight from the server. */
class VolumeDataTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void randomDataWrittenWithDdReadsBackIdenticalThroughMountAndClient() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("data1", "1G");
            Path vol = m.path("volume/data1");
            assertEquals(1L << 30, Files.size(vol));
            Path src = dir.resolve("random.bin");
            Sh.ok(120, "dd", "if=/dev/urandom", "of=" + src, "bs=1M", "count=256", "status=none");
            // offset 3 MiB + 512: every 4 MiB object boundary is crossed mid-request
            Sh.ok(300, "dd", "if=" + src, "of=" + vol, "bs=1M", "oflag=direct,seek_bytes",
                    "conv=notrunc,fsync", "status=none", "seek=" + (3 * MIB + 512));
            String back = Sh.ok(300, "bash", "-c", "dd if=" + vol + " bs=1M iflag=direct,skip_bytes,count_bytes skip="
                    + (3 * MIB + 512) + " count=" + (256 * MIB) + " status=none | sha256sum");
            String want = Sh.ok(60, "bash", "-c", "sha256sum < " + src);
            assertEquals(want, back, "bytes read back through the mount differ");
            // the head before the written range is a hole: zeros
            try (RandomAccessFile f = new RandomAccessFile(vol.toFile(), "r")) {
                byte[] head = new byte[3 * MIB + 512];
                f.readFully(head);
                assertArrayEquals(new byte[head.length], head);
            }
            // the same bytes straight from the server, object by object
            try (SheepClient c = ServerBytes.clientOf(m)) {
                VdiRef ref = c.lookupVdi("data1");
                byte[] all = ServerBytes.read(c, ref.vid(), 3L * MIB + 512, 256 * MIB);
                assertEquals(ref.vid(), c.readInode(ref.vid()).lookup(1), "written objects not owned by the VDI");
                String fromServer = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all));
                assertEquals(want.split(" ")[0], fromServer, "bytes on the server differ from what dd wrote");
            }
        }
    }
}
