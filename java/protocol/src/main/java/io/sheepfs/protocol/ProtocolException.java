package io.sheepfs.protocol;

/**
 * Malformed or out-of-range protocol input: a buffer too short for the structure, a length
 * field beyond what the protocol permits, a field value outside its width, a bad B-tree magic.
 * Unchecked so that decoders compose in streams; every decoder of this module documents it.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    /** Throws unless {@code actual >= needed}; {@code what} names the structure. */
    public static void requireLength(String what, int actual, long needed) {
        if (actual < needed) {
            throw new ProtocolException(what + ": need " + needed + " bytes, got " + actual);
        }
    }

    /** Throws unless {@code 0 <= value <= max}; returns value. */
    public static long requireRange(String what, long value, long max) {
        if (value < 0 || value > max) {
            throw new ProtocolException(what + " out of range [0, " + max + "]: " + value);
        }
        return value;
    }
}
