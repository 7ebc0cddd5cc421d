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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One client connection. A reader thread takes requests off the socket and hands each to the
 * shared worker pool; workers queue their answers for this connection's writer thread, which
 * sends them as they complete (pipelined requests may be answered out of order, matched by id).
 * A client that stops reading therefore blocks only its own writer, never the workers.
 * Small reads, and small writes that do not wait for a device (a store in memory, or --nosync),
 * are the exception: the reader serves and answers them itself, since two thread hand-offs cost
 * more than the copy to or from the page cache (a write that waits for a disk's flush stays with
 * the workers, whose flushes can overlap). A client that stops reading then stops its own
 * reader too, which is the back-pressure it asked for.
 * Inline answers are buffered while more requests are already here, but go out every
 * {@link #FLUSH_EVERY} answers and whenever the reader is about to wait for the network: holding a
 * whole batch until its end made client and server take turns, each idle while the other worked.
 * The measurements behind both choices: docs/DESIGN.md, "The embedded sheep".
 * Malformed framing, a stall inside a message or a stalled reader closes this connection only.
 */
final class Connection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    /** An answer waiting to be written, and the buffer memory it holds until then. */
    private record Outgoing(RequestHeader request, Reply reply, long reserve) {
    }

    /** Reads and writes up to this size are served by the reader thread (see the class comment). */
    static final int INLINE_MAX = 64 << 10;

    /** A batch of inline answers goes out in groups of this many (see the class comment; 3-6 measured alike). */
    static final int FLUSH_EVERY = 4;

    private final Socket socket;
    /** Answers go out under this lock: the writer thread and the reader (inline answers) share the stream. */
    private final Object outLock = new Object();
    private OutputStream out;
    private final Sheep sheep;
    /** Small writes are served inline (see the class comment). */
    private final boolean inlineWrites;
    private final ExecutorService workers;
    private final MemoryBudget budget;
    private final int stallTimeoutMillis;
    private final Semaphore inFlight = new Semaphore(Limits.MAX_IN_FLIGHT);
    private final MemoryBudget own = new MemoryBudget(Limits.CONNECTION_BUDGET_BYTES);
    private final BlockingQueue<Outgoing> answers = new LinkedBlockingQueue<>();
    private final String peer;
    private final Runnable onClose;
    private volatile boolean readerDone;
    /** System.nanoTime() when the writer started its current write, 0 when it is not writing. */
    private volatile long writingSince;
    /** Inline answers in the buffer, not yet flushed (the reader thread only). */
    private int unflushed;

    Connection(Socket socket, Sheep sheep, ExecutorService workers, MemoryBudget budget, int stallTimeoutMillis,
               Runnable onClose) {
        this.socket = socket;
        this.sheep = sheep;
        this.inlineWrites = !sheep.store().writesWaitForDevice();
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

    /** Closes the connection if its client has not taken a response for longer than the stall timeout. */
    void checkStalledWriter(long now) {
        long since = writingSince;
        if (since != 0 && now - since > TimeUnit.MILLISECONDS.toNanos(stallTimeoutMillis) && !socket.isClosed()) {
            LOG.warn("{}: client stopped reading responses for {} ms; closing", peer, stallTimeoutMillis);
            close();
        }
    }

    /** Starts the writer, then reads requests until EOF or an error. */
    @Override
    public void run() {
        Thread writer = new Thread(this::writeLoop, Thread.currentThread().getName() + "-w");
        writer.setDaemon(true);
        try {
            socket.setTcpNoDelay(true);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            writer.start();
            readLoop(new BufferedInputStream(socket.getInputStream(), 1 << 16));
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
            readerDone = true;
            awaitAnswers(2000);
            close();
            onClose.run();
        }
    }

    /** Gives the writer a bounded time to send what was already admitted (graceful stop, client EOF). */
    void awaitAnswers(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (inFlight.availablePermits() < Limits.MAX_IN_FLIGHT && !socket.isClosed() && System.nanoTime() < end) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void readLoop(InputStream in) throws IOException, InterruptedException {
        byte[] hb = new byte[RequestHeader.SIZE];
        while (true) {
            // idle between requests is fine (pooled connections); stalling inside one is not
            socket.setSoTimeout(0);
            // about to wait for the client: nothing of ours may wait with us (available() asks the socket: only when needed)
            if (unflushed > 0 && in.available() < RequestHeader.SIZE) {
                flushInline();
            }
            int first = in.read();
            if (first < 0) {
                return; // clean EOF between requests
            }
            hb[0] = (byte) first;
            socket.setSoTimeout(stallTimeoutMillis);
            readFully(in, hb, 1, RequestHeader.SIZE - 1, "header");
            if (!admit(RequestHeader.decode(hb), in)) {
                return;
            }
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
        inFlight.acquire();
        if (!h.hasPayload() && dl > Limits.maxResponse(h.opcode())) {
            LOG.warn("{}: {} asks for {} bytes (limit {}): INVALID_PARMS", peer, Opcode.name(h.opcode()), dl,
                    Limits.maxResponse(h.opcode()));
            answers.add(new Outgoing(h, Reply.of(Result.INVALID_PARMS), 0));
            return true;
        }
        long reserve = h.hasPayload() || h.opcode() == Opcode.READ_OBJ || h.opcode() == Opcode.READ_PEER ? dl : 0;
        own.acquire(reserve);
        budget.acquire(reserve);
        boolean queued = false;
        try {
            byte[] payload = null;
            if (h.hasPayload()) {
                if (unflushed > 0 && in.available() < dl) {
                    flushInline();
                }
                payload = new byte[(int) dl];
                readFully(in, payload, 0, (int) dl, "payload");
            }
            if (servedInline(h, inlineWrites)) {
                queued = true; // answerNow releases the reservation
                answerNow(new Outgoing(h, sheep.handle(h, payload), reserve), ++unflushed >= FLUSH_EVERY);
                return !socket.isClosed();
            }
            byte[] p = payload;
            workers.execute(() -> answers.add(new Outgoing(h, sheep.handle(h, p), reserve)));
            queued = true;
            return true;
        } catch (RejectedExecutionException e) {
            return false; // the server is stopping
        } finally {
            if (!queued) {
                release(reserve);
            }
        }
    }

    private static boolean servedInline(RequestHeader h, boolean inlineWrites) {
        return switch (h.opcode()) {
            case Opcode.READ_OBJ, Opcode.READ_PEER -> !h.hasPayload() && h.dataLength() <= INLINE_MAX;
            case Opcode.WRITE_OBJ, Opcode.WRITE_PEER -> inlineWrites && h.hasPayload() && h.dataLength() <= INLINE_MAX;
            default -> false;
        };
    }

    /** Writes one answer from the calling thread (the reader, for what it serves inline). */
    private void answerNow(Outgoing o, boolean flush) {
        try {
            synchronized (outLock) {
                if (!socket.isClosed()) {
                    writingSince = System.nanoTime();
                    send(out, o.request(), o.reply(), flush);
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: response lost: {}", peer, e.toString());
            close();
        } finally {
            writingSince = 0;
            if (flush) {
                unflushed = 0;
            }
            release(o.reserve());
        }
    }

    /** Sends the inline answers still in the buffer (the reader, before it waits for the network). */
    private void flushInline() {
        unflushed = 0;
        try {
            synchronized (outLock) {
                if (!socket.isClosed()) {
                    writingSince = System.nanoTime();
                    out.flush();
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: responses lost: {}", peer, e.toString());
            close();
        } finally {
            writingSince = 0;
        }
    }

    /** Sends answers until the reader is gone and every admitted request has been answered or dropped. */
    private void writeLoop() {
        while (true) {
            Outgoing o;
            try {
                o = answers.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (o == null) {
                if (readerDone && inFlight.availablePermits() == Limits.MAX_IN_FLIGHT) {
                    return;
                }
                continue;
            }
            try {
                synchronized (outLock) {
                    if (!socket.isClosed()) {
                        writingSince = System.nanoTime();
                        send(out, o.request(), o.reply(), answers.isEmpty());
                    }
                }
            } catch (IOException e) {
                LOG.debug("{}: response lost: {}", peer, e.toString());
                close();
            } finally {
                writingSince = 0;
                release(o.reserve());
            }
        }
    }

    private void release(long reserve) {
        budget.release(reserve);
        own.release(reserve);
        inFlight.release();
    }

    private void send(OutputStream out, RequestHeader h, Reply r, boolean flush) throws IOException {
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
        out.write(ResponseHeader.reply(h, sheep.epoch(), r.result(), n, r.body()).encode());
        if (n > 0) {
            out.write(data, 0, n);
        }
        if (flush) {
            out.flush(); // while more answers are queued they join this one in the buffer
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
