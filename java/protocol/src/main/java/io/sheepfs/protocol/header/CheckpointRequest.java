package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;

/** vdi_state_checkpoint variant: VDI_STATE_CHECKPOINT_CTL. Header offsets: 16 get; 20 tgt_epoch; 24 vid. */
public record CheckpointRequest(int get, int tgtEpoch, int vid) implements RequestUnion {
    public static CheckpointRequest decode(byte[] u) {
        return new CheckpointRequest(Le.i32(u, 0), Le.i32(u, 4), Le.i32(u, 8));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put32(u, 0, get);
        Le.put32(u, 4, tgtEpoch);
        Le.put32(u, 8, vid);
    }
}
