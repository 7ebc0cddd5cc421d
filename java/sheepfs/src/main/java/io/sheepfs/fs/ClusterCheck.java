package io.sheepfs.fs;

import io.sheepfs.client.ClientConfig;
import io.sheepfs.client.ConnectionException;
import io.sheepfs.client.SheepClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows which cluster a mount is on (learned at mount) and tells whether another sheep belongs
 * to it, so that config/sheep_info never moves a mount to another cluster or to a sheep that
 * is not formatted.
 */
final class ClusterCheck {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterCheck.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SheepClient client;
    private volatile ClusterIdentity known;

    ClusterCheck(SheepClient client) {
        this.client = client;
    }

    /** Learns the cluster's identity from the current gateway; false if it is not formatted (yet). */
    boolean learn() throws IOException {
        ClusterIdentity id = ClusterIdentity.of(client.clusterStatus());
        if (id != null) {
            known = id;
            LOG.debug("cluster identity: {}", id);
        }
        return id != null;
    }

    /**
     * The client's {@link io.sheepfs.client.GatewayGuard}: true if the sheep at {@code target}
     * belongs to this cluster (or no cluster is known yet: nothing to compare), false if it
     * belongs to another one or is not formatted; ConnectionException if it does not answer.
     */
    boolean admits(InetSocketAddress target) throws ConnectionException {
        if (known == null) {
            return true;
        }
        try {
            check(target);
            return true;
        } catch (FsException e) {
            if (e.errno() == Errno.EXDEV) {
                LOG.warn("gateway refused: {}", e.getMessage());
                return false;
            }
            throw new ConnectionException(e.getMessage(), e);
        }
    }

    /**
     * Returns normally if the sheep at {@code target} belongs to this mount's cluster. EXDEV if
     * it belongs to another one or is not formatted; ECONNREFUSED if it does not answer.
     */
    void check(InetSocketAddress target) throws FsException {
        String where = target.getAddress() != null ? target.getAddress().getHostAddress() + ":" + target.getPort()
                : target.toString();
        try {
            if (known == null && !learn()) {
                throw new FsException(Errno.EIO, "the cluster in use is not formatted: no sheep can be checked");
            }
            ClusterIdentity theirs;
            ClientConfig cfg = new ClientConfig(java.util.List.of(target), 1, TIMEOUT, TIMEOUT);
            try (SheepClient other = new SheepClient(cfg)) {
                theirs = ClusterIdentity.of(other.clusterStatus());
            }
            if (theirs == null) {
                throw new FsException(Errno.EXDEV, "sheep at " + where + " is not formatted: not a sheep of this cluster");
            }
            if (!theirs.equals(known)) {
                throw new FsException(Errno.EXDEV, "sheep at " + where + " belongs to another cluster (" + theirs
                        + "; this one: " + known + ")");
            }
        } catch (ConnectionException e) {
            throw new FsException(Errno.ECONNREFUSED, "sheep at " + where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw ResultErrno.of("ask the sheep at " + where + " for its cluster", e);
        }
    }
}
