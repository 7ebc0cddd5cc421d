package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

/** GET_CLUSTER_DEFAULT response. Header offsets: 20 nr_copies; 21 copy_policy; 22 block_size_shift. */
public record ClusterDefaultResponse(int nrCopies, int copyPolicy, int blockSizeShift) implements ResponseUnion {
    public ClusterDefaultResponse {
        Fields.u8("nr_copies", nrCopies);
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("block_size_shift", blockSizeShift);
    }

    public static ClusterDefaultResponse decode(byte[] r) {
        return new ClusterDefaultResponse(Le.u8(r, 0), Le.u8(r, 1), Le.u8(r, 2));
    }

    @Override
    public void encodeTo(byte[] r) {
        Le.put8(r, 0, nrCopies);
        Le.put8(r, 1, copyPolicy);
        Le.put8(r, 2, blockSizeShift);
    }
}
