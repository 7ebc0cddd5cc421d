package io.sheepfs.client;

import io.sheepfs.protocol.header.RequestHeader;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP peer on loopback that answers Sheepdog requests with whatever its {@link Handler}
 * scripts: recorded corpus answers, or deliberately broken ones. It reads every request that
 * has already arrived before answering, and can answer such a batch in reverse order, so a
 * client that assumes in-order answers fails against it.
 */
public final class ScriptedPeer implements Closeable {
    /** Produces the raw bytes sent back for one request (null = send nothing, close the connection). */
    @FunctionalInterface
    public interface Handler {
        byte[] answer(RequestHeader request, byte[] payload) throws IOException;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final boolean reverse;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger maxBatch = new AtomicInteger();

    public ScriptedPeer(Handler handler, boolean reverse) throws IOException {
        this.handler = handler;
        this.reverse = reverse;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "scripted-peer");
        t.setDaemon(true);
        t.start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    public int connections() {
        return connections.get();
    }

    public int requests() {
        return requests.get();
    }

    /** The most requests seen arrived together before an answer (evidence of pipelining). */
    public int maxBatch() {
        return maxBatch.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "scripted-peer-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            OutputStream out = s.getOutputStream();
            while (true) {
                List<byte[]> answers = new ArrayList<>();
                do {
                    byte[] h = new byte[RequestHeader.SIZE];
                    in.readFully(h);
                    RequestHeader req = RequestHeader.decode(h);
                    byte[] payload = new byte[req.hasPayload() ? (int) req.dataLength() : 0];
                    in.readFully(payload);
                    requests.incrementAndGet();
                    byte[] a = handler.answer(req, payload);
                    if (a == null) {
                        flush(out, answers);
                        return;
                    }
                    answers.add(a);
                } while (in.available() >= RequestHeader.SIZE);
                maxBatch.accumulateAndGet(answers.size(), Math::max);
                flush(out, answers);
            }
        } catch (IOException e) {
            // client went away
        }
    }

    private void flush(OutputStream out, List<byte[]> answers) throws IOException {
        for (int i = 0; i < answers.size(); i++) {
            out.write(answers.get(reverse ? answers.size() - 1 - i : i));
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
