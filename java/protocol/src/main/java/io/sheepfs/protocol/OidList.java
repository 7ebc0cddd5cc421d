package io.sheepfs.protocol;

/**
 * An array of u64 oids: the OIDS_EXIST request payload and its answer (the missing oids).
 * Immutable; the length must be a multiple of 8.
 */
public record OidList(long[] oids) {
    public OidList {
        oids = oids.clone();
    }

    @Override
    public long[] oids() {
        return oids.clone();
    }

    public int size() {
        return oids.length;
    }

    public long get(int i) {
        return oids[i];
    }

    public static OidList decode(byte[] b) {
        if (b.length % 8 != 0) {
            throw new ProtocolException("oid list of " + b.length + " bytes is not a multiple of 8");
        }
        long[] o = new long[b.length / 8];
        for (int i = 0; i < o.length; i++) {
            o[i] = Le.u64(b, 8 * i);
        }
        return new OidList(o);
    }

    public byte[] encode() {
        byte[] b = new byte[oids.length * 8];
        for (int i = 0; i < oids.length; i++) {
            Le.put64(b, 8 * i, oids[i]);
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OidList l && java.util.Arrays.equals(oids, l.oids);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(oids);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("OidList[");
        for (int i = 0; i < oids.length; i++) {
            sb.append(i > 0 ? ", " : "").append(ObjectId.toHex(oids[i]));
        }
        return sb.append(']').toString();
    }
}
