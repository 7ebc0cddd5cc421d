package io.sheepfs.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The 16-byte address of a node_id (PROTOCOL.md 7.4): IPv6 bytes, or for IPv4 twelve zero bytes
 * followed by the four address bytes (not ::ffff:-mapped). {@link #toString} prints it as dog
 * does: dotted quad for IPv4, textual IPv6 otherwise.
 */
public record NodeAddress(byte[] bytes) {
    public static final int SIZE = 16;
    public static final NodeAddress ZERO = new NodeAddress(new byte[SIZE]);

    public NodeAddress {
        bytes = Fields.exact("node address", bytes, SIZE);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public static NodeAddress read(byte[] b, int off) {
        return new NodeAddress(Arrays.copyOfRange(b, off, off + SIZE));
    }

    public void writeTo(byte[] b, int off) {
        System.arraycopy(bytes, 0, b, off, SIZE);
    }

    /** From an InetAddress; IPv4 uses sheep's 12-zero-byte prefix. */
    public static NodeAddress of(InetAddress a) {
        byte[] raw = a.getAddress();
        byte[] out = new byte[SIZE];
        System.arraycopy(raw, 0, out, SIZE - raw.length, raw.length);
        return new NodeAddress(out);
    }

    /** Parses a literal ("127.0.0.1", "::1"); never does a DNS lookup. */
    public static NodeAddress parse(String literal) {
        boolean v4 = literal.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!v4 && !literal.contains(":")) {
            throw new ProtocolException("not an IP literal: " + literal);
        }
        try {
            return of(InetAddress.getByName(literal));
        } catch (UnknownHostException e) {
            throw new ProtocolException("not an IP literal: " + literal);
        }
    }

    /**
     * True for the IPv4 form, by dog's rule: first 12 bytes zero and byte 12 non-zero (so "::1"
     * stays IPv6).
     */
    public boolean isIpv4() {
        if (bytes[12] == 0) {
            return false;
        }
        for (int i = 0; i < 12; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The address as an InetAddress (IPv4 for the 12-zero-byte form). */
    public InetAddress toInetAddress() {
        try {
            return isIpv4() ? InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16))
                : Inet6Address.getByAddress(null, bytes, null);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** dog's addr_to_str without the port: "a.b.c.d" or compressed IPv6 text. */
    @Override
    public String toString() {
        if (isIpv4()) {
            return (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
        }
        return ipv6Text(bytes);
    }

    /**
     * glibc inet_ntop text: the longest run of two or more zero groups becomes "::"; addresses
     * ::a.b.c.d and ::ffff:a.b.c.d end in dotted IPv4.
     */
    static String ipv6Text(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        if (bestStart == 0 && (bestLen == 6 || (bestLen == 5 && g[5] == 0xffff))) {
            return "::" + (bestLen == 5 ? "ffff:" : "") + (b[12] & 0xff) + "." + (b[13] & 0xff) + "."
                + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeAddress n && Arrays.equals(bytes, n.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
