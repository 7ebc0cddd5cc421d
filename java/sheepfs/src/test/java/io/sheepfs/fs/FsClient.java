package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.nativeio.FsCallbacks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Drives {@link FsCallbacks} the way the native core does for a path-based caller. */
final class FsClient {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;

    private final FsCallbacks fs;

    FsClient(FsCallbacks fs) {
        this.fs = fs;
    }

    /** Attributes of PATH ("a/b"), or {errno}. */
    long[] lookup(String path) {
        long[] a = fs.getattr(FsCallbacks.ROOT);
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            a = fs.lookup(a[FsCallbacks.A_INO], part.getBytes(StandardCharsets.UTF_8));
            if (a.length == 1) {
                return a;
            }
        }
        return a;
    }

    long ino(String path) {
        long[] a = lookup(path);
        assertEquals(FsCallbacks.ATTR_LEN, a.length, path + ": errno " + a[0]);
        return a[FsCallbacks.A_INO];
    }

    /** Reads the whole file through one handle in {@code chunk}-byte reads at increasing offsets. */
    String read(String path, int chunk) {
        long fh = fs.open(ino(path), O_RDONLY);
        assertTrue(fh >= 0, path + ": open errno " + -fh);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (long off = 0; ; off += chunk) {
                byte[] b = fs.read(fh, off, chunk);
                if (b.length == 0) {
                    break;
                }
                out.writeBytes(b);
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            fs.release(fh);
        }
    }

    String read(String path) {
        return read(path, 4096);
    }

    /**
     * One write(2) of {@code data} to PATH as `echo` does (truncate, open, write, close); returns
     * the write's result, or -errno of the close (a command without a newline runs there).
     */
    int write(String path, byte[] data) {
        return writes(path, data);
    }

    /** Several write(2)s to one open of PATH, then close: the first failure as -errno, else the last count. */
    int writes(String path, byte[]... pieces) {
        long ino = ino(path);
        int t = fs.truncate(ino, 0);
        if (t != 0) {
            return -t;
        }
        long fh = fs.open(ino, O_WRONLY);
        if (fh < 0) {
            return (int) fh;
        }
        try {
            int r = 0;
            long off = 0;
            for (byte[] p : pieces) {
                r = fs.write(fh, off, p);
                if (r < 0) {
                    return r;
                }
                off += p.length;
            }
            int f = fs.flush(fh);
            return f != 0 ? -f : r;
        } finally {
            fs.release(fh);
        }
    }

    int write(String path, String text) {
        return write(path, text.getBytes(StandardCharsets.UTF_8));
    }
}
