package io.sheepfs.client;

import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A few multiplexed connections to one gateway, used round-robin. A closed connection is
 * replaced the next time its slot is picked.
 */
final class ConnectionPool implements Closeable {
    private final InetSocketAddress address;
    private final int connectTimeoutMillis;
    private final SheepConnection[] slots;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    ConnectionPool(InetSocketAddress address, int size, int connectTimeoutMillis) {
        if (size < 1) {
            throw new IllegalArgumentException("pool size " + size);
        }
        this.address = address;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.slots = new SheepConnection[size];
    }

    InetSocketAddress address() {
        return address;
    }

    /** An open connection (opening one if its slot is empty or dead). */
    SheepConnection connection() throws ConnectionException {
        int i = Math.floorMod(next.getAndIncrement(), slots.length);
        synchronized (slots) {
            if (closed) {
                throw new ConnectionException("pool for " + SheepConnection.text(address) + " is closed");
            }
            SheepConnection c = slots[i];
            if (c == null || !c.isOpen()) {
                c = SheepConnection.open(address, connectTimeoutMillis);
                slots[i] = c;
            }
            return c;
        }
    }

    @Override
    public void close() {
        synchronized (slots) {
            closed = true;
            for (SheepConnection c : slots) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }
}
