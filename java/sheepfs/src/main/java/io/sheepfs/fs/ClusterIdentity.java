package io.sheepfs.fs;

import io.sheepfs.client.ClusterStatus;
import io.sheepfs.protocol.format.DogFormat;
import io.sheepfs.protocol.cluster.EpochLog;

/**
 * What tells one cluster from another, as cluster/info shows it: when it was formatted (ctime,
 * to the nanosecond sheep keeps) and its number of copies.
 */
record ClusterIdentity(long ctime, int copies) {
    /** The identity in a STAT_CLUSTER answer, or null when that sheep is not formatted. */
    static ClusterIdentity of(ClusterStatus status) {
        if (status.logs().isEmpty()) {
            return null;
        }
        EpochLog log = status.logs().get(0);
        return new ClusterIdentity(log.ctime(), log.nrCopies());
    }

    @Override
    public String toString() {
        return "formatted at " + java.time.Instant.ofEpochSecond(DogFormat.seconds(ctime)) + ", " + copies
                + (copies == 1 ? " copy" : " copies");
    }
}
