package io.sheepfs.client;

import java.net.InetSocketAddress;

/**
 * Decides whether a {@link Transport} may send requests to a gateway it has not used before,
 * e.g. that the sheep there belongs to the cluster it already talks to. Asked once per gateway,
 * when the transport first moves to it.
 */
@FunctionalInterface
public interface GatewayGuard {
    /** Admits every gateway. */
    GatewayGuard ANY = gateway -> true;

    /**
     * True to admit {@code gateway}; false to refuse it for good (requests then go to the next
     * gateway, and failover skips it from then on).
     *
     * @throws ConnectionException if it cannot tell now (the gateway does not answer): it is asked
     *                             again the next time the transport moves there
     */
    boolean admits(InetSocketAddress gateway) throws ConnectionException;
}
