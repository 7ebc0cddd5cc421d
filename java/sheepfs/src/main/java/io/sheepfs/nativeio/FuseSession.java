package io.sheepfs.nativeio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One FUSE mount served by the native core (libfuse3 low-level, multi-threaded loop).
 *
 * <p>Life cycle: {@link #mount} mounts (the kernel sees the mount at once; requests wait until
 * the loop runs), {@link #start} runs the loop on a thread of its own (or {@link #run} on the
 * caller's), {@link #unmount} ends it, {@link #close} unmounts if needed, waits for the loop and
 * frees everything. The JVM owns the signals: install a shutdown hook that calls {@link #close}.
 *
 * <p>Volumes: {@link #attachVolume} makes the FUSE inode {@code ino} (chosen by the Java tree,
 * reported as {@link FsCallbacks#KIND_VOLUME}) serve a VDI's bytes in C, over the session's own
 * pipelined socket pool to the gateway. All other inodes are served through {@link FsCallbacks}.
 */
public final class FuseSession implements AutoCloseable {

    /**
     * Tuning of the native core.
     *
     * @param maxThreads     libfuse worker threads (upcalls for pseudo files may block in Java)
     * @param cloneFd        one /dev/fuse descriptor per worker
     * @param maxBackground  kernel's limit of asynchronous requests (readahead, async direct I/O)
     * @param connections    sockets to the gateway (requests are pipelined on each)
     * @param maxPiece       split volume requests into pieces of at most this many bytes (0: whole objects;
     *                       {@link #AUTO_PIECE}: the size the cluster serves fastest, measured as it goes)
     * @param writebackCache ask the kernel for writeback caching (for page-cache mode)
     * @param ioFlusher      PR_SET_IO_FLUSHER on the serving threads (needs CAP_SYS_RESOURCE)
     * @param maxWrite       bytes per FUSE write request (up to 1 MiB)
     * @param mountOptions   -o options for libfuse/the kernel (fsname, auto_unmount, allow_other, ro, ...)
     * @param uid            owner shown for every file (-1 = the process's uid)
     * @param gid            group shown for every file (-1 = the process's gid)
     * @param parallelDirectWrites open volumes with FOPEN_PARALLEL_DIRECT_WRITES (direct I/O mode), so the
     *                       kernel does not serialize writers of one file
     * @param readers        workers reading /dev/fuse at once (0: one per 4 CPUs; the others park)
     * @param uringDepth     serve FUSE over io_uring with this many requests per CPU in flight (0: /dev/fuse
     *                       only; needs Linux 6.14+ with fuse.enable_uring=Y, else /dev/fuse serves alone)
     * @param readahead      read ahead of direct-I/O volume handles that read sequentially one request at a
     *                       time (native readahead.c)
     * @param ioTimeout      seconds a volume read or write waits for the cluster, through every resend, before
     *                       it fails with EIO (0: for ever)
     */
    public record Options(int maxThreads, boolean cloneFd, int maxBackground, int connections, int maxPiece,
                          boolean writebackCache, boolean ioFlusher, int maxWrite, List<String> mountOptions,
                          int uid, int gid, boolean parallelDirectWrites, int readers, int uringDepth,
                          boolean readahead, int ioTimeout) {
        public Options {
            mountOptions = List.copyOf(mountOptions);
            if (maxThreads < 1 || maxBackground < 1 || connections < 1 || maxPiece < AUTO_PIECE || maxWrite < 4096
                    || uid < -1 || gid < -1 || readers < 0 || uringDepth < 0 || uringDepth > 1024
                    || ioTimeout < 0 || ioTimeout > MAX_IO_TIMEOUT) {
                throw new IllegalArgumentException("bad FUSE options");
            }
        }

        /** Piece size chosen by measurement (native piece_tuner.c), opt-in: bench/heuristics found
         *  it no faster than fixed 256 KiB pieces (docs/BENCHMARKS.md). */
        public static final int AUTO_PIECE = -1;
        /** Fixed 256 KiB pieces: as fast as the tuner on the embedded sheep and a real 3-node sheep 1.0. */
        public static final int DEFAULT_PIECE = 256 << 10;
        /** Default of {@link #ioTimeout}: seconds. */
        public static final int DEFAULT_IO_TIMEOUT = 60;
        /** Largest {@link #ioTimeout} (a day). */
        public static final int MAX_IO_TIMEOUT = 86400;

        public static Options defaults() {
            int cpus = Runtime.getRuntime().availableProcessors();
            return new Options(Math.max(8, 4 * cpus), false, 64, Math.max(2, cpus), DEFAULT_PIECE, false, true, 1 << 20,
                    List.of("fsname=sheepfs", "subtype=sheepfs", "auto_unmount", "default_permissions"), -1, -1, true, 0, 0, true,
                    DEFAULT_IO_TIMEOUT);
        }

        public Options withMountOptions(List<String> opts) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, opts, uid, gid, parallelDirectWrites, readers, uringDepth, readahead, ioTimeout);
        }

        public Options withThreads(int threads, boolean clone) {
            return new Options(threads, clone, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, uid, gid, parallelDirectWrites, readers, uringDepth, readahead, ioTimeout);
        }

        public Options withConnections(int n, int piece) {
            return new Options(maxThreads, cloneFd, maxBackground, n, piece, writebackCache, ioFlusher, maxWrite,
                    mountOptions, uid, gid, parallelDirectWrites, readers, uringDepth, readahead, ioTimeout);
        }

        public Options withWritebackCache(boolean on) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, on, ioFlusher, maxWrite,
                    mountOptions, uid, gid, parallelDirectWrites, readers, uringDepth, readahead, ioTimeout);
        }

        public Options withParallelDirectWrites(boolean on) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, uid, gid, on, readers, uringDepth, readahead, ioTimeout);
        }

        public Options withReaders(int n) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, uid, gid, parallelDirectWrites, n, uringDepth, readahead, ioTimeout);
        }

        /** FUSE over io_uring with {@code depth} entries per CPU (0: off). */
        public Options withUring(int depth) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, uid, gid, parallelDirectWrites, readers, depth, readahead, ioTimeout);
        }

        /** Owner and group of every file in the mount (-1 keeps the process's own). */
        public Options withOwner(int newUid, int newGid) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, newUid, newGid, parallelDirectWrites, readers, uringDepth, readahead, ioTimeout);
        }

        /** Readahead of sequential direct-I/O readers on or off. */
        public Options withReadahead(boolean on) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, uid, gid, parallelDirectWrites, readers, uringDepth, on, ioTimeout);
        }

        /** Seconds a volume read or write waits for the cluster before it fails with EIO (0: for ever). */
        public Options withIoTimeout(int seconds) {
            return new Options(maxThreads, cloneFd, maxBackground, connections, maxPiece, writebackCache, ioFlusher,
                    maxWrite, mountOptions, uid, gid, parallelDirectWrites, readers, uringDepth, readahead, seconds);
        }

        /** The settings by the names of native/src/cfg.h (the native core refuses names it lacks). */
        Map<String, Integer> nativeConfig() {
            Map<String, Integer> c = new LinkedHashMap<>();
            c.put("max_threads", maxThreads);
            c.put("clone_fd", cloneFd ? 1 : 0);
            c.put("max_background", maxBackground);
            c.put("connections", connections);
            c.put("max_piece", maxPiece);
            c.put("writeback_cache", writebackCache ? 1 : 0);
            c.put("io_flusher", ioFlusher ? 1 : 0);
            c.put("max_write", maxWrite);
            c.put("uid", uid);
            c.put("gid", gid);
            c.put("parallel_dw", parallelDirectWrites ? 1 : 0);
            c.put("readers", readers);
            c.put("uring_depth", uringDepth);
            c.put("readahead", readahead ? 1 : 0);
            c.put("io_timeout", ioTimeout);
            return c;
        }

        String[] fuseArgs() {
            List<String> a = new ArrayList<>();
            if (!mountOptions.isEmpty()) {
                a.add("-o");
                a.add(String.join(",", mountOptions));
            }
            return a.toArray(String[]::new);
        }
    }

    private final Path mountpoint;
    private final Object lock = new Object();
    private long handle;
    private Thread loop;
    private volatile boolean running;
    private volatile int loopResult = -1;

    private FuseSession(Path mountpoint, long handle) {
        this.mountpoint = mountpoint;
        this.handle = handle;
    }

    /**
     * Mounts. {@code gateways} is "host:port[,host:port...]": the sheep the volume data path talks
     * to (the next one is tried when a connection fails). Throws with a message that names the
     * cause (no /dev/fuse, mount point busy, bad address...).
     */
    public static FuseSession mount(Path mountpoint, FsCallbacks callbacks, String gateways, Options options)
            throws IOException {
        Objects.requireNonNull(callbacks, "callbacks");
        SheepfsNative.load();
        Path mp = mountpoint.toAbsolutePath().normalize();
        Map<String, Integer> config = options.nativeConfig();
        long h = nCreate(callbacks, mp.toString(), options.fuseArgs(), gateways, config.keySet().toArray(String[]::new),
                config.values().stream().mapToInt(Integer::intValue).toArray());
        return new FuseSession(mp, h);
    }

    public Path mountpoint() {
        return mountpoint;
    }

    /** Runs the loop on a new non-daemon thread "sheepfs-fuse-loop"; returns at once. */
    public void start() {
        synchronized (lock) {
            if (loop != null) {
                throw new IllegalStateException("already started");
            }
            long h = live();
            running = true;
            loop = new Thread(() -> loopResult = nRun(h), "sheepfs-fuse-loop");
            loop.start();
        }
    }

    /** Runs the loop on the calling thread until the file system is unmounted; returns its status. */
    public int run() {
        long h;
        synchronized (lock) {
            if (loop != null) {
                throw new IllegalStateException("already started");
            }
            h = live();
            loop = Thread.currentThread();
            running = true;
        }
        loopResult = nRun(h);
        return loopResult;
    }

    /** Waits until the loop has ended (after an unmount from here or from outside, e.g. fusermount3 -u). */
    public void awaitStop() throws InterruptedException {
        Thread t;
        synchronized (lock) {
            t = loop;
        }
        if (t != null && t != Thread.currentThread()) {
            t.join();
        }
    }

    /**
     * Unmounts, which ends the loop. With {@code force} a busy mount (files still open) is
     * aborted and detached instead of failing with EBUSY.
     */
    public void unmount(boolean force) throws FuseException {
        int e;
        synchronized (lock) {
            if (handle == 0) {
                return;
            }
            e = nUnmount(handle, force);
        }
        if (e != 0) {
            throw new FuseException(e, "cannot unmount " + mountpoint);
        }
    }

    /**
     * Attaches the VDI {@code name} (its working VDI when {@code vid} is 0, else exactly that vid;
     * a snapshot is attached read-only) as inode {@code ino}. The native core resolves the name and
     * reads the inode itself. ENOENT: no such VDI; EEXIST: ino already attached.
     */
    public VolumeInfo attachVolume(long ino, String name, int vid) throws FuseException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int e = nAttach(live(), ino, n, vid);
        if (e != 0) {
            throw new FuseException(e, "cannot attach VDI " + name);
        }
        return volume(ino).orElseThrow(() -> new FuseException(FuseException.ENOENT, "detached meanwhile: " + name));
    }

    /**
     * Detaches inode {@code ino} (ENOENT if nothing is attached there; EBUSY while a descriptor
     * on it is open: the native core waits up to 200 ms for the releases that follow a close).
     */
    public void detachVolume(long ino) throws FuseException {
        int e = nDetach(live(), ino);
        if (e != 0) {
            throw new FuseException(e, "cannot detach volume inode " + ino);
        }
    }

    public Optional<VolumeInfo> volume(long ino) {
        long[] a = nVolumeInfo(live(), ino);
        return a == null ? Optional.empty() : Optional.of(VolumeInfo.of(ino, a));
    }

    public FuseStats stats() {
        long[] values = nCounters(live());
        if (values == null) {
            throw new OutOfMemoryError("native counters");
        }
        return FuseStats.of(nCounterNames(), values);
    }

    /** Switches the data path to other gateway(s) ("host:port[,...]"); connections are re-made, in-flight requests resent. */
    public void setGateway(String gateways) throws FuseException {
        int e = nSetGateway(live(), gateways);
        if (e != 0) {
            throw new FuseException(e, "bad gateway address " + gateways);
        }
    }

    public String gateway() {
        return nGateway(live());
    }

    public boolean isRunning() {
        Thread t;
        synchronized (lock) {
            t = loop;
        }
        return running && t != null && (t == Thread.currentThread() || t.isAlive());
    }

    /** Status the loop returned (0 = ended by an unmount), -1 while it runs or never ran. */
    public int loopResult() {
        return loopResult;
    }

    /** Unmounts (forcibly) if still mounted, waits for the loop, frees the native session. */
    @Override
    public void close() throws IOException {
        Thread t;
        long h;
        synchronized (lock) {
            if (handle == 0) {
                return;
            }
            h = handle;
            t = loop;
            nUnmount(h, true);
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the FUSE loop to end", e);
            }
        }
        synchronized (lock) {
            handle = 0;
            running = false;
        }
        nDestroy(h);
    }

    private long live() {
        synchronized (lock) {
            if (handle == 0) {
                throw new IllegalStateException("FUSE session is closed");
            }
            return handle;
        }
    }

    private static native long nCreate(FsCallbacks cb, String mountpoint, String[] fuseArgs, String gateways,
                                       String[] configNames, int[] configValues) throws IOException;

    private static native int nRun(long h);

    private static native int nUnmount(long h, boolean force);

    private static native void nDestroy(long h);

    private static native int nAttach(long h, long ino, byte[] name, int vid);

    private static native int nDetach(long h, long ino);

    private static native long[] nVolumeInfo(long h, long ino);

    /** The counters' names, in the order {@link #nCounters} gives their values. */
    private static native String[] nCounterNames();

    private static native long[] nCounters(long h);

    private static native int nSetGateway(long h, String gateways);

    private static native String nGateway(long h);
}
