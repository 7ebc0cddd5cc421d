package io.sheepfs.fs;

/** A file whose writes are commands (vdi/mount, config/sheep_info, ...). */
public record ControlNode(long ino, String name, String path, ControlFile file) implements Node {
    @Override
    public int perm() {
        return (file.readable() ? 0444 : 0) | (file.writable() ? 0200 : 0);
    }
}
