package io.sheepfs.bench;

import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inodes: the header is decoded for every VDI on each vdi/list and attach; the index is walked
 * for vdi/list's Used and Shared columns (up to 2^20 entries for a 4 TiB VDI).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InodeBench {
    /** VDI size in GiB: 4 GiB = 1024 index entries, 4096 GiB = the whole 2^20-entry index. */
    @Param({"4", "4096"})
    public int sizeGiB;

    private byte[] header;
    private byte[] inode;
    private int nrObjs;

    @Setup
    public void setup() {
        int vid = 0x6d1d39;
        int parent = 0x6d1d38;
        long size = (long) sizeGiB << 30;
        InodeHeader h = new InodeHeader("bench-volume", "", 1_764_000_000L << 32, 0, 0, size, 0, 0, 0, 2, 22, 2, vid,
                parent, 0);
        header = h.encode();
        nrObjs = (int) (size >> 22);
        inode = new byte[Inode.DATA_VDI_ID_OFFSET + Inode.DATA_VDI_ID_SIZE];
        System.arraycopy(header, 0, inode, 0, header.length);
        ByteBuffer idx = ByteBuffer.wrap(inode).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < nrObjs; i++) {
            // a clone that rewrote a third of its objects, shares a third and has holes elsewhere
            int owner = i % 3 == 0 ? vid : i % 3 == 1 ? parent : 0;
            idx.putInt(Inode.DATA_VDI_ID_OFFSET + 4 * i, owner);
        }
    }

    @Benchmark
    public long decodeHeader() {
        InodeHeader h = InodeHeader.decode(header);
        return h.vdiSize() + h.vdiId() + h.name().length();
    }

    /** vdi list's Used/Shared for one VDI: decode, then count own and shared entries. */
    @Benchmark
    public long decodeAndUsage() {
        Inode.Usage u = Inode.decode(inode).usage(null);
        return u.own() * 31 + u.shared();
    }

    /** Index lookups as the attach path and the Java views do them. */
    @Benchmark
    public long lookupAll() {
        Inode in = Inode.decode(inode);
        long sum = 0;
        for (int i = 0; i < nrObjs; i++) {
            sum += in.lookup(i);
        }
        return sum;
    }
}
