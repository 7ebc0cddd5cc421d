package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Reading and writing a mount's volume files in tests: seeded random bytes, positioned reads and
 * writes, workers run at once, and commands (cp, stat, fio) that must succeed. */
final class VolumeFiles {
    static final int MiB = 1 << 20;

    private VolumeFiles() {}

    static byte[] random(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void write(Path p, long off, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b, off + b.position());
            }
        }
    }

    static byte[] read(Path p, long off, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            while (b.hasRemaining()) {
                if (ch.read(b, off + b.position()) < 0) {
                    break;
                }
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    interface Worker {
        void run(int id) throws Exception;
    }

    /** Runs worker(0) .. worker(n-1) on n threads at once and waits for all (a failure is rethrown). */
    static void inParallel(int n, Worker worker) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                fs.add(ex.submit(() -> {
                    worker.run(id);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            ex.shutdown();
        }
    }

    static byte[] readAt(FileChannel ch, long off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining() && ch.read(b, off + b.position()) >= 0) {
            // until full
        }
        return b.array();
    }

    static void writeAt(FileChannel ch, long off, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            ch.write(b, off + b.position());
        }
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out.trim();
    }
}
