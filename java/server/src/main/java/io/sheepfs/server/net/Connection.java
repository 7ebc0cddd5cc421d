package io.sheepfs.server.net;

import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.server.Reply;
import io.sheepfs.server.Sheep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * One client connection: a reader thread takes requests off the socket and hands each to the
 * worker pool; responses are written as they complete (so pipelined requests may be answered out
 * of order, matched by id). Malformed framing closes this connection only.
 */
final class Connection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    private final Socket socket;
    private final Sheep sheep;
    private final ExecutorService workers;
    private final MemoryBudget budget;
    private final int stallTimeoutMillis;
    private final Semaphore inFlight = new Semaphore(Limits.MAX_IN_FLIGHT);
    private final Object writeLock = new Object();
    private final String peer;
    private final Runnable onClose;
    private OutputStream out;

    Connection(Socket socket, Sheep sheep, ExecutorService workers, MemoryBudget budget, int stallTimeoutMillis,
               Runnable onClose) {
        this.socket = socket;
        this.sheep = sheep;
        this.workers = workers;
        this.budget = budget;
        this.stallTimeoutMillis = stallTimeoutMillis;
        this.peer = socket.getRemoteSocketAddress().toString();
        this.onClose = onClose;
    }

    void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            byte[] hb = new byte[RequestHeader.SIZE];
            while (true) {
                // idle between requests is fine (pooled connections); stalling inside one is not
                socket.setSoTimeout(0);
                int first = in.read();
                if (first < 0) {
                    return; // clean EOF between requests
                }
                hb[0] = (byte) first;
                socket.setSoTimeout(stallTimeoutMillis);
                readFully(in, hb, 1, RequestHeader.SIZE - 1, "header");
                RequestHeader h = RequestHeader.decode(hb);
                if (!admit(h, in)) {
                    return;
                }
            }
        } catch (EOFException e) {
            LOG.warn("{}: connection closed mid-message ({})", peer, e.getMessage());
        } catch (SocketTimeoutException e) {
            LOG.warn("{}: client stalled for {} ms mid-message; closing", peer, stallTimeoutMillis);
        } catch (IOException e) {
            if (!socket.isClosed()) {
                LOG.debug("{}: {}", peer, e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
            onClose.run();
        }
    }

    /** Reads the payload of {@code h} and queues it; false if the connection must close. */
    private boolean admit(RequestHeader h, InputStream in) throws IOException, InterruptedException {
        long dl = h.dataLength();
        if (h.hasPayload() && dl > Limits.maxPayload(h.opcode())) {
            LOG.warn("{}: {} announces a {}-byte payload (limit {}); closing", peer, Opcode.name(h.opcode()), dl,
                    Limits.maxPayload(h.opcode()));
            return false;
        }
        if (!h.hasPayload() && dl > Limits.maxResponse(h.opcode())) {
            LOG.warn("{}: {} asks for {} bytes (limit {}): INVALID_PARMS", peer, Opcode.name(h.opcode()), dl,
                    Limits.maxResponse(h.opcode()));
            send(h, Reply.of(Result.INVALID_PARMS));
            return true;
        }
        long reserve = h.hasPayload() || h.opcode() == Opcode.READ_OBJ || h.opcode() == Opcode.READ_PEER ? dl : 0;
        inFlight.acquire();
        budget.acquire(reserve);
        boolean queued = false;
        try {
            byte[] payload = null;
            if (h.hasPayload()) {
                payload = new byte[(int) dl];
                readFully(in, payload, 0, (int) dl, "payload");
            }
            byte[] p = payload;
            workers.execute(() -> serve(h, p, reserve));
            queued = true;
            return true;
        } catch (RejectedExecutionException e) {
            return false; // server is stopping
        } finally {
            if (!queued) {
                budget.release(reserve);
                inFlight.release();
            }
        }
    }

    private void serve(RequestHeader h, byte[] payload, long reserve) {
        try {
            Reply r = sheep.handle(h, payload);
            send(h, r);
        } catch (IOException e) {
            LOG.debug("{}: response lost: {}", peer, e.toString());
            close();
        } finally {
            budget.release(reserve);
            inFlight.release();
        }
    }

    private void send(RequestHeader h, Reply r) throws IOException {
        byte[] data = r.data();
        int n = data == null ? 0 : data.length;
        // the answer never exceeds the buffer offered, except the two opcodes sheep overfills
        if (n > h.dataLength() && h.opcode() != Opcode.CLUSTER_INFO && h.opcode() != Opcode.GET_NODE_LIST
                && r.result() != Result.NO_OBJ) {
            n = (int) h.dataLength();
        }
        if (r.result() != Result.SUCCESS && r.result() != Result.NO_OBJ) {
            n = 0;
        }
        ResponseHeader rh = ResponseHeader.reply(h, sheep.epoch(), r.result(), n, r.body());
        synchronized (writeLock) {
            out.write(rh.encode());
            if (n > 0) {
                out.write(data, 0, n);
            }
            out.flush();
        }
    }

    private static void readFully(InputStream in, byte[] b, int off, int len, String what) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                throw new EOFException("truncated " + what + ": " + done + " of " + len + " bytes");
            }
            done += r;
        }
    }
}
