package io.sheepfs.fs;

import java.io.ByteArrayOutputStream;

/**
 * Collects what one open of a control file writes, so that a command runs once it is whole:
 * at its newline, or at close for a command written without one ({@code printf NAME}). One
 * open carries one command: bytes after its newline, or writes after it ran, are refused
 * (EINVAL), so a command is never run in pieces. Not thread-safe: the caller serializes.
 */
final class CommandBuffer {
    /** More than any command (each file refuses its own overlong ones, e.g. {@link CommandText#MAX}). */
    static final int LIMIT = 8192;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean taken;

    /**
     * Adds one write's bytes. Returns the whole command once {@code data} ends it with a
     * newline, else null (more may come). EINVAL if a command was already taken from this open,
     * if {@code data} goes on after a newline, or if the command grows past {@link #LIMIT}.
     */
    byte[] append(byte[] data) throws FsException {
        if (taken) {
            throw new FsException(Errno.EINVAL, "one command per open: this one was already given");
        }
        int nl = indexOf(data, (byte) '\n');
        if (nl >= 0 && nl != data.length - 1) {
            taken = true;
            throw new FsException(Errno.EINVAL, "a command is one line, got more: " + CommandText.printable(data));
        }
        if (bytes.size() + data.length > LIMIT) {
            taken = true;
            throw new FsException(Errno.EINVAL, "command of more than " + LIMIT + " bytes");
        }
        bytes.writeBytes(data);
        if (nl < 0) {
            return null;
        }
        taken = true;
        return bytes.toByteArray();
    }

    /** At close: the command written without a newline, or null if there is none to run. */
    byte[] rest() {
        if (taken || bytes.size() == 0) {
            return null;
        }
        taken = true;
        return bytes.toByteArray();
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
