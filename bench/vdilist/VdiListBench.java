import io.sheepfs.client.Request;
import io.sheepfs.client.Response;
import io.sheepfs.client.SheepClient;
import io.sheepfs.fs.Settings;
import io.sheepfs.fs.SheepfsTree;
import io.sheepfs.fs.VolumeAttacher;
import io.sheepfs.fs.VolumeNode;
import io.sheepfs.nativeio.FsCallbacks;
import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.header.NoRequestUnion;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How long reading vdi/list takes with N VDIs on the embedded sheep (issue 5: at most 60 ms for
 * 1000; dog, reading inodes one at a time, took 0.31 s). Each run does what `cat vdi/list`
 * makes sheepfs do - lookup, open (renders: READ_VDIS, READ_DEL_VDIS, all header reads at once,
 * all index reads at once), read, release - minus the kernel crossing. For comparison it also
 * times the same 2 + 2N requests sent one at a time, as dog sends them.
 *
 * Usage: bench/vdilist/run.sh [VDIS] [RUNS]   (prints one result line per variant)
 */
public class VdiListBench {
    public static void main(String[] args) throws Exception {
        int vdis = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path dir = Files.createTempDirectory("vdilist-bench");
        try (EmbeddedSheep sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false));
             SheepClient client = SheepClient.connect(sheep.address())) {
            client.format(1, 0);
            List<Request> creates = new ArrayList<>();
            for (int i = 0; i < vdis; i++) {
                creates.add(Request.write(Opcode.NEW_VDI, 0, FixedString.encode(String.format("vm-%04d", i), 256),
                        new VdiRequest(1L << 30, 0, 0, 0, 0, 0, 0, 0)));
            }
            for (Response r : client.transport().callAll(creates)) {
                r.check();
            }
            SheepfsTree tree = new SheepfsTree(client, new VolumeAttacher() {
                @Override
                public void attach(VolumeNode v) {
                }

                @Override
                public void detach(VolumeNode v) {
                }
            }, new Settings(false, false), ZoneOffset.UTC, g -> { });
            FsCallbacks fs = tree.callbacks();
            long vdi = fs.lookup(FsCallbacks.ROOT, bytes("vdi"))[FsCallbacks.A_INO];

            long[] piped = new long[runs];
            int length = 0;
            for (int i = -5; i < runs; i++) { // 5 warm-up runs
                tree.tree().changed(); // nothing cached: every run renders afresh
                long t0 = System.nanoTime();
                long ino = fs.lookup(vdi, bytes("list"))[FsCallbacks.A_INO];
                long fh = fs.open(ino, 0);
                length = 0;
                for (long off = 0; ; ) {
                    byte[] b = fs.read(fh, off, 131072);
                    if (b.length == 0) {
                        break;
                    }
                    off += b.length;
                    length += b.length;
                }
                fs.release(fh);
                if (i >= 0) {
                    piped[i] = System.nanoTime() - t0;
                }
            }
            report("sheepfs vdi/list (pipelined)", vdis, piped, length);

            List<InodeHeader> headers = client.listInodeHeaders();
            long[] serial = new long[Math.max(3, runs / 5)];
            for (int i = 0; i < serial.length; i++) {
                long t0 = System.nanoTime();
                client.transport().call(Request.read(Opcode.READ_VDIS, 0, 2097152, NoRequestUnion.INSTANCE));
                client.transport().call(Request.read(Opcode.READ_DEL_VDIS, 0, 2097152, NoRequestUnion.INSTANCE));
                for (InodeHeader h : headers) {
                    long oid = ObjectId.inode(h.vdiId());
                    client.transport().call(Request.read(Opcode.READ_OBJ, RequestFlags.DIRECT, 4672,
                            ObjRequest.of(oid, 0)));
                    client.transport().call(Request.read(Opcode.READ_OBJ, RequestFlags.DIRECT,
                            h.objectCount() * 4, ObjRequest.of(oid, InodeHeader.SIZE)));
                }
                serial[i] = System.nanoTime() - t0;
            }
            report("same requests one at a time (as dog)", vdis, serial, -1);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void report(String what, int vdis, long[] nanos, int length) {
        long[] ms = Arrays.stream(nanos).map(n -> n / 1_000).sorted().toArray();
        System.out.printf("%-38s %5d VDIs: min %6.1f ms  median %6.1f ms  p90 %6.1f ms  max %6.1f ms%s%n", what, vdis,
                ms[0] / 1000.0, ms[ms.length / 2] / 1000.0, ms[(int) (ms.length * 0.9)] / 1000.0,
                ms[ms.length - 1] / 1000.0, length >= 0 ? "  (" + length + " bytes)" : "");
    }
}
