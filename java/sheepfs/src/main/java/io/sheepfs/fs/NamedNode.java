package io.sheepfs.fs;

/** What every node that is not a plain record keeps: its inode number, name and path. */
abstract sealed class NamedNode implements Node permits DirNode, ViewNode, HttpObjectNode {
    private final long ino;
    private final String name;
    private final String path;

    NamedNode(long ino, String name, String path) {
        this.ino = ino;
        this.name = name;
        this.path = path;
    }

    @Override
    public final long ino() {
        return ino;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String path() {
        return path;
    }
}
