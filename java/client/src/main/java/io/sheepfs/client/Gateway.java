package io.sheepfs.client;

import java.net.InetSocketAddress;

/**
 * One sheep to talk to, as the command line names it: a host name or address literal (IPv6
 * without brackets) and a port. {@link #toString} is its text in a gateway list: "h:p", or
 * "[v6]:p" for an IPv6 literal, which {@link GatewayList#parse} reads back.
 */
public record Gateway(String host, int port) {
    public Gateway {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range (1-65535)");
        }
    }

    /** The socket address; unresolved (connecting to it fails) when the name does not resolve. */
    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
