package io.sheepfs.server;

import io.sheepfs.protocol.header.ClusterDefaultResponse;
import io.sheepfs.protocol.header.NodeResponse;
import io.sheepfs.protocol.header.PlainResponse;
import io.sheepfs.protocol.header.ResponseUnion;
import io.sheepfs.protocol.header.VdiResponse;

/**
 * The answer to one request: result code, response data (may be null) and the response union.
 */
public record Reply(int result, byte[] data, ResponseUnion body) {

    public static Reply of(int result) {
        return new Reply(result, null, PlainResponse.INSTANCE);
    }

    public static Reply data(int result, byte[] data) {
        return new Reply(result, data, PlainResponse.INSTANCE);
    }

    public static Reply vdi(int result, int vdiId, long attrId, int copies, int bss) {
        return new Reply(result, null, new VdiResponse(0, vdiId, (int) attrId, copies, bss));
    }

    public static Reply node(int result, byte[] data, int nrNodes, long storeSize, long storeFree) {
        return new Reply(result, data, new NodeResponse(nrNodes, storeSize, storeFree));
    }

    public static Reply clusterDefault(int copies, int copyPolicy, int bss) {
        return new Reply(0, null, new ClusterDefaultResponse(copies, copyPolicy, bss));
    }

    public int dataLength() {
        return data == null ? 0 : data.length;
    }

    /** The VDI id of a VDI-variant reply (0 otherwise). */
    public int vdiId() {
        return body instanceof VdiResponse v ? v.vdiId() : 0;
    }

    public int copies() {
        return body instanceof VdiResponse v ? v.copies() : 0;
    }

    public int blockSizeShift() {
        return body instanceof VdiResponse v ? v.blockSizeShift() : 0;
    }
}
