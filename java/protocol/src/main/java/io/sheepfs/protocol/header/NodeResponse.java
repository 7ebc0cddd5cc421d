package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;

/**
 * Node responses (GET_NODE_LIST, STAT_SHEEP, FORCE_RECOVER).
 * Header offsets: 20 nr_nodes u32; 32 store_size u64; 40 store_free u64.
 */
public record NodeResponse(int nrNodes, long storeSize, long storeFree) implements ResponseUnion {
    public static NodeResponse decode(byte[] r) {
        return new NodeResponse(Le.i32(r, 0), Le.u64(r, 12), Le.u64(r, 20));
    }

    @Override
    public void encodeTo(byte[] r) {
        Le.put32(r, 0, nrNodes);
        Le.put64(r, 12, storeSize);
        Le.put64(r, 20, storeFree);
    }
}
