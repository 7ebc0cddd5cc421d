package io.sheepfs.view;

import io.sheepfs.client.ClusterStatus;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.format.DogFormat;
import java.time.ZoneId;
import java.util.Locale;

/** The text of `dog cluster info` (PROTOCOL.md 10.2): sheepfs's cluster/info. */
public final class ClusterInfoView {
    private ClusterInfoView() {
    }

    public static String render(ClusterStatus status, ZoneId zone) {
        StringBuilder sb = new StringBuilder("Cluster status: ");
        if (status.result() == Result.SUCCESS) {
            boolean disabled = !status.logs().isEmpty() && status.logs().get(0).disableRecovery() != 0;
            sb.append("running, auto-recovery ").append(disabled ? "disabled" : "enabled");
        } else {
            sb.append(Result.message(status.result()));
        }
        sb.append("\n\n");
        if (status.logs().isEmpty()) {
            return sb.toString();
        }
        long created = DogFormat.seconds(status.logs().get(0).ctime());
        sb.append("Cluster created at ").append(DogFormat.ctime(created, zone)).append("\n\n");
        sb.append("Epoch Time           Version [Host:Port:V-Nodes,,,]\n");
        for (EpochLog log : status.logs()) {
            sb.append(DogFormat.dateSeconds(log.time(), zone))
                    .append(String.format(Locale.ROOT, " %6d [", Integer.toUnsignedLong(log.epoch())));
            for (int i = 0; i < log.nodes().size(); i++) {
                SdNode n = log.nodes().get(i);
                sb.append(i == 0 ? "" : ", ").append(DogFormat.address(n.nid().addr(), n.nid().port()))
                        .append(':').append(n.nrVnodes());
            }
            sb.append("]\n");
        }
        return sb.toString();
    }
}
