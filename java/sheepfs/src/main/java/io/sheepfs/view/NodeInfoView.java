package io.sheepfs.view;

import io.sheepfs.client.NodeStat;
import io.sheepfs.protocol.format.DogFormat;
import java.util.List;
import java.util.Locale;

/**
 * The stdout of `dog node info` (PROTOCOL.md 10.5): sheepfs's node/info. A node that did not
 * answer STAT_SHEEP has no row; when none answered, only the header is printed (dog then
 * reports the failure on stderr, which sheepfs never showed).
 */
public final class NodeInfoView {
    private NodeInfoView() {
    }

    /**
     * @param stats            answers of the nodes that replied, in node-list order
     * @param totalVirtualSize sum of vdi_size over the live non-snapshot VDIs
     */
    public static String render(List<NodeStat> stats, long totalVirtualSize) {
        StringBuilder sb = new StringBuilder("Id\tSize\tUsed\tAvail\tUse%\n");
        if (stats.isEmpty()) {
            return sb.toString();
        }
        long size = 0;
        long free = 0;
        for (NodeStat s : stats) {
            int use = s.size() == 0 ? 0 : percent(s.size(), s.free());
            sb.append(String.format(Locale.ROOT, "%2d\t%s\t%s\t%s\t%3d%%\n", s.index(), DogFormat.size(s.size()),
                    DogFormat.size(s.used()), DogFormat.size(s.free()), use));
            size += s.size();
            free += s.free();
        }
        sb.append(String.format(Locale.ROOT, "Total\t%s\t%s\t%s\t%3d%%\n\n", DogFormat.size(size),
                DogFormat.size(size - free), DogFormat.size(free), percent(size, free)));
        sb.append("Total virtual image size\t").append(DogFormat.size(totalVirtualSize)).append('\n');
        return sb.toString();
    }

    /** (int)(((double)(size - free) / size) * 100), C truncation; 0 where C would divide by zero. */
    private static int percent(long size, long free) {
        if (size == 0) {
            return 0;
        }
        return (int) (((double) (size - free) / size) * 100);
    }
}
