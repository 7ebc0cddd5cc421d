package io.sheepfs.protocol.vdi;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;
import io.sheepfs.protocol.VdiId;

import java.util.Arrays;

/**
 * The VDI attribute object / GET_VDI_ATTR payload (PROTOCOL.md 7.3), 66,320 bytes:
 * name[256], tag[256], ctime u64, snap_id u32, value_len u32, key[256], value[65536].
 * {@code value} holds exactly value_len bytes.
 */
public record VdiAttribute(String name, String tag, long ctime, int snapId, String key, byte[] value) {
    public static final int SIZE = ObjectId.ATTR_SIZE;
    public static final int MAX_VALUE = 65_536;
    public static final int OFF_KEY = 528;
    public static final int OFF_VALUE = 784;

    public VdiAttribute {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(tag, "tag");
        java.util.Objects.requireNonNull(key, "key");
        if (value.length > MAX_VALUE) {
            throw new ProtocolException("attribute value of " + value.length + " bytes exceeds " + MAX_VALUE);
        }
        value = value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    /**
     * Decodes the struct; {@code b} may be shorter than 66,320 bytes but must hold the fixed part
     * and value_len bytes of value (value_len at most 65,536).
     */
    public static VdiAttribute decode(byte[] b) {
        ProtocolException.requireLength("attribute", b.length, OFF_VALUE);
        long len = Le.u32(b, 524);
        if (len > MAX_VALUE) {
            throw new ProtocolException("attribute value_len " + len + " exceeds " + MAX_VALUE);
        }
        ProtocolException.requireLength("attribute value", b.length, OFF_VALUE + len);
        return new VdiAttribute(FixedString.read(b, 0, 256), FixedString.read(b, 256, 256), Le.u64(b, 512),
            Le.i32(b, 520), FixedString.read(b, OFF_KEY, 256), Arrays.copyOfRange(b, OFF_VALUE, OFF_VALUE + (int) len));
    }

    /** The full 66,320-byte struct. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        FixedString.write(b, 0, 256, name);
        FixedString.write(b, 256, 256, tag);
        Le.put64(b, 512, ctime);
        Le.put32(b, 520, snapId);
        Le.put32(b, 524, value.length);
        FixedString.write(b, OFF_KEY, 256, key);
        System.arraycopy(value, 0, b, OFF_VALUE, value.length);
        return b;
    }

    /** An attribute whose name byte 0 is NUL was deleted. */
    public boolean isDeleted() {
        return name.isEmpty();
    }

    /** The attribute id (6.3) of this (name, tag, snap_id, key). */
    public long attributeId() {
        return VdiId.attributeId(name, tag, Integer.toUnsignedLong(snapId), key);
    }

    /** Same (name, tag, snap_id, key): what sheep compares when probing slots. */
    public boolean sameKey(VdiAttribute o) {
        return name.equals(o.name) && tag.equals(o.tag) && snapId == o.snapId && key.equals(o.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VdiAttribute a && sameKey(a) && ctime == a.ctime && Arrays.equals(value, a.value);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, tag, snapId, key, ctime, Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return "VdiAttribute[name=" + name + ", tag=" + tag + ", ctime=" + ctime + ", snapId=" + snapId + ", key=" + key
            + ", value_len=" + value.length + "]";
    }
}
