package io.sheepfs.server.vdi;

/**
 * What the node keeps in memory per vid (sheep's vdi_state): redundancy, object size,
 * snapshot/deleted flags, parent and lock. Mutated only under the owning {@link VdiTable}'s monitor.
 */
public final class VdiState {
    public static final int LOCK_UNLOCKED = 1;
    public static final int LOCK_LOCKED = 2;
    public static final int LOCK_SHARED = 3;

    final int vid;
    int nrCopies;
    int copyPolicy;
    int blockSizeShift;
    boolean snapshot;
    boolean deleted;
    int parentVid;
    int lockState = LOCK_UNLOCKED;
    /** Number of shared-lock participants (this node only: 0 or 1). */
    int participants;

    VdiState(int vid) {
        this.vid = vid;
    }

    /** An immutable copy for readers outside the table's lock. */
    public record View(int vid, int nrCopies, int copyPolicy, int blockSizeShift, boolean snapshot,
                       boolean deleted, int parentVid, int lockState, int participants) {
    }

    View view() {
        return new View(vid, nrCopies, copyPolicy, blockSizeShift, snapshot, deleted, parentVid, lockState,
                participants);
    }
}
