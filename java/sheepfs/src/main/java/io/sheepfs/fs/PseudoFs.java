package io.sheepfs.fs;

import io.sheepfs.nativeio.FsCallbacks;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FsCallbacks} over a {@link Tree}: lookups, attributes, directory listings, open handles
 * of views (the rendering taken at open, read at any offset) and of control files (what one
 * open writes is one command, run at its newline or at close). Never throws to the native
 * caller: every failure is an errno.
 */
public final class PseudoFs implements FsCallbacks {
    private static final Logger LOG = LoggerFactory.getLogger(PseudoFs.class);
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;

    /**
     * An open file: the node and, for readable files, the content fixed at open, or for an HTTP
     * object the reader that fetches its bytes.
     */
    private record Handle(Node node, byte[] content, CommandBuffer command, HttpObjectReader reader) {
        Handle(Node node, byte[] content, CommandBuffer command) {
            this(node, content, command, null);
        }
    }

    private final Tree tree;
    private final IntSupplier pageCache;
    private final long mountTime = System.currentTimeMillis() / 1000;
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextFh = new AtomicLong(1);

    /**
     * @param pageCache answers {@link #volumeOpenPolicy}: 1 = kernel page cache, 0 = direct I/O
     */
    public PseudoFs(Tree tree, IntSupplier pageCache) {
        this.tree = tree;
        this.pageCache = pageCache;
    }

    @Override
    public long[] lookup(long parent, byte[] name) {
        Node dir = tree.get(parent);
        if (dir == null) {
            return err(Errno.ENOENT);
        }
        if (!(dir instanceof DirNode d)) {
            return err(Errno.ENOTDIR);
        }
        String text = utf8(name);
        if (text == null) {
            return err(Errno.ENOENT);
        }
        Node child = d.child(text);
        return child == null ? err(Errno.ENOENT) : attr(child);
    }

    @Override
    public long[] getattr(long ino) {
        Node node = tree.get(ino);
        return node == null ? err(Errno.ENOENT) : attr(node);
    }

    @Override
    public DirEntries readdir(long ino) {
        if (!(tree.get(ino) instanceof DirNode d)) {
            return null;
        }
        List<Node> children = d.children();
        byte[][] names = new byte[children.size()][];
        long[] inos = new long[children.size()];
        int[] modes = new int[children.size()];
        for (int i = 0; i < children.size(); i++) {
            Node c = children.get(i);
            names[i] = c.name().getBytes(StandardCharsets.UTF_8);
            inos[i] = c.ino();
            modes[i] = mode(c);
        }
        return new DirEntries(names, inos, modes);
    }

    @Override
    public long open(long ino, int flags) {
        Node node = tree.get(ino);
        if (node == null) {
            return -Errno.ENOENT;
        }
        boolean write = (flags & O_ACCMODE) != O_RDONLY;
        try {
            if (node instanceof ViewNode v) {
                return write ? -Errno.EACCES : register(new Handle(v, v.renderForOpen(), null));
            }
            if (node instanceof ControlNode c) {
                if (write && !c.file().writable()) {
                    return -Errno.EACCES;
                }
                return register(new Handle(c, c.file().content(), write ? new CommandBuffer() : null));
            }
            if (node instanceof HttpObjectNode o) {
                return write ? -Errno.EACCES : register(new Handle(o, null, null, o.open()));
            }
            // directories are opened by C; volumes are opened by C itself
            return node instanceof DirNode ? -Errno.EISDIR : -Errno.EINVAL;
        } catch (FsException e) {
            LOG.warn("open {}: {}", node.path(), e.getMessage());
            return -e.errno();
        } catch (RuntimeException e) {
            LOG.error("open {} failed", node.path(), e);
            return -Errno.EIO;
        }
    }

    @Override
    public byte[] read(long fh, long offset, int size) {
        Handle h = handles.get(fh);
        if (h == null || offset < 0 || size < 0) {
            return new byte[0];
        }
        if (h.reader() != null) {
            try {
                return h.reader().read(offset, size);
            } catch (FsException e) {
                LOG.warn("read of {}: {}", h.node().path(), e.getMessage());
                return null; // the native core answers EIO
            } catch (RuntimeException e) {
                LOG.error("read of {} failed", h.node().path(), e);
                return null;
            }
        }
        byte[] content = h.content();
        if (offset >= content.length) {
            return new byte[0];
        }
        int from = (int) offset;
        return Arrays.copyOfRange(content, from, from + Math.min(size, content.length - from));
    }

    /**
     * Collects a control file's command; the write that ends it with a newline runs it and
     * answers with its errno (earlier pieces answer with their length).
     */
    @Override
    public int write(long fh, long offset, byte[] data) {
        Handle h = handles.get(fh);
        if (h == null || h.command() == null || !(h.node() instanceof ControlNode c)) {
            return -Errno.EBADF;
        }
        synchronized (h.command()) {
            byte[] whole;
            try {
                whole = h.command().append(data);
            } catch (FsException e) {
                LOG.warn("write to {}: {}", c.path(), e.getMessage());
                return -e.errno();
            }
            int errno = whole == null ? 0 : run(c, whole);
            return errno == 0 ? data.length : -errno;
        }
    }

    /** At close: runs a command written without a newline; its errno is close(2)'s. */
    @Override
    public int flush(long fh) {
        Handle h = handles.get(fh);
        if (h == null || h.command() == null || !(h.node() instanceof ControlNode c)) {
            return 0;
        }
        synchronized (h.command()) {
            byte[] rest = h.command().rest();
            return rest == null ? 0 : run(c, rest);
        }
    }

    /** Runs one whole command: 0, or its errno after one log line. */
    private int run(ControlNode c, byte[] command) {
        try {
            c.file().write(command);
            tree.changed();
            return 0;
        } catch (FsException e) {
            LOG.warn("write to {}: {}", c.path(), e.getMessage());
            return e.errno();
        } catch (RuntimeException e) {
            LOG.error("write to {} failed", c.path(), e);
            return Errno.EIO;
        }
    }

    @Override
    public int truncate(long ino, long size) {
        Node node = tree.get(ino);
        if (node == null) {
            return Errno.ENOENT;
        }
        if (node instanceof ControlNode c) {
            return c.file().writable() ? 0 : Errno.EACCES;
        }
        return node instanceof DirNode ? Errno.EISDIR : Errno.EACCES;
    }

    @Override
    public void release(long fh) {
        Handle h = handles.remove(fh);
        if (h != null && h.reader() != null) {
            h.reader().close();
        }
    }

    @Override
    public int volumeOpenPolicy(long ino) {
        return pageCache.getAsInt();
    }

    /** Number of open handles (for tests and statistics). */
    public int openHandles() {
        return handles.size();
    }

    private long register(Handle h) {
        long fh = nextFh.getAndIncrement();
        handles.put(fh, h);
        return fh;
    }

    private long[] attr(Node node) {
        long size;
        long kind;
        try {
            if (node instanceof ViewNode v) {
                size = v.size();
                kind = KIND_TEXT;
            } else if (node instanceof ControlNode c) {
                size = c.file().content().length;
                kind = KIND_CONTROL;
            } else if (node instanceof HttpObjectNode o) {
                size = o.size();
                kind = KIND_TEXT;
            } else if (node instanceof VolumeNode v) {
                size = v.size();
                kind = KIND_VOLUME;
            } else {
                size = 0;
                kind = KIND_DIR;
            }
        } catch (FsException e) {
            // a view that cannot be rendered now still exists; its open reports the error
            LOG.debug("size of {}: {}", node.path(), e.getMessage());
            size = 0;
            kind = KIND_TEXT;
        }
        long[] a = new long[ATTR_LEN];
        a[A_INO] = node.ino();
        a[A_KIND] = kind;
        a[A_MODE] = mode(node);
        a[A_SIZE] = size;
        a[A_NLINK] = node instanceof DirNode ? 2 : 1;
        a[A_MTIME] = mountTime;
        a[A_BLOCKS] = (size + 511) / 512;
        return a;
    }

    private static int mode(Node node) {
        return (node instanceof DirNode ? S_IFDIR : S_IFREG) | node.perm();
    }

    private static long[] err(int errno) {
        return new long[] {errno};
    }

    /** Strict UTF-8 decoding: a name that is not valid UTF-8 cannot be in the tree. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
