package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

/** recovery_state, the STAT_RECOVERY payload (24 bytes): in_recovery u8 @0, state u32 @4, nr_finished u64 @8, nr_total u64 @16. */
public record RecoveryState(int inRecovery, int state, long nrFinished, long nrTotal) {
    public static final int SIZE = 24;
    public static final int PREPARING_LIST = 0;
    public static final int RECOVERING = 1;
    public static final int NOTIFYING = 2;

    public RecoveryState {
        Fields.u8("in_recovery", inRecovery);
    }

    public static RecoveryState decode(byte[] b) {
        ProtocolException.requireLength("recovery_state", b.length, SIZE);
        return new RecoveryState(Le.u8(b, 0), Le.i32(b, 4), Le.u64(b, 8), Le.u64(b, 16));
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        Le.put8(b, 0, inRecovery);
        Le.put32(b, 4, state);
        Le.put64(b, 8, nrFinished);
        Le.put64(b, 16, nrTotal);
        return b;
    }
}
