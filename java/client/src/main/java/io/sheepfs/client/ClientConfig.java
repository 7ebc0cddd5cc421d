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
 * @param requestTimeout how long one request may stay unanswered before its connection is
 *                       declared dead
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

    /** One gateway, 2 connections, 5 s connect and 30 s request timeouts. */
    public static ClientConfig of(InetSocketAddress gateway) {
        return new ClientConfig(List.of(gateway), 2, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    public ClientConfig withGateways(List<InetSocketAddress> newGateways) {
        return new ClientConfig(newGateways, poolSize, connectTimeout, requestTimeout);
    }

    public ClientConfig withRequestTimeout(Duration timeout) {
        return new ClientConfig(gateways, poolSize, connectTimeout, timeout);
    }
}
