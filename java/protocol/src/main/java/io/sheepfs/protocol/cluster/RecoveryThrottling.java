package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

/** recovery_throttling, GET/SET_RECOVERY (24 bytes): max_exec_count u32 @0, queue_work_interval u64 @8, throttling u8 @16. */
public record RecoveryThrottling(int maxExecCount, long queueWorkInterval, int throttling) {
    public static final int SIZE = 24;

    public RecoveryThrottling {
        Fields.u8("throttling", throttling);
    }

    public static RecoveryThrottling decode(byte[] b) {
        ProtocolException.requireLength("recovery_throttling", b.length, SIZE);
        return new RecoveryThrottling(Le.i32(b, 0), Le.u64(b, 8), Le.u8(b, 16));
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        Le.put32(b, 0, maxExecCount);
        Le.put64(b, 8, queueWorkInterval);
        Le.put8(b, 16, throttling);
        return b;
    }
}
