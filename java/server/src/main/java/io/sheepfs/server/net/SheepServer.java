package io.sheepfs.server.net;

import io.sheepfs.server.Sheep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Accepts connections and runs one {@link Connection} reader per client over a shared worker pool. */
public final class SheepServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SheepServer.class);
    private static final int WORKERS = 32;

    private final Sheep sheep;
    private final ServerSocket listener;
    private final ExecutorService workers;
    private final MemoryBudget budget = new MemoryBudget(Limits.BUDGET_BYTES);
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final int stallTimeoutMillis;
    private final Thread acceptor;
    private final AtomicInteger threadNo = new AtomicInteger();
    private final ScheduledExecutorService watchdog;
    private volatile boolean closing;

    public SheepServer(Sheep sheep, InetSocketAddress bind, int stallTimeoutMillis) throws IOException {
        this.sheep = sheep;
        this.stallTimeoutMillis = stallTimeoutMillis;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(bind, 128);
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> daemon(r, "sheep-worker-" + threadNo.incrementAndGet()));
        this.acceptor = daemon(this::acceptLoop, "sheep-accept");
        acceptor.start();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sheep-watchdog"));
        watchdog.scheduleWithFixedDelay(this::checkStalls, 250, 250, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void checkStalls() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            c.checkStalledWriter(now);
        }
    }

    private void acceptLoop() {
        while (!closing) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!closing) {
                    LOG.error("accept failed: {}", e.toString());
                }
                return;
            }
            if (connections.size() >= Limits.MAX_CONNECTIONS) {
                LOG.warn("too many connections ({}); refusing {}", connections.size(), s.getRemoteSocketAddress());
                closeQuietly(s);
                continue;
            }
            Connection[] self = new Connection[1];
            self[0] = new Connection(s, sheep, workers, budget, stallTimeoutMillis,
                    () -> connections.remove(self[0]));
            connections.add(self[0]);
            daemon(self[0], "sheep-conn-" + s.getPort()).start();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** Stops accepting, lets in-flight requests finish (bounded wait), closes every connection. */
    @Override
    public void close() {
        closing = true;
        watchdog.shutdownNow();
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("requests still running after 30 s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : connections) {
            c.awaitAnswers(2000); // answers of finished requests still go out
            c.close();
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
