package io.sheepfs.server;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.protocol.header.NoRequestUnion;
import io.sheepfs.protocol.header.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Unformatted, formatted, shut down and killed: what each state answers. */
class NodeLifecycleTest {
    @TempDir
    Path dir;

    private static RequestHeader op(int opcode) {
        return RequestHeader.of(opcode, 0, 0, NoRequestUnion.INSTANCE);
    }

    @Test
    void statesGateRequestsAsSheepDoes() throws Exception {
        Sheep s = new Sheep(dir, false);
        AtomicInteger stops = new AtomicInteger();
        s.onShutdown(stops::incrementAndGet);
        // unformatted: object I/O and VDI ops wait, forced ops answer
        assertEquals(Result.WAIT_FOR_FORMAT, s.handle(Proto.read(ObjectId.data(1, 0), 0, 8), null).result());
        assertEquals(Result.WAIT_FOR_FORMAT, s.handle(Proto.newVdi(1 << 20), Proto.name("a")).result());
        assertEquals(Result.WAIT_FOR_FORMAT, s.handle(RequestHeader.of(Opcode.STAT_CLUSTER, 0, 48,
                ClusterRequest.statCluster(0)), null).result());
        assertEquals(Result.SUCCESS, s.handle(op(Opcode.GET_NODE_LIST).withDataLength(80), null).result());
        assertEquals(0, s.epoch());
        assertEquals(Result.NO_STORE, s.handle(Proto.format(1), "nosuch\0".getBytes()).result());
        assertEquals(Result.SUCCESS, s.handle(Proto.format(1), Proto.PLAIN).result());
        assertEquals(1, s.epoch());
        assertEquals(Result.SUCCESS, s.handle(Proto.newVdi(1 << 20), Proto.name("a")).result());
        // shutdown: answered, then everything gets SHUTDOWN
        assertEquals(Result.SUCCESS, s.handle(op(Opcode.SHUTDOWN), null).result());
        assertEquals(1, stops.get());
        assertEquals(Result.SHUTDOWN, s.handle(op(Opcode.GET_CLUSTER_DEFAULT), null).result());
        // a restarted node is formatted and serves again; KILL_NODE makes everything KILLED
        Sheep again = new Sheep(dir, false);
        again.onShutdown(stops::incrementAndGet);
        assertEquals(1, again.epoch());
        assertEquals(Result.SUCCESS, again.handle(op(Opcode.KILL_NODE), null).result());
        assertEquals(2, stops.get());
        assertEquals(Result.KILLED, again.handle(op(Opcode.GET_CLUSTER_DEFAULT), null).result());
    }
}
