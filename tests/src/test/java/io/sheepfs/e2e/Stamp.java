package io.sheepfs.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Self-describing block contents for the volume tests: a block stamped with (tag, seq, offset)
 * holds a 24-byte header and a body generated from those three numbers, so a block read back
 * names the write that produced it and a torn or misplaced block is detected. All zeros = never
 * written.
 */
final class Stamp {
    private static final long MAGIC = 0x5348454550465321L; // "SHEEPFS!"

    /** What a block holds: the write that stamped it, or {@link #ZERO}. */
    record Seen(int tag, long seq) {}

    static final Seen ZERO = new Seen(0, 0);

    private Stamp() {}

    static byte[] block(int tag, long seq, long offset, int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC).putLong(((long) tag << 48) | seq).putLong(offset);
        long x = seed(tag, seq, offset);
        while (b.remaining() >= 8) {
            x = next(x);
            b.putLong(x);
        }
        while (b.hasRemaining()) {
            b.put((byte) (x = next(x)));
        }
        return b.array();
    }

    /**
     * Decodes {@code size} bytes of {@code buf} at {@code pos}, expected to lie at volume offset
     * {@code offset}: all zeros, or an intact block stamped for exactly that offset; else throws
     * AssertionError naming what is wrong.
     */
    static Seen decode(byte[] buf, int pos, long offset, int size) {
        ByteBuffer b = ByteBuffer.wrap(buf, pos, size).order(ByteOrder.LITTLE_ENDIAN);
        long magic = b.getLong();
        if (magic != MAGIC) {
            for (int i = pos; i < pos + size; i++) {
                if (buf[i] != 0) {
                    throw new AssertionError("block at " + offset + " is neither zeros nor a stamped block");
                }
            }
            return ZERO;
        }
        long ts = b.getLong();
        long at = b.getLong();
        int tag = (int) (ts >>> 48);
        long seq = ts & ((1L << 48) - 1);
        if (at != offset) {
            throw new AssertionError("block at " + offset + " was written for offset " + at + " (tag " + tag
                    + ", seq " + seq + ")");
        }
        byte[] want = block(tag, seq, offset, size);
        for (int i = 0; i < size; i++) {
            if (buf[pos + i] != want[i]) {
                throw new AssertionError("block at " + offset + " (tag " + tag + ", seq " + seq
                        + ") is torn: first bad byte at +" + i);
            }
        }
        return new Seen(tag, seq);
    }

    private static long seed(int tag, long seq, long offset) {
        return (tag * 0x9E3779B97F4A7C15L) ^ (seq * 0xBF58476D1CE4E5B9L) ^ (offset * 0x94D049BB133111EBL) ^ 1;
    }

    private static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        return x ^ (x << 17);
    }

    // ---- plain positional I/O on a volume file (sheepfs opens volumes with direct I/O by default) ----

    static FileChannel open(Path vol) throws IOException {
        return FileChannel.open(vol, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    static void pwrite(FileChannel ch, long off, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            ch.write(b, off + b.position());
        }
    }

    static void pwrite(Path vol, long off, byte[] data) throws IOException {
        try (FileChannel ch = open(vol)) {
            pwrite(ch, off, data);
        }
    }

    static byte[] pread(FileChannel ch, long off, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, off + b.position()) < 0) {
                throw new IOException("EOF at " + (off + b.position()));
            }
        }
        return b.array();
    }

    static byte[] pread(Path vol, long off, int n) throws IOException {
        try (FileChannel ch = FileChannel.open(vol, StandardOpenOption.READ)) {
            return pread(ch, off, n);
        }
    }
}
