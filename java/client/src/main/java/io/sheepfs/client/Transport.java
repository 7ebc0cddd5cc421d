package io.sheepfs.client;

import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport of the Sheepdog client: a pool of multiplexed connections to the current
 * gateway, timeouts, and failover to the next gateway when a connection fails. Requests that
 * failed with a connection error are resent on the next gateway; results from sheep (NO_VDI,
 * ...) are answers, not failures, and are never retried. High-level calls are in
 * {@link SheepClient}.
 */
public final class Transport implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

    private final Object lock = new Object();
    private volatile ClientConfig config;
    private int current;
    private ConnectionPool pool;
    private boolean closed;
    private volatile GatewayGuard guard = GatewayGuard.ANY;
    private final Set<InetSocketAddress> admitted = ConcurrentHashMap.newKeySet();
    private final Set<InetSocketAddress> refused = ConcurrentHashMap.newKeySet();

    public Transport(ClientConfig config) {
        this.config = config;
        this.pool = newPool(config.gateways().get(0));
    }

    /** The gateway requests currently go to. */
    public InetSocketAddress gateway() {
        synchronized (lock) {
            return pool.address();
        }
    }

    public ClientConfig config() {
        return config;
    }

    /**
     * From now on, a gateway not in {@code known} is used only once {@code g} admits it
     * (see {@link GatewayGuard}); one it refuses is skipped by failover.
     */
    public void guard(GatewayGuard g, Collection<InetSocketAddress> known) {
        admitted.addAll(known);
        guard = g;
    }

    /** Gateways the guard refused (never used). */
    public Set<InetSocketAddress> refusedGateways() {
        return Set.copyOf(refused);
    }

    /**
     * Makes {@code gateway} the first gateway (keeping the others as fall-backs) once it accepts
     * a connection; if it does not, nothing changes.
     */
    public void switchGateway(InetSocketAddress gateway) throws ConnectionException {
        ConnectionPool candidate = newPool(gateway);
        try {
            candidate.connection();
        } catch (ConnectionException e) {
            candidate.close();
            throw e;
        }
        List<InetSocketAddress> list = new ArrayList<>();
        list.add(gateway);
        for (InetSocketAddress g : config.gateways()) {
            if (!g.equals(gateway)) {
                list.add(g);
            }
        }
        ConnectionPool old;
        synchronized (lock) {
            config = config.withGateways(list);
            current = 0;
            admitted.add(gateway); // chosen explicitly (config/sheep_info checks it first)
            refused.remove(gateway);
            old = pool;
            pool = candidate;
        }
        old.close();
        LOG.info("gateway switched to {}", SheepConnection.text(gateway));
    }

    /** Sends one request and waits for its response (any result). */
    public Response call(Request request) throws ConnectionException {
        return callAll(List.of(request)).get(0);
    }

    /**
     * Sends all requests pipelined on one connection and waits for all responses (any result),
     * returned in request order. On a connection failure, the requests not answered yet are
     * resent on the next gateway; after every gateway failed, the last failure is thrown.
     */
    public List<Response> callAll(List<Request> requests) throws ConnectionException {
        Response[] out = new Response[requests.size()];
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            todo.add(i);
        }
        int attempts = config.gateways().size() + 1;
        ConnectionException last = null;
        // the request timeout bounds how long the whole call may go without an answer, every
        // resend included (a silent gateway used to cost a full timeout per attempt); each
        // attempt gets its share of it. An answer starts both again: a big pipelined batch
        // (vdi/list of thousands of VDIs, 64 MiB of reads) may take longer while answers flow.
        long timeout = config.requestTimeout().toNanos();
        long end = System.nanoTime() + timeout;
        long share = Math.max(timeout / attempts, TimeUnit.SECONDS.toNanos(1));
        for (int attempt = 0; attempt < attempts && !todo.isEmpty() && (attempt == 0 || System.nanoTime() < end);
                attempt++) {
            ConnectionPool p = currentPool();
            try {
                admit(p.address());
                // large batches are spread over the pool's connections, so that sheep (which
                // reads one connection's requests in order) can take them in on several threads
                int lanes = todo.size() >= 64 ? config.poolSize() : 1;
                SheepConnection[] conns = new SheepConnection[lanes];
                List<List<CompletableFuture<Response>>> sent = new ArrayList<>(lanes);
                int per = (todo.size() + lanes - 1) / lanes;
                for (int l = 0; l < lanes; l++) {
                    conns[l] = p.connection();
                    List<Request> batch = new ArrayList<>(per);
                    for (int k = l * per; k < Math.min(todo.size(), (l + 1) * per); k++) {
                        batch.add(requests.get(todo.get(k)));
                    }
                    sent.add(conns[l].sendAll(batch));
                }
                List<Integer> failed = new ArrayList<>();
                long deadline = Math.min(end, System.nanoTime() + share);
                for (int l = 0; l < lanes; l++) {
                    List<CompletableFuture<Response>> futures = sent.get(l);
                    for (int k = 0; k < futures.size(); k++) {
                        int index = todo.get(l * per + k);
                        try {
                            out[index] = await(conns[l], futures.get(k), deadline);
                            long now = System.nanoTime();
                            end = now + timeout;
                            deadline = Math.min(end, now + share);
                        } catch (ConnectionException e) {
                            last = e;
                            failed.add(index);
                        }
                    }
                }
                todo = failed;
            } catch (ConnectionException e) {
                last = e;
            }
            if (!todo.isEmpty()) {
                failOver(p, last);
            }
        }
        if (!todo.isEmpty()) {
            throw last;
        }
        return List.of(out);
    }

    /** Waits for {@code f} at most {@code timeout}; on timeout the connection is declared dead. */
    static Response await(SheepConnection c, CompletableFuture<Response> f, java.time.Duration timeout)
            throws ConnectionException {
        return await(c, f, System.nanoTime() + timeout.toNanos(), timeout);
    }

    private Response await(SheepConnection c, CompletableFuture<Response> f, long deadline)
            throws ConnectionException {
        return await(c, f, deadline, config.requestTimeout());
    }

    private static Response await(SheepConnection c, CompletableFuture<Response> f, long deadline,
                                  java.time.Duration timeout) throws ConnectionException {
        try {
            long wait = Math.max(0, deadline - System.nanoTime());
            return f.get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            ConnectionException ce = new ConnectionException("no answer from " + SheepConnection.text(c.address())
                    + " within " + timeout.toMillis() + " ms");
            c.fail(ce);
            throw ce;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ConnectionException ce) {
                throw ce;
            }
            throw new ConnectionException("request failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting for " + SheepConnection.text(c.address()), e);
        }
    }

    /** Asks the guard about a gateway not used before; throws (so that the requests fail over) unless admitted. */
    private void admit(InetSocketAddress gateway) throws ConnectionException {
        if (admitted.contains(gateway)) {
            return;
        }
        if (!guard.admits(gateway)) {
            refused.add(gateway);
            throw new ConnectionException("gateway " + SheepConnection.text(gateway)
                    + " is refused: not a sheep of this cluster");
        }
        admitted.add(gateway);
    }

    private ConnectionPool currentPool() throws ConnectionException {
        synchronized (lock) {
            if (closed) {
                throw new ConnectionException("client is closed");
            }
            return pool;
        }
    }

    /** After a failure on pool {@code failed}: move on to the next gateway (once per failure). */
    private void failOver(ConnectionPool failed, ConnectionException why) {
        ConnectionPool old = null;
        synchronized (lock) {
            if (closed || pool != failed) {
                return; // someone else already moved on
            }
            List<InetSocketAddress> gws = config.gateways();
            if (gws.size() > 1) {
                // the next gateway the guard did not refuse (back to this one if all others were)
                for (int k = 0; k < gws.size(); k++) {
                    current = (current + 1) % gws.size();
                    if (!refused.contains(gws.get(current))) {
                        break;
                    }
                }
                old = pool;
                pool = newPool(gws.get(current));
                LOG.warn("gateway {} failed ({}); trying {}", SheepConnection.text(old.address()),
                        why == null ? "?" : why.getMessage(), SheepConnection.text(gws.get(current)));
            }
        }
        if (old != null) {
            old.close();
        }
    }

    private ConnectionPool newPool(InetSocketAddress address) {
        return new ConnectionPool(address, config.poolSize(), (int) config.connectTimeout().toMillis());
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            pool.close();
        }
    }
}
