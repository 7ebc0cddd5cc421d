package io.sheepfs.fs;

import java.nio.charset.StandardCharsets;

/**
 * The "/account/container/object" written to http/object: three names, each a valid file name
 * (UTF-8, 1..255 bytes, no '/', not "." or "..", no control characters) because each becomes an
 * entry under http/.
 */
record SwiftPath(String account, String container, String object) {
    /** Longest name one component may have (NAME_MAX). */
    static final int MAX_NAME = 255;

    SwiftPath {
        check(account);
        check(container);
        check(object);
    }

    /** Parses the bytes of one write to http/object (one trailing newline allowed). */
    static SwiftPath parse(byte[] data) throws FsException {
        String line = CommandText.line(data);
        if (!line.startsWith("/")) {
            throw bad(line);
        }
        String[] parts = line.substring(1).split("/", -1);
        if (parts.length != 3) {
            throw bad(line);
        }
        for (String p : parts) {
            if (!valid(p)) {
                throw bad(line);
            }
        }
        return new SwiftPath(parts[0], parts[1], parts[2]);
    }

    /** "/v1/account/container/object" with each name percent-encoded as UTF-8. */
    String urlPath() {
        return "/v1/" + encode(account) + "/" + encode(container) + "/" + encode(object);
    }

    @Override
    public String toString() {
        return "/" + account + "/" + container + "/" + object;
    }

    private static FsException bad(String line) {
        return new FsException(Errno.EINVAL, "expected /ACCOUNT/CONTAINER/OBJECT (names of 1.."
                + MAX_NAME + " bytes, not . or ..), got " + CommandText.printable(line));
    }

    private static void check(String name) {
        if (!valid(name)) {
            throw new IllegalArgumentException("bad name " + CommandText.printable(name));
        }
    }

    static boolean valid(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isISOControl(ch) || Character.isSurrogate(ch) && !validSurrogateAt(name, i)) {
                return false;
            }
        }
        return name.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME;
    }

    private static boolean validSurrogateAt(String s, int i) {
        char ch = s.charAt(i);
        if (Character.isHighSurrogate(ch)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters. */
    private static String encode(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
