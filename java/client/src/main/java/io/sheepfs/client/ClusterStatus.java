package io.sheepfs.client;

import io.sheepfs.protocol.cluster.EpochLog;
import java.util.List;

/**
 * What STAT_CLUSTER answered: the result (SUCCESS, WAIT_FOR_FORMAT, WAIT_FOR_JOIN, ...) and the
 * epoch logs, newest first (empty when sheep sent none).
 *
 * @param result sheep's result code
 * @param logs   epoch logs, newest first
 */
public record ClusterStatus(int result, List<EpochLog> logs) {
    public ClusterStatus {
        logs = List.copyOf(logs);
    }
}
