package io.sheepfs.client;

import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection to a sheep carrying many requests at once. Each request gets its own id;
 * a reader thread matches responses to requests by id, in whatever order they arrive.
 *
 * <p>Reads are bounded: a response may carry at most the data length its request offered (sheep
 * answers into the request's buffer), so a response announcing more, a response with an id
 * nobody is waiting for, or a response to a different opcode closes the connection with a
 * {@link ConnectionException} naming the fault, and fails every request still in flight.
 */
public final class SheepConnection implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SheepConnection.class);

    private record Pending(Request request, CompletableFuture<Response> future) {
    }

    private final InetSocketAddress address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private volatile ConnectionException closedBy;

    private SheepConnection(InetSocketAddress address, Socket socket) throws IOException {
        this.address = address;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        Thread reader = new Thread(this::readLoop, "sheep-reader-" + address);
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects to {@code address} within {@code connectTimeoutMillis}. */
    public static SheepConnection open(InetSocketAddress address, int connectTimeoutMillis)
            throws ConnectionException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(address, connectTimeoutMillis);
            return new SheepConnection(address, s);
        } catch (IOException e) {
            closeQuietly(s);
            throw new ConnectionException("cannot connect to " + text(address) + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    public boolean isOpen() {
        return closedBy == null;
    }

    /** Requests sent and not answered yet. */
    public int inFlight() {
        return pending.size();
    }

    /** Sends one request; the future completes with its response or a {@link ConnectionException}. */
    public CompletableFuture<Response> send(Request request) {
        return sendAll(List.of(request)).get(0);
    }

    /**
     * Sends all requests back to back (one flush), without waiting for any answer: the way to
     * have many requests in flight at once. Futures are in the order of {@code requests}.
     */
    public List<CompletableFuture<Response>> sendAll(List<Request> requests) {
        List<CompletableFuture<Response>> futures = new ArrayList<>(requests.size());
        sendLock.lock();
        try {
            ConnectionException closed = closedBy;
            for (Request r : requests) {
                CompletableFuture<Response> f = new CompletableFuture<>();
                futures.add(f);
                if (closed != null) {
                    f.completeExceptionally(closed);
                    continue;
                }
                int id = nextId.getAndIncrement();
                pending.put(id, new Pending(r, f));
                RequestHeader h = r.header().withId(id);
                out.write(h.encode());
                if (r.payload().length > 0) {
                    out.write(r.payload());
                }
            }
            if (closed == null) {
                out.flush();
            }
        } catch (IOException e) {
            fail(new ConnectionException("send to " + text(address) + " failed: " + e.getMessage(), e));
        } finally {
            sendLock.unlock();
        }
        if (closedBy != null) {
            // the connection died while we were sending: nobody will answer what we registered
            sweep();
        }
        return futures;
    }

    /** Closes the connection; requests in flight fail with {@code reason}. */
    public void fail(ConnectionException reason) {
        synchronized (this) {
            if (closedBy == null) {
                closedBy = reason;
            }
        }
        closeQuietly(socket);
        sweep();
    }

    private void sweep() {
        ConnectionException reason = closedBy;
        for (Integer id : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.future().completeExceptionally(reason);
            }
        }
    }

    @Override
    public void close() {
        fail(new ConnectionException("connection to " + text(address) + " closed"));
    }

    private void readLoop() {
        byte[] header = new byte[ResponseHeader.SIZE];
        try {
            while (closedBy == null) {
                readFully(header);
                ResponseHeader h = ResponseHeader.decode(header);
                Pending p = pending.get(h.id());
                if (p == null) {
                    throw new ConnectionException(text(address) + " answered unknown request id "
                            + Integer.toUnsignedString(h.id()));
                }
                if (h.opcode() != p.request().opcode()) {
                    throw new ConnectionException(text(address) + " answered " + Opcode.name(p.request().opcode())
                            + " (id " + h.id() + ") with opcode " + Opcode.name(h.opcode()));
                }
                if (h.dataLength() > p.request().responseLimit()) {
                    throw new ConnectionException(text(address) + ": response to " + Opcode.name(h.opcode())
                            + " announces " + h.dataLength() + " bytes but the request offered only "
                            + p.request().responseLimit());
                }
                byte[] data = new byte[(int) h.dataLength()];
                readFully(data);
                pending.remove(h.id());
                p.future().complete(new Response(h, data));
            }
        } catch (ConnectionException e) {
            LOG.warn("closing connection: {}", e.getMessage());
            fail(e);
        } catch (IOException e) {
            fail(new ConnectionException("connection to " + text(address) + " lost: " + e.getMessage(), e));
        } catch (RuntimeException e) {
            fail(new ConnectionException("malformed response from " + text(address) + ": " + e, e));
        }
    }

    private void readFully(byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                throw new EOFException(off == 0 && b.length == ResponseHeader.SIZE
                        ? "closed by peer" : "closed by peer in the middle of a response");
            }
            off += n;
        }
    }

    static String text(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return host + ":" + a.getPort();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing left to do with a socket that fails to close
        }
    }
}
