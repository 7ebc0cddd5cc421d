package io.sheepfs.fs;

import io.sheepfs.nativeio.FsCallbacks;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The inode table: every node by inode number, plus the root. Inode numbers grow monotonically
 * and are never reused, so a kernel that still holds an old number gets ENOENT, not a stranger.
 */
public final class Tree {
    private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
    private final AtomicLong nextIno = new AtomicLong(FsCallbacks.ROOT);
    private final AtomicLong generation = new AtomicLong();
    private final DirNode root;

    public Tree() {
        root = new DirNode(nextIno.getAndIncrement(), "", "");
        nodes.put(root.ino(), root);
    }

    /** Records that a control file changed something: cached view renderings are stale. */
    public void changed() {
        generation.incrementAndGet();
    }

    public DirNode root() {
        return root;
    }

    public Node get(long ino) {
        return nodes.get(ino);
    }

    public DirNode mkdir(DirNode parent, String name) {
        return add(parent, new DirNode(nextIno.getAndIncrement(), name, path(parent, name)));
    }

    public ViewNode view(DirNode parent, String name, ViewNode.Renderer renderer) {
        return add(parent, new ViewNode(nextIno.getAndIncrement(), name, path(parent, name), renderer, generation::get));
    }

    public ControlNode control(DirNode parent, String name, ControlFile file) {
        return add(parent, new ControlNode(nextIno.getAndIncrement(), name, path(parent, name), file));
    }

    /** A fresh inode number for a node built outside the tree (a volume before it is attached). */
    public long allocateIno() {
        return nextIno.getAndIncrement();
    }

    /** Adds a volume whose inode number came from {@link #allocateIno}; fails if the name is taken. */
    public VolumeNode addVolume(DirNode parent, VolumeNode volume) {
        return add(parent, volume);
    }

    /** Adds an HTTP object whose inode number came from {@link #allocateIno}; fails if the name is taken. */
    public HttpObjectNode addHttpObject(DirNode parent, HttpObjectNode object) {
        return add(parent, object);
    }

    /** Unlinks {@code node} from {@code parent} and forgets its inode number. */
    public boolean remove(DirNode parent, Node node) {
        if (parent.remove(node)) {
            nodes.remove(node.ino());
            return true;
        }
        return false;
    }

    static String path(DirNode parent, String name) {
        return parent.path().isEmpty() ? name : parent.path() + "/" + name;
    }

    private <N extends Node> N add(DirNode parent, N node) {
        parent.put(node);
        nodes.put(node.ino(), node);
        return node;
    }
}
