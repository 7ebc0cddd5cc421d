package io.sheepfs.bench;

import io.sheepfs.client.VdiSummary;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.view.VdiListView;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
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

/** vdi/list as dog prints it, for a cluster with many VDIs, snapshots and clones. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VdiListBench {
    @Param({"1000"})
    public int vdis;

    private List<VdiSummary> rows;
    private final ZoneId zone = ZoneId.of("UTC");

    @Setup
    public void setup() {
        rows = new ArrayList<>(vdis);
        for (int i = 0; i < vdis; i++) {
            int vid = 0x100000 + i;
            boolean snapshot = i % 5 == 1;
            boolean clone = i % 7 == 2;
            InodeHeader h = new InodeHeader("vm-disk-" + i, snapshot ? "daily-" + i : "",
                    (1_764_000_000L + i * 60L) << 32, snapshot ? (1_764_100_000L << 32) : 0, 0, (long) (1 + i % 64) << 30,
                    0, 0, 0, 1 + i % 3, 22, 1 + i % 9, vid, clone ? vid - 1 : 0, 0);
            rows.add(new VdiSummary(h, new Inode.Usage(i % 200, clone ? i % 50 : 0)));
        }
    }

    @Benchmark
    public String renderText() {
        return VdiListView.render(rows, zone);
    }
}
