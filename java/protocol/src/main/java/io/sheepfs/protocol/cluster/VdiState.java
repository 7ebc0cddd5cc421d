package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

import java.util.ArrayList;
import java.util.List;

/**
 * vdi_state, a GET_VDI_COPIES element (PROTOCOL.md 7.7), 1,428 bytes: vid u32 @0, nr_copies @4,
 * snapshot @5, deleted @6, copy_policy @7, block_size_shift @8, parent_vid u32 @12, lock_state
 * u32 @16, lock_owner node_id @20, nr_participants u32 @60, participants_state u32[31] @64,
 * participants node_id[31] @188. Lists hold the first nr_participants entries.
 */
public record VdiState(int vid, int nrCopies, boolean snapshot, boolean deleted, int copyPolicy, int blockSizeShift,
                       int parentVid, int lockState, NodeId lockOwner, List<Integer> participantsState,
                       List<NodeId> participants) {
    public static final int SIZE = 1428;
    public static final int MAX_PARTICIPANTS = 31;
    public static final int LOCK_UNLOCKED = 1;
    public static final int LOCK_LOCKED = 2;
    public static final int LOCK_SHARED = 3;
    public static final int PARTICIPANT_MODIFIED = 1;
    public static final int PARTICIPANT_SHARED = 2;
    public static final int PARTICIPANT_INVALIDATED = 3;

    public VdiState {
        Fields.u8("nr_copies", nrCopies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("block_size_shift", blockSizeShift);
        java.util.Objects.requireNonNull(lockOwner, "lockOwner");
        participantsState = List.copyOf(participantsState);
        participants = List.copyOf(participants);
        if (participants.size() != participantsState.size() || participants.size() > MAX_PARTICIPANTS) {
            throw new ProtocolException("bad participant lists: " + participantsState.size() + "/" + participants.size());
        }
    }

    /** An unlocked VDI's state. */
    public static VdiState unlocked(int vid, int nrCopies, boolean snapshot, boolean deleted, int copyPolicy,
                                    int blockSizeShift, int parentVid) {
        return new VdiState(vid, nrCopies, snapshot, deleted, copyPolicy, blockSizeShift, parentVid, LOCK_UNLOCKED,
            NodeId.of(io.sheepfs.protocol.NodeAddress.ZERO, 0), List.of(), List.of());
    }

    public static VdiState decode(byte[] b, int off) {
        ProtocolException.requireLength("vdi_state", b.length - off, SIZE);
        long nr = Le.u32(b, off + 60);
        if (nr > MAX_PARTICIPANTS) {
            throw new ProtocolException("vdi_state has " + nr + " participants, max " + MAX_PARTICIPANTS);
        }
        List<Integer> states = new ArrayList<>();
        List<NodeId> parts = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            states.add(Le.i32(b, off + 64 + 4 * i));
            parts.add(NodeId.decode(b, off + 188 + NodeId.SIZE * i));
        }
        return new VdiState(Le.i32(b, off), Le.u8(b, off + 4), b[off + 5] != 0, b[off + 6] != 0, Le.u8(b, off + 7),
            Le.u8(b, off + 8), Le.i32(b, off + 12), Le.i32(b, off + 16), NodeId.decode(b, off + 20), states, parts);
    }

    /** A GET_VDI_COPIES payload (length must be a multiple of 1428). */
    public static List<VdiState> decodeAll(byte[] payload) {
        if (payload.length % SIZE != 0) {
            throw new ProtocolException("vdi_state array of " + payload.length + " bytes is not a multiple of 1428");
        }
        List<VdiState> out = new ArrayList<>(payload.length / SIZE);
        for (int off = 0; off < payload.length; off += SIZE) {
            out.add(decode(payload, off));
        }
        return List.copyOf(out);
    }

    public void encodeTo(byte[] b, int off) {
        java.util.Arrays.fill(b, off, off + SIZE, (byte) 0);
        Le.put32(b, off, vid);
        Le.put8(b, off + 4, nrCopies);
        Le.put8(b, off + 5, snapshot ? 1 : 0);
        Le.put8(b, off + 6, deleted ? 1 : 0);
        Le.put8(b, off + 7, copyPolicy);
        Le.put8(b, off + 8, blockSizeShift);
        Le.put32(b, off + 12, parentVid);
        Le.put32(b, off + 16, lockState);
        lockOwner.encodeTo(b, off + 20);
        Le.put32(b, off + 60, participants.size());
        for (int i = 0; i < participants.size(); i++) {
            Le.put32(b, off + 64 + 4 * i, participantsState.get(i));
            participants.get(i).encodeTo(b, off + 188 + NodeId.SIZE * i);
        }
    }

    public static byte[] encodeAll(List<VdiState> states) {
        byte[] b = new byte[states.size() * SIZE];
        for (int i = 0; i < states.size(); i++) {
            states.get(i).encodeTo(b, i * SIZE);
        }
        return b;
    }
}
