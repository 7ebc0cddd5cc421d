package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a server process in the middle of a write load: after a restart every acknowledged
 * write is there, the VDI table is rebuilt from the inodes and the store holds no leftovers.
 */
class PersistenceTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS_PER_OBJECT = 64;

    @TempDir
    Path dir;

    /** One acknowledged write: where and what. */
    private record Ack(long oid, long offset, byte[] data) {
    }

    private static byte[] pattern(int writer, int seq) {
        byte[] b = new byte[CHUNK];
        new Random(writer * 1_000_003L + seq).nextBytes(b);
        return b;
    }

    @Test
    void everyAcknowledgedWriteSurvivesKill9() throws Exception {
        ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
        int vid;
        int writers = 4;
        try (ServerProcess p = ServerProcess.start(dir)) {
            vid = Proto.formatAndCreate(p.port, "durable", 1L << 30);
            AtomicBoolean stop = new AtomicBoolean();
            Thread[] threads = new Thread[writers];
            for (int t = 0; t < writers; t++) {
                int w = t;
                threads[t] = new Thread(() -> writeUntilKilled(p.port, vid, w, acked, stop));
                threads[t].start();
            }
            // let the load run, then kill without warning while requests are in flight
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (acked.size() < 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            p.kill9();
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
        assertTrue(acked.size() >= 50, "load produced " + acked.size() + " acknowledged writes");
        try (Stream<Path> files = Files.list(dir.resolve("obj"))) {
            System.out.println("after kill -9: " + acked.size() + " acknowledged writes, "
                    + files.filter(f -> f.getFileName().toString().startsWith(".tmp-")).count() + " temp files left");
        }
        try (ServerProcess p = ServerProcess.start(dir); RawClient c = new RawClient(p.port)) {
            // the VDI table came back from the inode objects
            RawClient.Response info = c.call(RequestHeader.of(Opcode.GET_VDI_INFO, RequestFlags.WRITE, 256,
                    VdiRequest.lookup(0)), Proto.name("durable"));
            assertEquals(Result.SUCCESS, info.result());
            assertEquals(vid, info.header().vdi().vdiId());
            assertEquals(1, info.header().epoch(), "still formatted");
            byte[] index = c.call(Proto.read(ObjectId.inode(vid), 4664, 4 * writers * 1000 + 4 * 1000), null).data();
            int checked = 0;
            for (Ack a : acked) {
                RawClient.Response r = c.call(Proto.read(a.oid(), a.offset(), a.data().length), null);
                assertEquals(Result.SUCCESS, r.result(), "acknowledged object " + ObjectId.toHex(a.oid()) + " lost");
                assertArrayEquals(a.data(), r.data(), "acknowledged write lost at " + ObjectId.toHex(a.oid()) + "+"
                        + a.offset());
                if (a.offset() == 0) {
                    long idx = ObjectId.index(a.oid());
                    assertEquals(vid, Le.u32(index, (int) (4 * idx)), "index entry of acknowledged object " + idx);
                }
                checked++;
            }
            System.out.println("after restart: " + checked + " acknowledged writes verified");
        }
        try (Stream<Path> files = Files.list(dir.resolve("obj"))) {
            List<Path> tmp = files.filter(f -> f.getFileName().toString().startsWith(".tmp-")).toList();
            assertFalse(tmp.size() > 0, "temp files left after restart: " + tmp);
        }
    }

    /**
     * Writer {@code w} fills objects w*1000, w*1000+1, ... chunk by chunk; the first chunk of an
     * object is a CREATE_AND_WRITE plus the inode index entry (acknowledged once both returned).
     */
    private static void writeUntilKilled(int port, int vid, int w, ConcurrentLinkedQueue<Ack> acked,
                                         AtomicBoolean stop) {
        try (RawClient c = new RawClient(port)) {
            for (int seq = 0; !stop.get(); seq++) {
                int idx = w * 1000 + seq / CHUNKS_PER_OBJECT;
                long off = (long) (seq % CHUNKS_PER_OBJECT) * CHUNK;
                long oid = ObjectId.data(vid, idx);
                byte[] d = pattern(w, seq);
                if (off == 0) {
                    if (c.call(Proto.create(oid, 0, CHUNK), d).result() != Result.SUCCESS) {
                        return;
                    }
                    byte[] e = new byte[4];
                    Le.put32(e, 0, vid);
                    if (c.call(Proto.write(ObjectId.inode(vid), 4664 + 4L * idx, 4), e).result() != Result.SUCCESS) {
                        return;
                    }
                } else if (c.call(Proto.write(oid, off, CHUNK), d).result() != Result.SUCCESS) {
                    return;
                }
                acked.add(new Ack(oid, off, d));
            }
        } catch (IOException e) {
            // the server was killed: everything acknowledged so far is in 'acked'
        }
    }
}
