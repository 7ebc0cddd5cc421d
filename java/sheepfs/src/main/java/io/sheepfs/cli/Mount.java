package io.sheepfs.cli;

import io.sheepfs.client.ClientConfig;
import io.sheepfs.client.Gateway;
import io.sheepfs.client.SheepClient;
import io.sheepfs.fs.GatewaySurvey;
import io.sheepfs.fs.SessionAttacher;
import io.sheepfs.fs.Settings;
import io.sheepfs.fs.SheepfsTree;
import io.sheepfs.nativeio.FuseSession;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.server.EmbeddedSheep;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mount, in this process: optional embedded sheep, client, tree, native session. Returns
 * when the file system is unmounted (fusermount3 -u, SIGTERM/SIGINT through the shutdown hook).
 */
final class Mount {
    private static final Logger LOG = LoggerFactory.getLogger(Mount.class);
    /** As many gateways as the native pool is given (it keeps up to 16). */
    private static final int MAX_GATEWAYS = 8;
    /** Requests in flight per CPU with --io-uring: a queue depth of 16 from one job fits one CPU's queue. */
    private static final int URING_DEPTH = 16;

    /** What to mount, from the command line. */
    record Plan(Path mountPoint, List<Gateway> gateways, Path local, boolean pageCache, boolean objectCache,
                boolean allowOther, boolean readOnly, int uid, int gid, int threads, boolean cloneFd,
                int connections, int pieceSize, boolean readahead, boolean ioUring, int ioTimeout) {}

    /** Told once the mount answers (or why it cannot). */
    interface Readiness {
        void ready();

        void failed(String why);
    }

    private Mount() {}

    static int run(Plan plan, Readiness readiness) {
        Path mp = plan.mountPoint().toAbsolutePath().normalize();
        String problem = MountPointCheck.problem(mp, MountPointCheck.readMountInfo());
        if (problem != null) {
            readiness.failed(problem);
            return 1;
        }
        EmbeddedSheep sheep = null;
        SheepClient client = null;
        FuseSession session = null;
        try {
            GatewaySurvey survey;
            if (plan.local() != null) {
                sheep = LocalSheep.start(plan.local());
                survey = new GatewaySurvey(List.of(new InetSocketAddress("127.0.0.1", sheep.port())), List.of());
            } else {
                survey = GatewaySurvey.of(plan.gateways().stream().map(Gateway::address).toList());
            }
            InetSocketAddress gateway = survey.inOrder().get(0);
            client = new SheepClient(ClientConfig.of(gateway).withGateways(survey.inOrder()));
            List<SdNode> nodes;
            try {
                nodes = client.nodes();
            } catch (IOException e) {
                readiness.failed("cannot reach sheep at " + String.join(", ", survey.inOrder().stream()
                                .map(Mount::hostPort).toList()) + ": " + e.getMessage()
                        + (plan.local() == null ? " (is sheep running there? --local DIR runs an embedded one)" : ""));
                return 1;
            }
            if (plan.local() != null) {
                LocalSheep.formatIfNew(client);
            }
            SessionAttacher attacher = new SessionAttacher();
            SheepfsTree tree = new SheepfsTree(client, attacher, new Settings(plan.pageCache(), plan.objectCache()),
                    ZoneId.systemDefault(), attacher);
            if (!tree.learnCluster()) {
                LOG.warn("the cluster at {} is not formatted", hostPort(gateway));
            }
            client.transport().guard(tree.gatewayGuard(), survey.agreed());
            // the native pool gets only gateways known to be of this cluster, and the cluster's nodes
            List<InetSocketAddress> checked = survey.agreed().isEmpty() ? List.of(gateway) : survey.agreed();
            session = FuseSession.mount(mp, tree.callbacks(), gatewayList(checked, nodes), options(plan));
            attacher.bind(session);
            session.start();
            FuseSession s = session;
            EmbeddedSheep sh = sheep;
            Thread hook = new Thread(() -> stop(s, sh), "sheepfs-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            if (!probe(mp)) {
                readiness.failed("the mount at " + mp + " did not answer");
                return 1;
            }
            LOG.info("sheepfs mounted on {} (sheep {})", mp, hostPort(gateway));
            readiness.ready();
            session.awaitStop();
            LOG.info("sheepfs unmounted from {}", mp);
            return 0;
        } catch (IOException | RuntimeException e) {
            LOG.debug("mount failed", e);
            readiness.failed(String.valueOf(e.getMessage()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            stop(session, sheep);
            if (client != null) {
                client.close();
            }
        }
    }

    private static FuseSession.Options options(Plan plan) {
        FuseSession.Options o = FuseSession.Options.defaults();
        List<String> mo = new ArrayList<>(o.mountOptions());
        if (plan.allowOther()) {
            mo.add("allow_other");
        }
        if (plan.readOnly()) {
            mo.add("ro");
        }
        o = o.withMountOptions(mo).withOwner(plan.uid(), plan.gid());
        o = o.withConnections(plan.connections() > 0 ? plan.connections() : o.connections(), plan.pieceSize())
                .withReadahead(plan.readahead()).withIoTimeout(plan.ioTimeout());
        if (plan.threads() > 0 || plan.cloneFd()) {
            o = o.withThreads(plan.threads() > 0 ? plan.threads() : o.maxThreads(), plan.cloneFd());
        }
        return plan.ioUring() ? o.withUring(URING_DEPTH) : o;
    }

    /** Readiness means a lookup through the new mount succeeds, not just that mount(2) returned. */
    private static boolean probe(Path mp) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end) {
            if (Files.isDirectory(mp.resolve("volume")) && "fuse.sheepfs".equals(
                    MountPointCheck.fsTypeAt(mp, MountPointCheck.readMountInfo()))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static synchronized void stop(FuseSession session, EmbeddedSheep sheep) {
        if (session != null) {
            try {
                session.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("unmount: {}", e.getMessage());
            }
        }
        if (sheep != null) {
            sheep.close();
        }
    }

    /**
     * The gateway first, then the cluster's other nodes, so that the data path fails over by
     * itself when the gateway dies (the C pool tries them in order).
     */
    static String gatewayList(InetSocketAddress gateway, List<SdNode> nodes) {
        return gatewayList(List.of(gateway), nodes);
    }

    /** The gateways given (checked to be of one cluster), then the cluster's other nodes. */
    static String gatewayList(List<InetSocketAddress> gateways, List<SdNode> nodes) {
        Set<String> list = new LinkedHashSet<>();
        gateways.forEach(g -> list.add(hostPort(g)));
        for (SdNode n : nodes) {
            if (list.size() >= MAX_GATEWAYS) {
                break;
            }
            list.add(hostPort(new InetSocketAddress(n.nid().addr().toInetAddress(), n.nid().port())));
        }
        return String.join(",", list);
    }

    static String hostPort(InetSocketAddress a) {
        String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
