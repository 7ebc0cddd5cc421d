package io.sheepfs.server.vdi;

/**
 * Outcome of a VDI lookup (PROTOCOL.md 9.4.1).
 *
 * @param vid        the VDI found (or, on NO_VDI after a deleted working VDI, its last snapshot)
 * @param nextSnapId snap_id + 1 of the newest inode of that name (0 if none was seen)
 * @param freeBit    the first free vid after the name's probe run: where a new VDI goes
 */
public record Lookup(int result, int vid, int nextSnapId, long createTime, int freeBit) {
}
