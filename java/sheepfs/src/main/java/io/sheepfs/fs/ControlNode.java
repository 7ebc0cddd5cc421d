package io.sheepfs.fs;

/** A file whose writes are commands (vdi/mount, config/sheep_info, ...). */
public final class ControlNode implements Node {
    private final long ino;
    private final String name;
    private final String path;
    private final ControlFile file;

    ControlNode(long ino, String name, String path, ControlFile file) {
        this.ino = ino;
        this.name = name;
        this.path = path;
        this.file = file;
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
    public String path() {
        return path;
    }

    @Override
    public int perm() {
        return (file.readable() ? 0444 : 0) | (file.writable() ? 0200 : 0);
    }

    ControlFile file() {
        return file;
    }
}
