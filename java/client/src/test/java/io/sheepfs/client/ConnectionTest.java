package io.sheepfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.ObjResponse;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The transport against peers that misbehave in the ways a network or a buggy sheep can. */
class ConnectionTest {
    /** Answers READ_OBJ with {@code dl} bytes, each byte = the low byte of the requested offset. */
    private static byte[] echoOffset(RequestHeader rq, long dl, int id) {
        ResponseHeader h = ResponseHeader.of(rq.opcode(), 1, id, Result.SUCCESS, dl, new ObjResponse(0, 0));
        byte[] out = new byte[ResponseHeader.SIZE + (int) dl];
        h.encodeTo(out, 0);
        java.util.Arrays.fill(out, ResponseHeader.SIZE, out.length, (byte) rq.obj().offset());
        return out;
    }

    private static Request read(long offset, int len) {
        return Request.read(Opcode.READ_OBJ, 0, len, ObjRequest.of(ObjectId.data(1, 0), offset));
    }

    private static ClientConfig config(InetSocketAddress... gateways) {
        return new ClientConfig(List.of(gateways), 2, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void responseLargerThanTheRequestBufferClosesTheConnection() throws IOException {
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> echoOffset(rq, rq.dataLength() + 1, rq.id()), false);
             Transport t = new Transport(config(peer.address()))) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> t.call(read(0, 4096)));
            assertTrue(e.getMessage().contains("announces 4097 bytes but the request offered only 4096"),
                    e.getMessage());
        }
    }

    @Test
    void hugeAnnouncedLengthIsRejectedWithoutAllocating() throws IOException {
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> {
            byte[] h = ResponseHeader.of(rq.opcode(), 1, rq.id(), Result.SUCCESS, 0xFFFF_FFF0L,
                    new ObjResponse(0, 0)).encode();
            return h;
        }, false); Transport t = new Transport(config(peer.address()))) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> t.call(read(0, 512)));
            assertTrue(e.getMessage().contains("announces 4294967280 bytes"), e.getMessage());
        }
    }

    @Test
    void answerWithAnUnknownIdClosesTheConnection() throws IOException {
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> echoOffset(rq, 16, rq.id() + 1000), false);
             Transport t = new Transport(config(peer.address()))) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> t.call(read(0, 16)));
            assertTrue(e.getMessage().contains("unknown request id"), e.getMessage());
        }
    }

    @Test
    void answerToAnotherOpcodeClosesTheConnection() throws IOException {
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> ResponseHeader.of(Opcode.WRITE_OBJ, 1, rq.id(),
                Result.SUCCESS, 0, new ObjResponse(0, 0)).encode(), false);
             Transport t = new Transport(config(peer.address()))) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> t.call(read(0, 16)));
            assertTrue(e.getMessage().contains("with opcode WRITE_OBJ"), e.getMessage());
        }
    }

    @Test
    void silentPeerTimesOut() throws IOException {
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> new byte[0], false);
             Transport t = new Transport(config(peer.address()).withRequestTimeout(Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            ConnectionException e = assertThrows(ConnectionException.class, () -> t.call(read(0, 16)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(e.getMessage().contains("no answer"), e.getMessage());
            assertTrue(ms >= 300 && ms < 3000, ms + " ms");
        }
    }

    /**
     * A pipelined batch whose answers come one by one, 100 ms apart, takes 3 s, three times the
     * 1 s request timeout: it succeeds, since the timeout bounds how long a call goes without an
     * answer (each answer starts it again), not the whole batch.
     */
    @Test
    void aBatchWhoseAnswersKeepComingOutlastsTheRequestTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (java.net.Socket s = server.accept()) {
                    java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                    while (true) {
                        byte[] h = new byte[RequestHeader.SIZE];
                        in.readFully(h);
                        RequestHeader rq = RequestHeader.decode(h);
                        Thread.sleep(100);
                        s.getOutputStream().write(echoOffset(rq, rq.dataLength(), rq.id()));
                        s.getOutputStream().flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the client went away
                }
            }, "trickling-peer");
            peer.setDaemon(true);
            peer.start();
            InetSocketAddress a = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            try (Transport t = new Transport(config(a).withRequestTimeout(Duration.ofSeconds(1)))) {
                List<Request> batch = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    batch.add(read(i, 16));
                }
                long start = System.nanoTime();
                List<Response> rs = t.callAll(batch);
                long ms = (System.nanoTime() - start) / 1_000_000;
                for (int i = 0; i < 30; i++) {
                    assertEquals((byte) i, rs.get(i).data()[0]);
                }
                assertTrue(ms >= 2500, "the batch took " + ms + " ms");
            }
        }
    }

    @Test
    void outOfOrderAnswersReachTheirCallers() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> echoOffset(rq, rq.dataLength(), rq.id()), true);
             Transport t = new Transport(config(peer.address()))) {
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                batch.add(read(i, 100 + i));
            }
            List<Response> answers = t.callAll(batch);
            for (int i = 0; i < 200; i++) {
                assertEquals(100 + i, answers.get(i).data().length);
                assertEquals((byte) i, answers.get(i).data()[0]);
            }
            assertTrue(peer.maxBatch() > 1, "peer saw batches of " + peer.maxBatch());
            // and from many threads at once, over the pool
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Response>> fs = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    int off = i;
                    fs.add(pool.submit(() -> t.call(read(off, 1 + off % 50))));
                }
                for (int i = 0; i < 400; i++) {
                    Response r = fs.get(i).get();
                    assertEquals(1 + i % 50, r.data().length);
                    assertEquals((byte) i, r.data()[0]);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void failsOverToTheNextGateway() throws IOException {
        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> echoOffset(rq, rq.dataLength(), rq.id()), false);
             Transport t = new Transport(config(dead, peer.address()))) {
            assertEquals(7, t.call(read(7, 32)).data()[0]);
            assertEquals(peer.address(), t.gateway());
        }
    }

    @Test
    void requestsInFlightAreResentWhenTheGatewayDropsThem() throws IOException {
        try (ScriptedPeer dropper = new ScriptedPeer((rq, p) -> null, false);
             ScriptedPeer good = new ScriptedPeer((rq, p) -> echoOffset(rq, rq.dataLength(), rq.id()), false);
             Transport t = new Transport(config(dropper.address(), good.address()))) {
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(read(i, 8));
            }
            List<Response> answers = t.callAll(batch);
            for (int i = 0; i < 10; i++) {
                assertEquals((byte) i, answers.get(i).data()[0]);
            }
            assertTrue(dropper.requests() >= 1);
            assertEquals(10, good.requests());
        }
    }

    @Test
    void lastGatewayFailingIsReported() throws IOException {
        try (ScriptedPeer dropper = new ScriptedPeer((rq, p) -> null, false);
             Transport t = new Transport(config(dropper.address()))) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> t.call(read(0, 8)));
            assertTrue(e.getMessage().contains("127.0.0.1:" + dropper.address().getPort()), e.getMessage());
        }
    }

    @Test
    void switchGatewayRefusesAnUnreachableSheep() throws IOException {
        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
        try (ScriptedPeer peer = new ScriptedPeer((rq, p) -> echoOffset(rq, rq.dataLength(), rq.id()), false);
             Transport t = new Transport(config(peer.address()))) {
            assertThrows(ConnectionException.class, () -> t.switchGateway(dead));
            assertEquals(peer.address(), t.gateway());
            assertEquals(3, t.call(read(3, 4)).data()[0]);
        }
    }
}
