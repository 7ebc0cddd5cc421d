package io.sheepfs.protocol.vdi;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.ProtocolException;

/**
 * The name payload of NEW_VDI (exactly 256 bytes: name) and of GET_VDI_INFO / DEL_VDI / LOCK_VDI
 * (256 bytes, or 512: name + tag), PROTOCOL.md 4.1 and gotcha 6. Fields are NUL-padded C strings.
 */
public record VdiName(String name, String tag) {
    public static final int NAME_ONLY = FixedString.NAME_LEN;
    public static final int WITH_TAG = 2 * FixedString.NAME_LEN;

    public VdiName {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(tag, "tag");
    }

    public static VdiName of(String name) {
        return new VdiName(name, "");
    }

    /** Decodes a 256- or 512-byte payload; any other length is INVALID_PARMS for sheep. */
    public static VdiName decode(byte[] payload) {
        if (payload.length != NAME_ONLY && payload.length != WITH_TAG) {
            throw new ProtocolException("VDI name payload must be 256 or 512 bytes, got " + payload.length);
        }
        String tag = payload.length == WITH_TAG ? FixedString.read(payload, NAME_ONLY, FixedString.NAME_LEN) : "";
        return new VdiName(FixedString.read(payload, 0, FixedString.NAME_LEN), tag);
    }

    /** The 256-byte form (NEW_VDI); rejects a non-empty tag. */
    public byte[] encodeNameOnly() {
        if (!tag.isEmpty()) {
            throw new ProtocolException("a 256-byte name payload cannot carry tag '" + tag + "'");
        }
        return FixedString.encode(name, NAME_ONLY);
    }

    /** The 512-byte form (name + tag), as dog sends GET_VDI_INFO / DEL_VDI. */
    public byte[] encodeWithTag() {
        byte[] b = new byte[WITH_TAG];
        FixedString.write(b, 0, FixedString.NAME_LEN, name);
        FixedString.write(b, NAME_ONLY, FixedString.NAME_LEN, tag);
        return b;
    }
}
