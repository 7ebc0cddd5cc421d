package io.sheepfs.client;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link SheepClient} connects.
 *
 * @param gateways       sheep to talk to, in order of preference; the next one is tried when a
 *                       connection fails
 * @param poolSize       multiplexed connections per gateway
 * @param connectTimeout TCP connect limit
 * @param requestTimeout how long one call may stay unanswered, every resend included; each attempt
 *                       gets its share, after which its connection is declared dead
 */
public record ClientConfig(List<InetSocketAddress> gateways, int poolSize, Duration connectTimeout,
                           Duration requestTimeout) {
    public ClientConfig {
        gateways = List.copyOf(gateways);
        if (gateways.isEmpty()) {
            throw new IllegalArgumentException("no gateway given");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1");
        }
    }

    /** One gateway, 2 connections, 3 s connect and 8 s request timeouts: a control call (a mount's
     *  cluster/info, vdi/list) on a silent cluster fails within 10 s instead of hanging. */
    public static ClientConfig of(InetSocketAddress gateway) {
        return new ClientConfig(List.of(gateway), 2, Duration.ofSeconds(3), Duration.ofSeconds(8));
    }

    public ClientConfig withGateways(List<InetSocketAddress> newGateways) {
        return new ClientConfig(newGateways, poolSize, connectTimeout, requestTimeout);
    }

    public ClientConfig withRequestTimeout(Duration timeout) {
        return new ClientConfig(gateways, poolSize, connectTimeout, timeout);
    }
}
