package io.sheepfs.fs;

import io.sheepfs.client.ConnectionException;
import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.NodeAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** config/page_cache, config/object_cache and config/sheep_info. */
final class ConfigControls {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigControls.class);
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

    private ConfigControls() {
    }

    /** "0\n" or "1\n"; writing "0" or "1" (a newline after it or not) switches it, anything else is EINVAL. */
    static ControlFile flag(String what, AtomicBoolean value) {
        return new ControlFile() {
            @Override
            public byte[] content() {
                return (value.get() ? "1\n" : "0\n").getBytes(StandardCharsets.US_ASCII);
            }

            @Override
            public void write(byte[] data) throws FsException {
                String s = CommandText.line(data);
                if (!s.equals("0") && !s.equals("1")) {
                    throw new FsException(Errno.EINVAL, what + " takes 0 or 1, got " + CommandText.printable(s));
                }
                boolean on = s.equals("1");
                value.set(on);
                LOG.info("{} {}", what, on ? "on" : "off");
            }
        };
    }

    /**
     * "host:port\n" of the current gateway, then, when the mount was given several, a line
     * "gateways: h:p,[v6]:p,..." with all of them in the order failover tries them; writing
     * "ADDR:PORT" (IPv6 as "[ADDR]:PORT" or
     * "ADDR:PORT" split at the last colon) switches to that sheep once it accepts a connection,
     * if it belongs to the mount's cluster ({@link ClusterCheck}: EXDEV if not).
     */
    static ControlFile sheepInfo(SheepClient client, ClusterCheck cluster, Consumer<InetSocketAddress> onSwitch) {
        return new ControlFile() {
            @Override
            public byte[] content() {
                StringBuilder b = new StringBuilder(hostPort(client.gateway(), false)).append('\n');
                java.util.List<InetSocketAddress> all = client.transport().config().gateways();
                if (all.size() > 1) {
                    // the first line stays what it always was (scripts and dog users read it)
                    java.util.List<String> list = new java.util.ArrayList<>();
                    all.forEach(g -> list.add(hostPort(g, true)));
                    b.append("gateways: ").append(String.join(",", list)).append('\n');
                }
                return b.toString().getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public void write(byte[] data) throws FsException {
                InetSocketAddress target = parseAddress(CommandText.line(data).strip());
                cluster.check(target);
                try {
                    client.switchGateway(target);
                } catch (ConnectionException e) {
                    throw new FsException(Errno.ECONNREFUSED, e.getMessage(), e);
                }
                onSwitch.accept(target);
            }
        };
    }

    /** dog's address text ("::1" rather than Java's "0:0:0:0:0:0:0:1"), IPv6 in brackets if asked. */
    private static String hostPort(InetSocketAddress g, boolean brackets) {
        String host = g.getAddress() != null ? NodeAddress.of(g.getAddress()).toString() : g.getHostString();
        return (brackets && host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + g.getPort();
    }

    static InetSocketAddress parseAddress(String s) throws FsException {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new FsException(Errno.EINVAL, "expected ADDR:PORT, got " + CommandText.printable(s));
        }
        String host = s.substring(0, colon);
        String port = s.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new FsException(Errno.EINVAL, "bad port in " + CommandText.printable(s));
        }
        boolean literal = host.indexOf(':') >= 0 || host.matches("[0-9.]+");
        if (!literal && !HOSTNAME.matcher(host).matches()) {
            throw new FsException(Errno.EINVAL, "bad address " + CommandText.printable(s));
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(port));
        } catch (UnknownHostException e) {
            throw new FsException(literal ? Errno.EINVAL : Errno.EHOSTUNREACH,
                    "cannot resolve " + CommandText.printable(host));
        }
    }
}
