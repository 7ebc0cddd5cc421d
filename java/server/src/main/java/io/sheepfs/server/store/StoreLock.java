package io.sheepfs.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * Makes a store directory one sheep's: a lock ({@link FileChannel#tryLock}) on DIR/lock, which
 * holds the holder's PID. The kernel drops the lock when the holder dies, however it dies, so a
 * lock is never stale; the PID in the file only says who holds it.
 */
public final class StoreLock implements AutoCloseable {
    public static final String FILE = "lock";
    /**
     * Stores locked by this JVM. Closing any descriptor of a file drops this process's locks on
     * it (POSIX), so a second try from this JVM must not even open the file.
     */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the store, or fails with {@link StoreLockedException} naming the process that has it. */
    public static StoreLock acquire(Path dir) throws IOException {
        Path key = dir.toRealPath();
        synchronized (HELD) {
            if (HELD.contains(key)) {
                throw new StoreLockedException(dir, ProcessHandle.current().pid());
            }
            FileChannel ch = FileChannel.open(key.resolve(FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException | IOException e) {
                l = null;
            }
            if (l == null) {
                long holder = holder(ch);
                ch.close();
                throw new StoreLockedException(dir, holder);
            }
            try {
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                ch.force(false);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            HELD.add(key);
            return new StoreLock(key, ch, l);
        }
    }

    /** The PID written in the lock file, or -1 when it cannot be read (the holder is still writing it). */
    private static long holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("[0-9]{1,19}") ? Long.parseLong(s) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Gives the store back (the file stays; its lock is what counts). Idempotent. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (HELD.remove(dir)) {
                try {
                    lock.release();
                    channel.close();
                } catch (IOException e) {
                    // closing the channel drops the lock in any case
                }
            }
        }
    }
}
