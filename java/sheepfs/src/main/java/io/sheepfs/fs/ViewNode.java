package io.sheepfs.fs;

/**
 * A read-only text file whose content is rendered from the cluster's state: rendered afresh at
 * every open (the open handle keeps that rendering, so reads at any offset see one consistent
 * text) and, for getattr, rendered at most once per {@link #SIZE_TTL_NANOS} so that `ls -l` of a
 * directory does not cost one cluster round trip per file per stat.
 */
public final class ViewNode implements Node {
    /** How long a rendering answers getattr's size before the next stat renders again. */
    static final long SIZE_TTL_NANOS = 1_000_000_000L;

    /** Produces the view's bytes; failures carry the errno for the open. */
    @FunctionalInterface
    public interface Renderer {
        byte[] render() throws FsException;
    }

    private record Cached(byte[] content, long atNanos) {
    }

    private final long ino;
    private final String name;
    private final Renderer renderer;
    private volatile Cached cached;

    ViewNode(long ino, String name, Renderer renderer) {
        this.ino = ino;
        this.name = name;
        this.renderer = renderer;
    }

    @Override
    public long ino() {
        return ino;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int perm() {
        return 0444;
    }

    /** A fresh rendering (at open); it also refreshes the size seen by getattr. */
    byte[] render() throws FsException {
        byte[] content = renderer.render();
        cached = new Cached(content, System.nanoTime());
        return content;
    }

    /** The length of a recent rendering, rendering again when the last one is too old. */
    long size() throws FsException {
        Cached c = cached;
        if (c == null || System.nanoTime() - c.atNanos() > SIZE_TTL_NANOS) {
            return render().length;
        }
        return c.content().length;
    }
}
