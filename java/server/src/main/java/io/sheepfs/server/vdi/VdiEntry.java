package io.sheepfs.server.vdi;

/**
 * What the node keeps in memory per vid (sheep's vdi_state): redundancy, object size,
 * snapshot/deleted flags, parent and lock. Mutated only under the owning {@link VdiTable}'s monitor.
 */
final class VdiEntry {
    static final int LOCK_UNLOCKED = io.sheepfs.protocol.cluster.VdiState.LOCK_UNLOCKED;
    static final int LOCK_LOCKED = io.sheepfs.protocol.cluster.VdiState.LOCK_LOCKED;
    static final int LOCK_SHARED = io.sheepfs.protocol.cluster.VdiState.LOCK_SHARED;

    final int vid;
    int nrCopies;
    int copyPolicy;
    int blockSizeShift;
    boolean snapshot;
    boolean deleted;
    int parentVid;
    int lockState = LOCK_UNLOCKED;

    VdiEntry(int vid) {
        this.vid = vid;
    }

    VdiTable.StateView view() {
        return new VdiTable.StateView(vid, nrCopies, copyPolicy, blockSizeShift, snapshot, deleted, parentVid,
                lockState);
    }
}
