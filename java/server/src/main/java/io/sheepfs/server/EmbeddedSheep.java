package io.sheepfs.server;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.server.net.SheepServer;
import io.sheepfs.server.store.StoreLock;
import io.sheepfs.server.store.StoreLockedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;

/**
 * A running single-node sheep, started in-process: {@code EmbeddedSheep.start(config)}. With
 * port 0 it listens on a free port and advertises that real address/port in its node list.
 */
public final class EmbeddedSheep implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSheep.class);

    private final Sheep sheep;
    private final SheepServer server;
    private final StoreLock lock;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private EmbeddedSheep(Sheep sheep, SheepServer server, StoreLock lock) {
        this.sheep = sheep;
        this.server = server;
        this.lock = lock;
    }

    /**
     * Takes the store directory (created if missing) for this sheep alone and serves it; fails
     * with {@link StoreLockedException} if another sheep, in this process or another, has it.
     */
    public static EmbeddedSheep start(ServerConfig config) throws IOException {
        Files.createDirectories(config.dir());
        StoreLock lock = StoreLock.acquire(config.dir());
        try {
            Sheep sheep = new Sheep(config.dir(), config.sync());
            InetAddress addr = InetAddress.getByName(config.address());
            SheepServer server = new SheepServer(sheep, new InetSocketAddress(addr, config.port()),
                    (int) Math.min(Integer.MAX_VALUE, config.stallTimeout().toMillis()));
            InetAddress advertised = addr.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : addr;
            sheep.advertise(NodeAddress.of(advertised), server.port());
            LOG.debug("sheep on {}:{} over {}", advertised.getHostAddress(), server.port(), config.dir());
            return new EmbeddedSheep(sheep, server, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** The node itself, for tests that inspect state directly. */
    public Sheep sheep() {
        return sheep;
    }

    /** Stops accepting, lets requests in flight finish, closes every connection. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.close();
            lock.close();
        }
    }
}
