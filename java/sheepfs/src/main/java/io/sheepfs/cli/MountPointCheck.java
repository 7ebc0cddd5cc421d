package io.sheepfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks a mount point before mounting. A sheepfs whose process died leaves its mount point
 * answering ENOTCONN ("Transport endpoint is not connected"): say so and how to clear it.
 */
final class MountPointCheck {
    private MountPointCheck() {}

    /** Returns null when {@code mp} can be mounted on, else the message to print. */
    static String problem(Path mp, List<String> mountInfo) {
        Path abs = mp.toAbsolutePath().normalize();
        String mounted = fsTypeAt(abs, mountInfo);
        try {
            if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                Files.readAttributes(abs, "basic:isDirectory"); // raises ENOTCONN for a dead mount
                return abs + ": not a directory (create it first: mkdir -p " + abs + ")";
            }
            try (var s = Files.list(abs)) {
                s.findFirst();
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return abs + ": no such directory (create it first: mkdir -p " + abs + ")";
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("not connected") || mounted != null) {
                return abs + " is a stale mount (the sheepfs that served it has died); clear it with: fusermount3 -u " + abs;
            }
            return abs + ": " + e.getMessage();
        }
        if (mounted != null) {
            return abs + " is already mounted (" + mounted + "); unmount it first: fusermount3 -u " + abs;
        }
        return null;
    }

    /** The file system type mounted exactly at {@code abs}, from /proc/self/mountinfo lines, or null. */
    static String fsTypeAt(Path abs, List<String> mountInfo) {
        String target = abs.toString();
        for (String line : mountInfo) {
            String[] f = line.split(" ");
            int sep = line.indexOf(" - ");
            if (f.length < 5 || sep < 0) {
                continue;
            }
            if (unescape(f[4]).equals(target)) {
                return line.substring(sep + 3).split(" ")[0];
            }
        }
        return null;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(ch -> ch >= '0' && ch <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static List<String> readMountInfo() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
