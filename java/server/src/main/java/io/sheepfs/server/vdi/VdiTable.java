package io.sheepfs.server.vdi;

import io.sheepfs.protocol.ObjectId;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-use and deleted bitmaps and the per-vid state. Every method is synchronized: the table is
 * small and its operations are O(1) except the snapshots taken for READ_VDIS / GET_VDI_COPIES.
 */
public final class VdiTable {
    /** An immutable copy of one vid's state for readers outside the table's lock. */
    public record StateView(int vid, int nrCopies, int copyPolicy, int blockSizeShift, boolean snapshot,
                            boolean deleted, int parentVid, int lockState) {
    }

    /** Bytes of a VDI bitmap on the wire (2^24 bits). */
    public static final int BITMAP_BYTES = ObjectId.NR_VDIS / 8;

    private final BitSet inUse = new BitSet(ObjectId.NR_VDIS);
    private final BitSet deleted = new BitSet(ObjectId.NR_VDIS);
    private final Map<Integer, VdiEntry> states = new TreeMap<>();

    public synchronized void clear() {
        inUse.clear();
        deleted.clear();
        states.clear();
    }

    public synchronized boolean inUse(int vid) {
        return inUse.get(vid);
    }

    public synchronized boolean deleted(int vid) {
        return deleted.get(vid);
    }

    public synchronized void setInUse(int vid) {
        inUse.set(vid);
    }

    public synchronized void setDeleted(int vid) {
        deleted.set(vid);
        VdiEntry s = states.get(vid);
        if (s != null) {
            s.deleted = true;
        }
    }

    /** First clear in-use bit at or after {@code from}; {@link ObjectId#NR_VDIS} if none. */
    public synchronized int nextFree(int from) {
        int v = inUse.nextClearBit(from);
        return Math.min(v, ObjectId.NR_VDIS);
    }

    /** In-use or deleted: the vids whose inode a lookup reads. */
    public synchronized boolean known(int vid) {
        return inUse.get(vid) || deleted.get(vid);
    }

    /** sheep's add_vdi_state: insert, or update an existing entry keeping its lock. */
    public synchronized void addState(int vid, int copies, boolean snapshot, int copyPolicy, int bss, int parent) {
        VdiEntry s = states.computeIfAbsent(vid, VdiEntry::new);
        s.nrCopies = copies;
        s.snapshot = snapshot;
        s.copyPolicy = copyPolicy;
        s.blockSizeShift = bss;
        if (parent != 0) {
            s.parentVid = parent;
        }
    }

    /** Marks a vid's data read-only (it became a snapshot), keeping the rest of its state. */
    public synchronized void markSnapshot(int vid, int defaultCopies, int defaultBss) {
        VdiEntry s = states.get(vid);
        if (s == null) {
            addState(vid, defaultCopies, true, 0, defaultBss, 0);
        } else {
            s.snapshot = true;
        }
    }

    public synchronized StateView state(int vid) {
        VdiEntry s = states.get(vid);
        return s == null ? null : s.view();
    }

    public synchronized boolean isSnapshot(int vid) {
        VdiEntry s = states.get(vid);
        return s != null && s.snapshot;
    }

    public synchronized List<StateView> allStates() {
        List<StateView> out = new ArrayList<>(states.size());
        for (VdiEntry s : states.values()) {
            out.add(s.view());
        }
        return out;
    }

    /** Bitmap bytes as sheep sends them: vid n is bit (n & 7) of byte n >> 3. */
    public synchronized byte[] inUseBitmap() {
        return toBytes(inUse);
    }

    public synchronized byte[] deletedBitmap() {
        return toBytes(deleted);
    }

    private static byte[] toBytes(BitSet bits) {
        byte[] out = new byte[BITMAP_BYTES];
        byte[] b = bits.toByteArray(); // little-endian bit order, same as the wire
        System.arraycopy(b, 0, out, 0, Math.min(b.length, out.length));
        return out;
    }

    /**
     * Normal lock (type 0) or shared lock (type 1) by this node.
     *
     * @return false when the lock cannot be taken (sheep answers VDI_LOCKED)
     */
    public synchronized boolean lock(int vid, int type) {
        VdiEntry s = states.get(vid);
        if (s == null) {
            return false;
        }
        if (type == 0) {
            if (s.lockState != VdiEntry.LOCK_UNLOCKED) {
                return false;
            }
            s.lockState = VdiEntry.LOCK_LOCKED;
            return true;
        }
        if (type == 1 && s.lockState != VdiEntry.LOCK_LOCKED) {
            s.lockState = VdiEntry.LOCK_SHARED;
            return true;
        }
        return false;
    }

    public synchronized void unlock(int vid, int type) {
        VdiEntry s = states.get(vid);
        if (s == null) {
            return;
        }
        if ((type == 0 && s.lockState == VdiEntry.LOCK_LOCKED)
                || (type == 1 && s.lockState == VdiEntry.LOCK_SHARED)) {
            s.lockState = VdiEntry.LOCK_UNLOCKED;
        }
    }
}
