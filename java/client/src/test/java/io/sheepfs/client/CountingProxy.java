package io.sheepfs.client;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.header.PlainResponse;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP proxy in front of a real sheep that parses the Sheepdog framing in both directions and
 * counts requests and how many were in flight at once: the evidence that a client pipelines.
 * With a cost per byte it holds every answer back for that long per byte the request moved,
 * each request on its own: a cluster that serves requests in parallel but big ones slowly (as a
 * multi-node sheep 1.0 did), so that splitting a request pays. And it can hold the answers to
 * chosen requests until told (see {@link #holdAnswers}), letting every other answer pass, or
 * refuse chosen requests itself, as a sheep that failed them (see {@link #refuse}).
 */
public final class CountingProxy implements Closeable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final long nanosPerByte;
    private final ScheduledExecutorService later;
    private volatile Predicate<byte[]> gate; // requests (their 48-byte header) whose answer waits
    private final List<Runnable> held = new ArrayList<>(); // guarded by itself
    private final AtomicInteger gated = new AtomicInteger();
    private volatile Predicate<byte[]> refusing; // requests answered here with refuseResult
    private volatile int refuseResult;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Runnable beforeClose; // run by close() while the proxy still forwards

    public CountingProxy(InetSocketAddress target) throws IOException {
        this(target, 0);
    }

    /** {@code nanosPerByte}: how long each answer is held back per byte its request moved. */
    public CountingProxy(InetSocketAddress target, long nanosPerByte) throws IOException {
        this.target = target;
        this.nanosPerByte = nanosPerByte;
        this.later = nanosPerByte > 0 ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "counting-proxy-later");
            t.setDaemon(true);
            return t;
        }) : null;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "counting-proxy");
        t.setDaemon(true);
        t.start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    public int requests() {
        return requests.get();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /**
     * From now on, the answers to the requests whose header matches wait until {@link #release};
     * all other answers pass as before, in the order sheep sends them.
     */
    public void holdAnswers(Predicate<byte[]> which) {
        gate = which;
    }

    /**
     * From now on (until called with null), the requests whose header matches never reach sheep:
     * the proxy answers them with {@code result} (a Sheepdog result code) and no data.
     */
    public void refuse(Predicate<byte[]> which, int result) {
        refuseResult = result;
        refusing = which;
    }

    /** Requests refused so far. */
    public int refusedRequests() {
        return refused.get();
    }

    /** Requests seen that matched the gate (their answers held or released). */
    public int gatedRequests() {
        return gated.get();
    }

    /** Sends the held answers and stops holding. */
    public void release() {
        releaseAndHold(null);
    }

    /** Sends the held answers; from then on holds the answers that {@code next} matches (null: none). */
    public void releaseAndHold(Predicate<byte[]> next) {
        List<Runnable> now;
        synchronized (held) {
            gate = next;
            now = new ArrayList<>(held);
            held.clear();
        }
        now.forEach(Runnable::run);
    }

    /** Starts counting afresh. */
    public void reset() {
        requests.set(0);
        maxInFlight.set(inFlight.get());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true); // as sheep and sheepfs do: no Nagle wait on a small answer
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                Map<Integer, Long> moved = new ConcurrentHashMap<>(); // request id -> its data length
                Map<Integer, Boolean> gatedIds = new ConcurrentHashMap<>(); // requests whose answer waits
                OutputStream toClient = client.getOutputStream(); // answers and refusals: one lock
                pump(client, upstream.getOutputStream(), true, moved, gatedIds, toClient);
                pump(upstream, toClient, false, moved, gatedIds, toClient);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, OutputStream out, boolean requestsDirection, Map<Integer, Long> moved,
                      Map<Integer, Boolean> gatedIds, OutputStream toClient) {
        Thread t = new Thread(() -> {
            try {
                DataInputStream in = new DataInputStream(from.getInputStream());
                byte[] h = new byte[48];
                byte[] buf = new byte[1 << 16];
                while (true) {
                    in.readFully(h);
                    long len = Le.u32(h, 12);
                    boolean hasData = !requestsDirection || (Le.u16(h, 2) & RequestFlags.WRITE) != 0;
                    if (requestsDirection) {
                        requests.incrementAndGet();
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        if (later != null) {
                            moved.put((int) Le.u32(h, 8), len);
                        }
                        Predicate<byte[]> r = refusing;
                        if (r != null && r.test(h)) {
                            in.skipNBytes(hasData ? len : 0);
                            inFlight.decrementAndGet();
                            refused.incrementAndGet();
                            sender(toClient, ResponseHeader.reply(RequestHeader.decode(h), 0, refuseResult, 0,
                                    PlainResponse.INSTANCE).encode()).run();
                            continue;
                        }
                        Predicate<byte[]> g = gate;
                        if (g != null && g.test(h)) {
                            gatedIds.put((int) Le.u32(h, 8), true);
                            gated.incrementAndGet();
                        }
                    } else {
                        inFlight.decrementAndGet();
                        if (gatedIds.remove((int) Le.u32(h, 8)) != null) {
                            hold(in, out, h, len);
                            continue;
                        }
                        if (later != null) {
                            holdBack(in, out, h, len, moved.getOrDefault((int) Le.u32(h, 8), 0L));
                            moved.remove((int) Le.u32(h, 8));
                            continue;
                        }
                    }
                    synchronized (out) { // a released answer goes out whole, between two others
                        out.write(h);
                        for (long left = hasData ? len : 0; left > 0; ) {
                            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                            if (n < 0) {
                                return;
                            }
                            out.write(buf, 0, n);
                            left -= n;
                        }
                        if (in.available() == 0) {
                            out.flush();
                        }
                    }
                }
            } catch (IOException e) {
                try {
                    from.close();
                    out.close();
                } catch (IOException ignored) {
                    // both ends are going away
                }
            }
        }, "counting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** The whole answer whose header is h: the header and its len bytes of data, read now. */
    private static byte[] readAnswer(DataInputStream in, byte[] h, long len) throws IOException {
        if (len > (64 << 20)) {
            throw new IOException("answer too long for the proxy: " + len);
        }
        byte[] answer = Arrays.copyOf(h, 48 + (int) len);
        in.readFully(answer, 48, (int) len);
        return answer;
    }

    /** Sends a whole answer to the client later, between two others. */
    private static Runnable sender(OutputStream out, byte[] answer) {
        return () -> {
            try {
                synchronized (out) {
                    out.write(answer);
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away: nothing to answer
            }
        };
    }

    /** Reads the rest of a gated answer and keeps it for {@link #release}. */
    private void hold(DataInputStream in, OutputStream out, byte[] h, long len) throws IOException {
        Runnable send = sender(out, readAnswer(in, h, len));
        synchronized (held) {
            if (gate != null) {
                held.add(send);
                return;
            }
        }
        send.run(); // released while this answer was on its way
    }

    /** Reads the rest of an answer and sends it once its request's bytes have been "served". */
    private void holdBack(DataInputStream in, OutputStream out, byte[] h, long len, long requestBytes)
            throws IOException {
        later.schedule(sender(out, readAnswer(in, h, len)), nanosPerByte * requestBytes, TimeUnit.NANOSECONDS);
    }

    /**
     * {@code r} runs at the start of {@link #close}, after the held answers are sent and nothing
     * is refused any more, while the proxy still forwards: a mount behind it unmounts there, so
     * that its last requests (lock releases) are answered rather than waiting for a gateway that
     * is gone until their io timeout.
     */
    public void beforeClose(Runnable r) {
        beforeClose = r;
    }

    @Override
    public void close() throws IOException {
        Runnable r = beforeClose;
        beforeClose = null;
        if (r != null) {
            refusing = null;
            release();
            r.run();
        }
        if (later != null) {
            later.shutdownNow();
        }
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
