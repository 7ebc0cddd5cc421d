package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Opcode;

import java.util.function.Function;

/** Which request union variant an opcode uses (PROTOCOL.md 3.1 and 4). */
public enum RequestVariant {
    OBJ(ObjRequest::decode),
    VDI(VdiRequest::decode),
    CLUSTER(ClusterRequest::decode),
    VDI_STATE(VdiStateRequest::decode),
    REF(RefRequest::decode),
    FORWARD(ForwardRequest::decode),
    CHECKPOINT(CheckpointRequest::decode),
    INODE_COHERENCE(InodeCoherenceRequest::decode),
    NONE(u -> NoRequestUnion.INSTANCE);

    private final Function<byte[], RequestUnion> decoder;

    RequestVariant(Function<byte[], RequestUnion> decoder) {
        this.decoder = decoder;
    }

    /** Decodes a 32-byte union as this variant. */
    public RequestUnion decode(byte[] union) {
        return decoder.apply(union);
    }

    /** The variant sheep reads for {@code opcode}; NONE for opcodes without a union. */
    public static RequestVariant of(int opcode) {
        return switch (opcode) {
            case Opcode.CREATE_AND_WRITE_OBJ, Opcode.READ_OBJ, Opcode.WRITE_OBJ, Opcode.REMOVE_OBJ,
                 Opcode.DISCARD_OBJ, Opcode.FLUSH_VDI, Opcode.FLUSH_DEL_CACHE, Opcode.EXIST, Opcode.GET_HASH,
                 Opcode.GET_OBJ_LIST, Opcode.GET_EPOCH, Opcode.CREATE_AND_WRITE_PEER, Opcode.READ_PEER,
                 Opcode.WRITE_PEER, Opcode.REMOVE_PEER, Opcode.FLUSH_PEER -> OBJ;
            case Opcode.NEW_VDI, Opcode.LOCK_VDI, Opcode.RELEASE_VDI, Opcode.GET_VDI_INFO, Opcode.DEL_VDI,
                 Opcode.GET_VDI_ATTR -> VDI;
            case Opcode.MAKE_FS, Opcode.STAT_CLUSTER, Opcode.ALTER_CLUSTER_COPY -> CLUSTER;
            case Opcode.NOTIFY_VDI_ADD, Opcode.ALTER_VDI_COPY -> VDI_STATE;
            case Opcode.DECREF_OBJ, Opcode.DECREF_PEER -> REF;
            case Opcode.REPAIR_REPLICA -> FORWARD;
            case Opcode.VDI_STATE_CHECKPOINT_CTL -> CHECKPOINT;
            case Opcode.INODE_COHERENCE -> INODE_COHERENCE;
            default -> NONE;
        };
    }
}
