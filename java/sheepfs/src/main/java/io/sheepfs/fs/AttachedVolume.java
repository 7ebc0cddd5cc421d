package io.sheepfs.fs;

/**
 * What the component serving a volume read from the VDI's inode when it attached it: the tree
 * shows these, so the inode is read once per attach (by the native core), not twice.
 */
public record AttachedVolume(long size, int blockSizeShift) {}
