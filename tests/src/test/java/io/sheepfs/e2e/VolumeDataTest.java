package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.vdi.Inode;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
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
            String[] hp = m.read("config/sheep_info").strip().split(":");
            try (SheepClient c = SheepClient.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))) {
                VdiRef ref = c.lookupVdi("data1");
                Inode inode = c.readInode(ref.vid());
                int objSize = 1 << inode.header().blockSizeShift();
                byte[] all = new byte[256 * MIB];
                long start = 3L * MIB + 512;
                for (long off = start; off < start + all.length; ) {
                    int idx = (int) (off / objSize);
                    int inObj = (int) (off % objSize);
                    int n = (int) Math.min(objSize - inObj, start + all.length - off);
                    int owner = inode.lookup(idx);
                    assertEquals(ref.vid(), owner, "object " + idx + " not owned by the VDI");
                    byte[] piece = c.readObject(ObjectId.data(owner, idx), inObj, n);
                    System.arraycopy(piece, 0, all, (int) (off - start), n);
                    off += n;
                }
                String fromServer = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all));
                assertEquals(want.split(" ")[0], fromServer, "bytes on the server differ from what dd wrote");
            }
        }
    }
}
