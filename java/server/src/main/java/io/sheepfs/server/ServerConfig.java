package io.sheepfs.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run a node.
 *
 * @param dir          store directory (objects under dir/obj, cluster config in dir/config)
 * @param address      listen address (also advertised in the node list)
 * @param port         listen port; 0 picks a free one
 * @param sync         make every write durable before acknowledging it (false = --nosync)
 * @param stallTimeout how long a client may stall in the middle of a message before it is dropped
 */
public record ServerConfig(Path dir, String address, int port, boolean sync, Duration stallTimeout) {
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range");
        }
    }

    /** Loopback, a free port, durable writes. */
    public static ServerConfig ephemeral(Path dir) {
        return new ServerConfig(dir, "127.0.0.1", 0, true, DEFAULT_STALL_TIMEOUT);
    }

    public ServerConfig withSync(boolean s) {
        return new ServerConfig(dir, address, port, s, stallTimeout);
    }

    public ServerConfig withStallTimeout(Duration d) {
        return new ServerConfig(dir, address, port, sync, d);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(dir, address, p, sync, stallTimeout);
    }
}
