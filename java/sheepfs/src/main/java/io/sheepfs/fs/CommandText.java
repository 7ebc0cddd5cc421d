package io.sheepfs.fs;

import java.nio.charset.StandardCharsets;

/**
 * Turns the bytes written to a control file into one line of text, or EINVAL. The bytes are
 * only data: they are never given to a shell or used as a path.
 */
final class CommandText {
    /** Longer writes are not commands (the longest valid one is a 255-byte name plus a size). */
    static final int MAX = 1024;

    private CommandText() {
    }

    /**
     * The text of {@code data} without one trailing newline. Fails with EINVAL for empty input,
     * input longer than {@link #MAX} bytes, bytes that are not UTF-8, and control characters
     * (a newline anywhere but at the end, NUL, ...).
     */
    static String line(byte[] data) throws FsException {
        int len = data.length;
        if (len > 0 && data[len - 1] == '\n') {
            len--;
        }
        if (len == 0) {
            throw new FsException(Errno.EINVAL, "empty command");
        }
        if (len > MAX) {
            throw new FsException(Errno.EINVAL, "command of " + len + " bytes is too long");
        }
        byte[] body = java.util.Arrays.copyOf(data, len);
        String s = PseudoFs.utf8(body);
        if (s == null) {
            throw new FsException(Errno.EINVAL, "command is not UTF-8: " + printable(body));
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw new FsException(Errno.EINVAL, "control character in command: " + printable(body));
            }
        }
        return s;
    }

    /**
     * A VDI name as every control file reads it: the line of {@link #line}, without the blanks
     * around it, checked by {@link VdiName#check}.
     */
    static String name(byte[] data) throws FsException {
        return name(line(data));
    }

    /** A VDI name within a command line (see {@link #name(byte[])}). */
    static String name(String text) throws FsException {
        String name = text.strip();
        if (name.isEmpty()) {
            throw new FsException(Errno.EINVAL, "empty VDI name");
        }
        return VdiName.check(name);
    }

    /** A log-safe rendering of untrusted bytes: printable ASCII kept, the rest as \\xNN, cut at 80. */
    static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < b.length && i < 80; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.append(b.length > 80 ? "\"..." : "\"").toString();
    }

    static String printable(String s) {
        return printable(s.getBytes(StandardCharsets.UTF_8));
    }
}
