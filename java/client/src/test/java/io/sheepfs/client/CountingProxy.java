package io.sheepfs.client;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.RequestFlags;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a real sheep that parses the Sheepdog framing in both directions and
 * counts requests and how many were in flight at once: the evidence that a client pipelines.
 */
public final class CountingProxy implements Closeable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    public CountingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
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
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean requestsDirection) {
        Thread t = new Thread(() -> {
            try {
                DataInputStream in = new DataInputStream(from.getInputStream());
                OutputStream out = to.getOutputStream();
                byte[] h = new byte[48];
                byte[] buf = new byte[1 << 16];
                while (true) {
                    in.readFully(h);
                    long len = Le.u32(h, 12);
                    boolean hasData = !requestsDirection || (Le.u16(h, 2) & RequestFlags.WRITE) != 0;
                    if (requestsDirection) {
                        requests.incrementAndGet();
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    } else {
                        inFlight.decrementAndGet();
                    }
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
            } catch (IOException e) {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // both ends are going away
                }
            }
        }, "counting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
