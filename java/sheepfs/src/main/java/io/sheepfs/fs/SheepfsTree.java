package io.sheepfs.fs;

import io.sheepfs.client.GatewayGuard;
import io.sheepfs.client.SheepClient;
import io.sheepfs.view.Views;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.function.Consumer;

/**
 * Builds the sheepfs tree (PROTOCOL.md 11.2): cluster/, vdi/, node/, config/, http/, volume/.
 * Text views have .json twins.
 */
public final class SheepfsTree {
    private final Tree tree = new Tree();
    private final Volumes volumes;
    private final PseudoFs fs;
    private final ClusterCheck clusterCheck;

    /**
     * @param client       the cluster
     * @param attacher     serves the data of attached volumes
     * @param settings     config/ switches
     * @param zone         time zone of the dates in the views (the local zone; dog prints local time)
     * @param onGatewaySet told when config/sheep_info switched the gateway (volume sockets reconnect)
     */
    public SheepfsTree(SheepClient client, VolumeAttacher attacher, Settings settings, ZoneId zone,
                       Consumer<InetSocketAddress> onGatewaySet) {
        Views views = new Views(client, zone);
        clusterCheck = new ClusterCheck(client);
        DirNode root = tree.root();

        DirNode cluster = tree.mkdir(root, "cluster");
        tree.view(cluster, "info", text(views::clusterInfo));
        tree.view(cluster, "info.json", json(views::clusterInfoJson));

        DirNode vdi = tree.mkdir(root, "vdi");
        DirNode volume = tree.mkdir(root, "volume");
        volumes = new Volumes(tree, volume, client, attacher);
        tree.view(vdi, "list", text(views::vdiList));
        tree.view(vdi, "list.json", json(views::vdiListJson));
        tree.control(vdi, "mount", VdiControls.mount(volumes));
        tree.control(vdi, "unmount", VdiControls.unmount(volumes));
        tree.control(vdi, "create", VdiControls.create(client));
        tree.control(vdi, "unlock", VdiControls.unlock(client, volumes));

        DirNode node = tree.mkdir(root, "node");
        tree.view(node, "list", text(views::nodeList));
        tree.view(node, "list.json", json(views::nodeListJson));
        tree.view(node, "info", text(views::nodeInfo));
        tree.view(node, "info.json", json(views::nodeInfoJson));

        DirNode config = tree.mkdir(root, "config");
        tree.control(config, "page_cache", ConfigControls.flag("page cache", settings.pageCache));
        tree.control(config, "object_cache", ConfigControls.flag("object cache", settings.objectCache));
        tree.control(config, "sheep_info", ConfigControls.sheepInfo(client, clusterCheck, onGatewaySet));

        DirNode http = tree.mkdir(root, "http");
        tree.control(http, "address", HttpControls.address(settings.httpAddress));
        tree.control(http, "object", HttpControls.object(new HttpObjects(tree, http, settings.httpAddress)));

        fs = new PseudoFs(tree, () -> settings.pageCache() ? 1 : 0);
    }

    /**
     * Learns which cluster this mount is on (config/sheep_info then refuses sheep of others);
     * false if the cluster is not formatted yet (it is learned at the first switch then).
     */
    public boolean learnCluster() throws IOException {
        return clusterCheck.learn();
    }

    /**
     * For the client's transport: admits a gateway only if its sheep belongs to the cluster
     * learned by {@link #learnCluster} (so that failover never moves to another cluster).
     */
    public GatewayGuard gatewayGuard() {
        return clusterCheck::admits;
    }

    /** The callbacks to hand to the native core. */
    public PseudoFs callbacks() {
        return fs;
    }

    public Volumes volumes() {
        return volumes;
    }

    public Tree tree() {
        return tree;
    }

    /** A view body that can fail with a client error. */
    @FunctionalInterface
    interface Body {
        String get() throws IOException;
    }

    private static ViewNode.Renderer text(Body body) {
        return () -> {
            try {
                return body.get().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw ResultErrno.of("render view", e);
            } catch (RuntimeException e) {
                // a malformed answer from sheep (ProtocolException) must not reach the native caller
                throw new FsException(Errno.EIO, "render view: " + e, e);
            }
        };
    }

    private static ViewNode.Renderer json(Body body) {
        return text(body);
    }
}
