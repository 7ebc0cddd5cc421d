package io.sheepfs.protocol;

/** Request flag bits (PROTOCOL.md 2.4). */
public final class RequestFlags {
    /** Request carries data_length payload bytes. */
    public static final int WRITE = 0x0001;
    /** CREATE_AND_WRITE_OBJ: fill the new object from cow_oid first. */
    public static final int COW = 0x0002;
    /** Object cache hint; ignored by sheep 1.0. */
    public static final int CACHE = 0x0004;
    /** Bypass object cache; ignored by sheep 1.0 (dog sets it on inode reads / admin writes). */
    public static final int DIRECT = 0x0008;
    /** With WRITE: response may return up to data_length bytes (OIDS_EXIST). */
    public static final int PIGGYBACK = 0x0010;
    /** Sent by tgtd; enables INODE_INVALIDATED checks. */
    public static final int TGT = 0x0020;
    /** Master-only forwarding flag; not in 1.0. */
    public static final int FWD = 0x0040;
    /** Internal recovery read. */
    public static final int RECOVERY = 0x0080;
    /** Internal read-any-epoch (same bit as {@link #CREAT}). */
    public static final int WILDCARD = 0x0100;
    /** GET_VDI_ATTR: create the attribute. */
    public static final int CREAT = 0x0100;
    /** GET_VDI_ATTR: fail with VDI_EXIST if the attribute exists. */
    public static final int EXCL = 0x0200;
    /** GET_VDI_ATTR: delete the attribute. */
    public static final int DEL = 0x0400;

    private RequestFlags() {
    }

    public static boolean has(int flags, int bit) {
        return (flags & bit) == bit;
    }

    /** "WRITE|DIRECT" style rendering, unknown bits as hex. */
    public static String describe(int flags) {
        String[] names = {"WRITE", "COW", "CACHE", "DIRECT", "PIGGYBACK", "TGT", "FWD", "RECOVERY", "CREAT", "EXCL", "DEL"};
        StringBuilder sb = new StringBuilder();
        int rest = flags;
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.length() > 0 ? "|" : "").append(names[i]);
                rest &= ~(1 << i);
            }
        }
        if (rest != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Integer.toHexString(rest));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
