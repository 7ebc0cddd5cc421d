package io.sheepfs.fs;

/**
 * One entry of the pseudo tree. Inode numbers are assigned by {@link InodeTable} and never
 * reused while the mount lives, so a stale kernel handle can never reach a different node.
 */
public sealed interface Node permits NamedNode, ControlNode, VolumeNode {
    long ino();

    String name();

    /** Path from the mount's root, e.g. "vdi/mount" (for log lines). */
    String path();

    /** Permission bits (without the file-type bits). */
    int perm();
}
