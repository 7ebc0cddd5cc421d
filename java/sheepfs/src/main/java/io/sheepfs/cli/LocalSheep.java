package io.sheepfs.cli;

import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** --local DIR: the embedded single-node sheep on a free loopback port, formatted on first use. */
final class LocalSheep {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSheep.class);

    private LocalSheep() {}

    static EmbeddedSheep start(Path dir) throws IOException {
        Files.createDirectories(dir);
        EmbeddedSheep sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir));
        LOG.info("embedded sheep on {} keeps its objects in {}", sheep.address(), dir);
        return sheep;
    }

    /**
     * A new store is formatted with one copy (there is one node), the default object size and
     * VDI locking on (`dog cluster format -l`): a VDI attached by one mount cannot be attached by
     * another one through this sheep. A store formatted without locking (by sheepfs before
     * 2026-12) keeps its format: that is logged.
     */
    static void formatIfNew(SheepClient client) throws IOException {
        if (client.clusterStatus().result() == Result.WAIT_FOR_FORMAT) {
            client.format(1, 0, true);
            LOG.info("formatted the new store: 1 copy, VDI locking on");
        } else if ((client.clusterInfo().flags() & ClusterFlags.USE_LOCK) == 0) {
            LOG.warn("this store was formatted without VDI locking: other mounts through its sheep can attach "
                    + "and write the VDIs attached here (copy the VDIs to a new store to get locking)");
        }
    }
}
