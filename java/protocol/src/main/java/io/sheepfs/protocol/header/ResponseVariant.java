package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Opcode;

import java.util.function.Function;

/** Which response union variant an opcode's answer uses (PROTOCOL.md 3.2). */
public enum ResponseVariant {
    PLAIN(r -> PlainResponse.INSTANCE),
    OBJ(ObjResponse::decode),
    VDI(VdiResponse::decode),
    NODE(NodeResponse::decode),
    HASH(HashResponse::decode),
    CLUSTER_DEFAULT(ClusterDefaultResponse::decode);

    private final Function<byte[], ResponseUnion> decoder;

    ResponseVariant(Function<byte[], ResponseUnion> decoder) {
        this.decoder = decoder;
    }

    /** Decodes the 28 bytes after the result word as this variant. */
    public ResponseUnion decode(byte[] rest) {
        return decoder.apply(rest);
    }

    public static ResponseVariant of(int opcode) {
        return switch (opcode) {
            case Opcode.CREATE_AND_WRITE_OBJ, Opcode.READ_OBJ, Opcode.WRITE_OBJ, Opcode.REMOVE_OBJ,
                 Opcode.DISCARD_OBJ, Opcode.CREATE_AND_WRITE_PEER, Opcode.READ_PEER, Opcode.WRITE_PEER,
                 Opcode.REMOVE_PEER -> OBJ;
            case Opcode.NEW_VDI, Opcode.LOCK_VDI, Opcode.RELEASE_VDI, Opcode.GET_VDI_INFO, Opcode.DEL_VDI,
                 Opcode.GET_VDI_ATTR -> VDI;
            case Opcode.GET_NODE_LIST, Opcode.STAT_SHEEP, Opcode.FORCE_RECOVER -> NODE;
            case Opcode.GET_HASH -> HASH;
            case Opcode.GET_CLUSTER_DEFAULT -> CLUSTER_DEFAULT;
            default -> PLAIN;
        };
    }
}
