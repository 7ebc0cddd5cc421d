package io.sheepfs.client;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a gateway list as -a takes it: {@code ADDR[:PORT][,ADDR[:PORT]]...}, an IPv6 address
 * as {@code [::1]:7000} (or bare, {@code ::1}, when it has no port), entries without a port on
 * the default port. Bounded: at most {@link #MAX} entries and {@link #MAX_TEXT} characters.
 * Bad input throws {@link GatewayListException} saying what is wrong, and nothing else.
 */
public final class GatewayList {
    /** As many gateways as the native pool is given before the cluster's other nodes. */
    public static final int MAX = 8;
    static final int MAX_TEXT = 4096;
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private GatewayList() {}

    public static List<Gateway> parse(String text, int defaultPort) throws GatewayListException {
        if (text == null || text.isBlank()) {
            throw new GatewayListException("no gateway given");
        }
        if (text.length() > MAX_TEXT) {
            throw new GatewayListException("the gateway list is longer than " + MAX_TEXT + " characters");
        }
        String[] entries = text.split(",", -1);
        if (entries.length > MAX) {
            throw new GatewayListException(entries.length + " gateways given, at most " + MAX + " are allowed");
        }
        Set<Gateway> out = new LinkedHashSet<>();
        for (int i = 0; i < entries.length; i++) {
            Gateway g = entry(entries[i].strip(), i + 1, defaultPort);
            if (!out.add(g)) {
                throw new GatewayListException("gateway " + g + " is listed twice");
            }
        }
        return List.copyOf(new ArrayList<>(out));
    }

    /** The list's text, as {@link #parse} reads it back. */
    public static String format(List<Gateway> gateways) {
        List<String> parts = new ArrayList<>(gateways.size());
        gateways.forEach(g -> parts.add(g.toString()));
        return String.join(",", parts);
    }

    private static Gateway entry(String e, int n, int defaultPort) throws GatewayListException {
        if (e.isEmpty()) {
            throw new GatewayListException("entry " + n + " of the gateway list is empty");
        }
        String host;
        String port = null;
        if (e.startsWith("[")) {
            int close = e.indexOf(']');
            if (close < 0) {
                throw new GatewayListException("unclosed bracket in '" + printable(e) + "'");
            }
            host = e.substring(1, close);
            String rest = e.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new GatewayListException("expected :PORT after ']' in '" + printable(e) + "'");
                }
                port = rest.substring(1);
            }
            if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
                throw new GatewayListException("'" + printable(host) + "' in brackets is not an IPv6 address");
            }
        } else if (e.indexOf(':') != e.lastIndexOf(':')) {
            host = e; // a bare IPv6 address: no port can follow it
            if (!IPV6.matcher(host).matches()) {
                throw new GatewayListException("'" + printable(e) + "' is not an address (write IPv6 with a port "
                        + "as [ADDR]:PORT)");
            }
        } else {
            int colon = e.indexOf(':');
            host = colon < 0 ? e : e.substring(0, colon);
            port = colon < 0 ? null : e.substring(colon + 1);
            if (!HOSTNAME.matcher(host).matches()) {
                throw new GatewayListException("'" + printable(host) + "' is not a host name or address");
            }
        }
        int p = defaultPort;
        if (port != null) {
            if (!PORT.matcher(port).matches()) {
                throw new GatewayListException("bad port '" + printable(port) + "' in '" + printable(e) + "'");
            }
            p = Integer.parseInt(port);
        }
        if (p < 1 || p > 65535) {
            throw new GatewayListException("port " + p + " in '" + printable(e) + "' is out of range (1-65535)");
        }
        return new Gateway(host, p);
    }

    /** At most 64 characters of {@code s}, control characters shown as '?'. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(64).forEach(c -> b.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
        return s.length() > 64 ? b + "..." : b.toString();
    }
}
