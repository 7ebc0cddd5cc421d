package io.sheepfs.fs;

/**
 * A read-only text file whose content is rendered from the cluster's state: rendered afresh at
 * every open (the open handle keeps that rendering, so reads at any offset see one consistent
 * text) and, for getattr, rendered at most once per {@link #SIZE_TTL_NANOS} so that `ls -l` of a
 * directory does not cost one cluster round trip per file per stat. A rendering that failed is
 * remembered the same way: on a silent cluster, `cat` (lookup, then open) waits for one failed
 * rendering (the client's request timeout, 8 s), not two.
 */
public final class ViewNode extends NamedNode {
    /** How long a rendering answers getattr's size before the next stat renders again. */
    static final long SIZE_TTL_NANOS = 1_000_000_000L;
    /**
     * An open may take over a rendering this recent, made by the lookup/getattr that precedes
     * every open (so `cat` renders once, not twice), unless the tree changed since.
     */
    static final long OPEN_REUSE_NANOS = 100_000_000L;

    /** Produces the view's bytes; failures carry the errno for the open. */
    @FunctionalInterface
    public interface Renderer {
        byte[] render() throws FsException;
    }

    /** A rendering: its content, or (content null) why it failed. */
    private record Cached(byte[] content, FsException failure, long atNanos, long generation) {
        byte[] get() throws FsException {
            if (content == null) {
                throw new FsException(failure.errno(), failure.getMessage(), failure);
            }
            return content;
        }
    }

    private final Renderer renderer;
    private final java.util.function.LongSupplier generation;
    private volatile Cached cached;

    ViewNode(long ino, String name, String path, Renderer renderer, java.util.function.LongSupplier generation) {
        super(ino, name, path);
        this.renderer = renderer;
        this.generation = generation;
    }

    @Override
    public int perm() {
        return 0444;
    }

    /**
     * The content for a new open handle: a fresh rendering, or one made in the last
     * {@link #OPEN_REUSE_NANOS} with no control-file change since.
     */
    byte[] renderForOpen() throws FsException {
        Cached c = cached;
        if (c != null && System.nanoTime() - c.atNanos() <= OPEN_REUSE_NANOS && c.generation() == generation.getAsLong()) {
            return c.get();
        }
        return render();
    }

    /** A fresh rendering; it also refreshes the size seen by getattr. */
    byte[] render() throws FsException {
        long gen = generation.getAsLong();
        byte[] content;
        try {
            content = renderer.render();
        } catch (FsException e) {
            cached = new Cached(null, e, System.nanoTime(), gen);
            throw e;
        }
        cached = new Cached(content, null, System.nanoTime(), gen);
        return content;
    }

    /** The length of a recent rendering, rendering again when the last one is too old. */
    long size() throws FsException {
        Cached c = cached;
        if (c == null || System.nanoTime() - c.atNanos() > SIZE_TTL_NANOS || c.generation() != generation.getAsLong()) {
            return render().length;
        }
        return c.get().length;
    }
}
