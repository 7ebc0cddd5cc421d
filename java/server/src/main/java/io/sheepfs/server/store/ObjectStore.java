package io.sheepfs.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * One file per object under {@code DIR/obj}, named by the oid in 16 hex digits.
 *
 * <p>Writes are durable before they return (FileChannel.force) unless the store runs with
 * nosync. A create writes a temp file and renames it over the target, so a crash leaves
 * either the old object or the complete new one. Callers serialize access per object
 * through {@link ObjectLocks}; this class does no locking of its own.
 */
public final class ObjectStore {
    private static final String TMP_PREFIX = ".tmp-";
    /** Objects kept open between requests (each costs one file descriptor). */
    private static final int OPEN_CHANNELS = 2048;

    private final Path objDir;
    private final boolean sync;
    private final boolean writesWaitForDevice;
    private final AtomicLong tmpCounter = new AtomicLong();
    private final ChannelCache channels;

    public ObjectStore(Path dir, boolean sync) throws IOException {
        this.objDir = dir.resolve("obj");
        this.sync = sync;
        Files.createDirectories(objDir);
        this.writesWaitForDevice = sync && !inMemory(objDir);
        removeTempFiles();
        this.channels = new ChannelCache(this::path, OPEN_CHANNELS);
    }

    public Path directory() {
        return objDir;
    }

    /**
     * True when a write waits for the device before it is acknowledged (durable writes to a disk);
     * false with --nosync or a store in memory (tmpfs, ramfs), where a write is a page-cache copy.
     */
    public boolean writesWaitForDevice() {
        return writesWaitForDevice;
    }

    private static boolean inMemory(Path dir) {
        try {
            String type = Files.getFileStore(dir).type();
            return type.equals("tmpfs") || type.equals("ramfs");
        } catch (IOException e) {
            return false; // unknown: assume a device
        }
    }

    private Path path(long oid) {
        return objDir.resolve(String.format("%016x", oid));
    }

    /** Deletes temp files a crash left behind; the objects they were meant to replace are intact. */
    private void removeTempFiles() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(objDir, TMP_PREFIX + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    public boolean exists(long oid) {
        return Files.exists(path(oid));
    }

    /**
     * Reads {@code len} bytes at {@code offset}; bytes beyond the end of the file read as zeros.
     *
     * @return the bytes, or null when the object does not exist
     */
    public byte[] read(long oid, long offset, int len) throws IOException {
        try (ChannelCache.Handle h = channels.acquire(oid)) {
            if (h == null) {
                return null;
            }
            byte[] out = new byte[len];
            FileChannel ch = h.channel;
            ByteBuffer bb = ByteBuffer.wrap(out);
            long pos = offset;
            while (bb.hasRemaining()) {
                int n = ch.read(bb, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            return out;
        }
    }

    /**
     * Overwrites bytes of an existing object.
     *
     * @return false when the object does not exist
     */
    public boolean write(long oid, long offset, byte[] data, int off, int len) throws IOException {
        try (ChannelCache.Handle h = channels.acquire(oid)) {
            if (h == null) {
                return false;
            }
            writeFully(h.channel, ByteBuffer.wrap(data, off, len), offset);
            if (sync) {
                h.channel.force(false);
            }
            return true;
        }
    }

    /**
     * Creates (or atomically replaces) an object of {@code size} bytes: {@code base} (may be null =
     * zeros, may be shorter than size) overlaid with {@code data} at {@code offset}.
     */
    public void create(long oid, long size, byte[] base, long offset, byte[] data, int off, int len)
            throws IOException {
        Path tmp = objDir.resolve(TMP_PREFIX + Long.toHexString(oid) + "-" + tmpCounter.incrementAndGet());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                if (base != null) {
                    writeFully(ch, ByteBuffer.wrap(base, 0, (int) Math.min(base.length, size)), 0);
                }
                if (len > 0) {
                    writeFully(ch, ByteBuffer.wrap(data, off, len), offset);
                }
                // zeros are a hole: the file is sparse up to the full object size
                if (ch.size() < size) {
                    ch.write(ByteBuffer.allocate(1), size - 1);
                }
                if (sync) {
                    ch.force(false);
                }
            }
            Files.move(tmp, path(oid), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            channels.invalidate(oid); // a cached channel would still see the replaced file
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory();
    }

    /** @return false when there was nothing to remove */
    public boolean remove(long oid) throws IOException {
        channels.invalidate(oid);
        boolean removed = Files.deleteIfExists(path(oid));
        if (removed) {
            syncDirectory();
        }
        return removed;
    }

    /** Removes every object (cluster format). */
    public void wipe() throws IOException {
        channels.invalidateAll();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(objDir)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
        syncDirectory();
    }

    /** Oids of all stored objects that match {@code filter}. */
    public List<Long> list(LongPredicate filter) throws IOException {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(objDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.length() != 16 || name.startsWith(TMP_PREFIX)) {
                    continue;
                }
                try {
                    long oid = Long.parseUnsignedLong(name, 16);
                    if (filter.test(oid)) {
                        out.add(oid);
                    }
                } catch (NumberFormatException e) {
                    // a foreign file in the store directory: not an object
                }
            }
        }
        return out;
    }

    /** Bytes used by objects on disk (allocated size is not visible to Java; logical size is used). */
    public long usedBytes() {
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(objDir)) {
            for (Path p : ds) {
                try {
                    total += Files.size(p);
                } catch (NoSuchFileException e) {
                    // removed concurrently
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    public long freeBytes() throws IOException {
        return Files.getFileStore(objDir).getUsableSpace();
    }

    private void syncDirectory() throws IOException {
        if (!sync) {
            return;
        }
        try (FileChannel dir = FileChannel.open(objDir, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer bb, long pos) throws IOException {
        while (bb.hasRemaining()) {
            pos += ch.write(bb, pos);
        }
    }
}
