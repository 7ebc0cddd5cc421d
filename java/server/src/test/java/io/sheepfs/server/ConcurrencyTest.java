package io.sheepfs.server;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pipelined requests on one connection answered by id; many connections at once. */
class ConcurrencyTest {
    @TempDir
    Path dir;

    private static byte[] pattern(int seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Durable writes go to the workers; with --nosync the reader serves small writes itself. */
    @ParameterizedTest(name = "sync={0}")
    @ValueSource(booleans = {true, false})
    void pipelinedRequestsAreAllAnsweredAndMatchedById(boolean sync) throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(sync))) {
            int vid = Proto.formatAndCreate(s.port(), "pipe", 1L << 30);
            int objects = 16;
            try (RawClient c = new RawClient(s.port())) {
                for (int i = 0; i < objects; i++) {
                    Proto.writeNewObject(c, vid, i, 0, pattern(i, 1 << 20));
                }
                // 16 big reads and 48 small writes of other bytes of the same objects, all in flight at once
                Map<Integer, RequestHeader> sent = new HashMap<>();
                Map<Integer, byte[]> writes = new HashMap<>();
                int id = 1000;
                for (int i = 0; i < objects; i++) {
                    RequestHeader r = Proto.read(ObjectId.data(vid, i), 0, 1 << 20).withId(id);
                    sent.put(id++, r);
                    c.send(r, null);
                    for (int k = 0; k < 3; k++) {
                        byte[] d = pattern(10_000 + id, 512);
                        RequestHeader w = Proto.write(ObjectId.data(vid, i), (2 << 20) + k * 512L, 512).withId(id);
                        sent.put(id, w);
                        writes.put(id++, d);
                        c.send(w, d);
                    }
                }
                Set<Integer> answered = new HashSet<>();
                List<Integer> order = new ArrayList<>();
                for (int n = 0; n < sent.size(); n++) {
                    RawClient.Response r = c.receive();
                    int rid = r.header().id();
                    assertTrue(answered.add(rid), "answered twice: " + rid);
                    order.add(rid);
                    RequestHeader req = sent.get(rid);
                    assertEquals(req.opcode(), r.header().opcode());
                    assertEquals(Result.SUCCESS, r.result());
                    if (!writes.containsKey(rid)) {
                        int idx = (int) ObjectId.index(req.obj().oid());
                        assertArrayEquals(pattern(idx, 1 << 20), r.data(), "read " + rid + " got another's data");
                    }
                }
                assertEquals(sent.keySet(), answered);
                System.out.println("pipelined: " + sent.size() + " answered; in order: " + isSorted(order));
                // every write landed where its id said
                for (Map.Entry<Integer, byte[]> w : writes.entrySet()) {
                    RequestHeader h = sent.get(w.getKey());
                    RawClient.Response r = c.call(Proto.read(h.obj().oid(), h.obj().offset(), 512), null);
                    assertArrayEquals(w.getValue(), r.data());
                }
            }
        }
    }

    private static boolean isSorted(List<Integer> l) {
        for (int i = 1; i < l.size(); i++) {
            if (l.get(i) < l.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void manyConnectionsAtOnce() throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir))) {
            int vid = Proto.formatAndCreate(s.port(), "many", 1L << 30);
            int clients = 48;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                int me = t;
                results.add(pool.submit(() -> {
                    try (RawClient c = new RawClient(s.port())) {
                        Proto.writeNewObject(c, vid, me, 0, pattern(me, 4096));
                        int ok = 0;
                        for (int round = 0; round < 20; round++) {
                            byte[] d = pattern(me * 100 + round, 4096);
                            assertEquals(Result.SUCCESS,
                                    c.call(Proto.write(ObjectId.data(vid, me), 8192, 4096), d).result());
                            RawClient.Response r = c.call(Proto.read(ObjectId.data(vid, me), 8192, 4096), null);
                            assertArrayEquals(d, r.data());
                            ok++;
                        }
                        return ok;
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(clients * 20, total);
        }
    }

    /**
     * Answers the server computed go out before its reader waits for the network: here for the rest
     * of a write whose payload the client holds back until it has the answers of the reads sent
     * before it. Answers that waited in the buffer would deadlock the two sides until the stall
     * timeout (60 s here, past the client's 5 s).
     */
    @ParameterizedTest(name = "reads before the write: {0}")
    @ValueSource(ints = {1, 4, 5, 11})
    void answersDoNotWaitWhileTheServerWaitsForTheClient(int reads) throws Exception {
        ServerConfig cfg = ServerConfig.ephemeral(dir).withSync(false).withStallTimeout(Duration.ofSeconds(60));
        try (EmbeddedSheep s = EmbeddedSheep.start(cfg)) {
            int vid = Proto.formatAndCreate(s.port(), "turns", 64L << 20);
            byte[] data = pattern(7, 4096);
            try (RawClient c = new RawClient(s.port())) {
                Proto.writeNewObject(c, vid, 0, 0, data);
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < reads; i++) {
                    batch.write(Proto.read(ObjectId.data(vid, 0), 0, 4096).withId(100 + i).encode());
                }
                byte[] update = pattern(8, 4096);
                batch.write(Proto.write(ObjectId.data(vid, 0), 0, 4096).withId(999).encode());
                batch.write(update, 0, 2048); // the write's first half, in the same segment as the reads
                c.sendRaw(batch.toByteArray());
                c.socket().setSoTimeout(5000);
                for (int i = 0; i < reads; i++) {
                    RawClient.Response r = c.receive(); // a SocketTimeoutException here: the answers waited
                    assertEquals(Result.SUCCESS, r.result());
                    assertEquals(100 + i, r.header().id());
                    assertArrayEquals(data, r.data());
                }
                c.sendRaw(Arrays.copyOfRange(update, 2048, 4096));
                RawClient.Response w = c.receive();
                assertEquals(999, w.header().id());
                assertEquals(Result.SUCCESS, w.result());
                assertArrayEquals(update, c.call(Proto.read(ObjectId.data(vid, 0), 0, 4096), null).data());
            }
        }
    }
}
