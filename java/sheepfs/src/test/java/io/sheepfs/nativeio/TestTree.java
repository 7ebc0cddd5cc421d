package io.sheepfs.nativeio;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal FsCallbacks for the native core's tests: "/" holds a text file "hello", a control
 * file "ctl" that records what is written to it, and a directory "volume" whose entries are the
 * volumes added with {@link #addVolume}.
 */
final class TestTree implements FsCallbacks {
    static final long HELLO = 2, CTL = 3, VOLDIR = 4;
    static final int REG = 0100000, DIR = 0040000;

    final byte[] hello;
    final List<byte[]> ctlWrites = new ArrayList<>();
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    volatile int pageCachePolicy;
    /** While set, an open of "hello" waits for it (a view rendered from a frozen server). */
    volatile java.util.concurrent.CountDownLatch openGate;
    final AtomicInteger openCalls = new AtomicInteger();
    private final Map<String, Long> volumes = new ConcurrentHashMap<>();
    private final AtomicLong nextIno = new AtomicLong(100);

    TestTree(String helloText) {
        this.hello = helloText.getBytes(StandardCharsets.UTF_8);
    }

    long addVolume(String name) {
        return volumes.computeIfAbsent(name, n -> nextIno.getAndIncrement());
    }

    void removeVolume(String name) {
        volumes.remove(name);
    }

    private long[] attr(long ino) {
        long now = 1_700_000_000L;
        if (ino == ROOT || ino == VOLDIR) {
            return new long[] {ino, KIND_DIR, DIR | 0755, 0, 2, now, 0};
        }
        if (ino == HELLO) {
            return new long[] {ino, KIND_TEXT, REG | 0444, hello.length, 1, now, 1};
        }
        if (ino == CTL) {
            return new long[] {ino, KIND_CONTROL, REG | 0200, 0, 1, now, 0};
        }
        if (volumes.containsValue(ino)) {
            return new long[] {ino, KIND_VOLUME, REG | 0644, 0, 1, now, 0};
        }
        return new long[] {2 /* ENOENT */};
    }

    @Override
    public long[] lookup(long parent, byte[] name) {
        String n = new String(name, StandardCharsets.UTF_8);
        if (parent == ROOT) {
            return switch (n) {
                case "hello" -> attr(HELLO);
                case "ctl" -> attr(CTL);
                case "volume" -> attr(VOLDIR);
                default -> new long[] {2};
            };
        }
        if (parent == VOLDIR) {
            Long ino = volumes.get(n);
            return ino == null ? new long[] {2} : attr(ino);
        }
        return new long[] {20 /* ENOTDIR */};
    }

    @Override
    public long[] getattr(long ino) {
        return attr(ino);
    }

    @Override
    public DirEntries readdir(long ino) {
        if (ino == ROOT) {
            return entries(Map.of("hello", HELLO, "ctl", CTL, "volume", VOLDIR));
        }
        if (ino == VOLDIR) {
            return entries(volumes);
        }
        return null;
    }

    private DirEntries entries(Map<String, Long> m) {
        List<String> names = new ArrayList<>(m.keySet());
        names.sort(null);
        byte[][] b = new byte[names.size()][];
        long[] inos = new long[names.size()];
        int[] modes = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            b[i] = names.get(i).getBytes(StandardCharsets.UTF_8);
            inos[i] = m.get(names.get(i));
            modes[i] = inos[i] == VOLDIR ? DIR : REG;
        }
        return new DirEntries(b, inos, modes);
    }

    @Override
    public long open(long ino, int flags) {
        if (ino != HELLO && ino != CTL) {
            return -2; /* ENOENT: not a pseudo file (a detached volume, a directory) */
        }
        openCalls.incrementAndGet();
        java.util.concurrent.CountDownLatch g = openGate;
        if (ino == HELLO && g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ino * 1000 + opens.incrementAndGet();
    }

    @Override
    public byte[] read(long fh, long offset, int size) {
        if (fh / 1000 != HELLO) {
            return new byte[0];
        }
        int from = (int) Math.min(offset, hello.length);
        return Arrays.copyOfRange(hello, from, (int) Math.min(hello.length, (long) from + size));
    }

    @Override
    public int write(long fh, long offset, byte[] data) {
        if (fh / 1000 != CTL) {
            return -9; /* EBADF */
        }
        if (new String(data, StandardCharsets.UTF_8).startsWith("throw")) {
            throw new IllegalStateException("test: an upcall that throws");
        }
        synchronized (ctlWrites) {
            ctlWrites.add(data);
        }
        return data.length;
    }

    @Override
    public int truncate(long ino, long size) {
        return ino == CTL ? 0 : 1 /* EPERM */;
    }

    @Override
    public void release(long fh) {
        releases.incrementAndGet();
    }

    @Override
    public int volumeOpenPolicy(long ino) {
        return pageCachePolicy;
    }
}
