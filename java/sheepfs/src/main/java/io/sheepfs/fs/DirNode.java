package io.sheepfs.fs;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** A directory: a sorted, concurrently readable map of children. */
public final class DirNode extends NamedNode {
    private final Map<String, Node> children = new ConcurrentSkipListMap<>();

    DirNode(long ino, String name, String path) {
        super(ino, name, path);
    }

    @Override
    public int perm() {
        return 0755;
    }

    public Node child(String childName) {
        return children.get(childName);
    }

    public List<Node> children() {
        return List.copyOf(children.values());
    }

    void put(Node child) {
        if (children.putIfAbsent(child.name(), child) != null) {
            throw new IllegalStateException("duplicate entry " + child.name() + " in " + name());
        }
    }

    boolean remove(Node child) {
        return children.remove(child.name(), child);
    }
}
