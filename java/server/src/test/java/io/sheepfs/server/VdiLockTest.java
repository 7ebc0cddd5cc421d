package io.sheepfs.server;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** LOCK_VDI / RELEASE_VDI with the cluster lock flag: locks belong to the node, visible in GET_VDI_COPIES. */
class VdiLockTest {
    @TempDir
    Path dir;

    private static RequestHeader lock(int type) {
        return RequestHeader.of(Opcode.LOCK_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(0, 0, 0, 0, 0, 0, 0, type));
    }

    private static RequestHeader release(int vid, int type) {
        return RequestHeader.of(Opcode.RELEASE_VDI, 0, 0, new VdiRequest(0, vid, 0, 0, 0, 0, 0, type));
    }

    private static VdiState state(RawClient c, int vid) throws IOException {
        RawClient.Response r = c.call(RequestHeader.of(Opcode.GET_VDI_COPIES, 0, 512 * VdiState.SIZE,
                io.sheepfs.protocol.header.NoRequestUnion.INSTANCE), null);
        assertEquals(Result.SUCCESS, r.result());
        return VdiState.decodeAll(r.data()).stream().filter(s -> s.vid() == vid).findFirst().orElseThrow();
    }

    @Test
    void locksAreExclusivePerNodeOnlyWithTheLockFlag() throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir)); RawClient a = new RawClient(s.port());
             RawClient b = new RawClient(s.port())) {
            assertEquals(Result.SUCCESS, a.call(RequestHeader.of(Opcode.MAKE_FS, RequestFlags.WRITE, 6,
                    new ClusterRequest(0, 1L << 32, 1, 0, ClusterFlags.AUTO_VNODES | ClusterFlags.USE_LOCK, 0, 0, 0)),
                    Proto.PLAIN).result());
            int vid = a.call(Proto.newVdi(1 << 30), Proto.name("locked")).header().vdi().vdiId();

            RawClient.Response r = a.call(lock(VdiRequest.LOCK_NORMAL), Proto.name("locked"));
            assertEquals(Result.SUCCESS, r.result());
            assertEquals(vid, r.header().vdi().vdiId());
            VdiState st = state(a, vid);
            assertEquals(VdiState.LOCK_LOCKED, st.lockState());
            assertEquals(NodeAddress.parse("127.0.0.1"), st.lockOwner().addr());
            assertEquals(s.port(), st.lockOwner().port());

            // the owner is the node, so a second client (even on another connection) conflicts
            assertEquals(Result.VDI_LOCKED, b.call(lock(VdiRequest.LOCK_NORMAL), Proto.name("locked")).result());
            assertEquals(Result.VDI_LOCKED, b.call(lock(VdiRequest.LOCK_SHARED), Proto.name("locked")).result());

            assertEquals(Result.SUCCESS, b.call(release(vid, VdiRequest.LOCK_NORMAL), null).result());
            assertEquals(VdiState.LOCK_UNLOCKED, state(a, vid).lockState());

            assertEquals(Result.SUCCESS, a.call(lock(VdiRequest.LOCK_SHARED), Proto.name("locked")).result());
            VdiState shared = state(a, vid);
            assertEquals(VdiState.LOCK_SHARED, shared.lockState());
            assertEquals(List.of(VdiState.PARTICIPANT_SHARED), shared.participantsState());
            assertEquals(Result.VDI_LOCKED, b.call(lock(VdiRequest.LOCK_NORMAL), Proto.name("locked")).result());
            assertEquals(Result.NO_VDI, b.call(lock(VdiRequest.LOCK_NORMAL), Proto.name("nosuch")).result());
        }
    }

    @Test
    void withoutTheLockFlagLockingAlwaysSucceeds() throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir)); RawClient a = new RawClient(s.port());
             RawClient b = new RawClient(s.port())) {
            int vid = Proto.formatAndCreate(s.port(), "free", 1 << 30);
            assertEquals(Result.SUCCESS, a.call(lock(VdiRequest.LOCK_NORMAL), Proto.name("free")).result());
            assertEquals(Result.SUCCESS, b.call(lock(VdiRequest.LOCK_NORMAL), Proto.name("free")).result());
            assertEquals(VdiState.LOCK_UNLOCKED, state(a, vid).lockState());
            assertEquals(Result.SUCCESS, a.call(release(vid, VdiRequest.LOCK_NORMAL), null).result());
        }
    }
}
