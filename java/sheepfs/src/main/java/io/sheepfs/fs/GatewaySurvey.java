package io.sheepfs.fs;

import io.sheepfs.client.ClientConfig;
import io.sheepfs.client.ConnectionException;
import io.sheepfs.client.SheepClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateways given at mount, each asked which cluster it belongs to, so that a mount never
 * fails over to another cluster: a listed sheep of another cluster than the first one that
 * answers, or (with several listed) one not formatted, refuses the mount. One that does not
 * answer is allowed: the client checks it when it first moves there ({@link ClusterCheck}).
 *
 * @param agreed      the gateways that answered, all of one cluster, in the order given
 * @param unreachable the gateways that did not answer, in the order given
 */
public record GatewaySurvey(List<InetSocketAddress> agreed, List<InetSocketAddress> unreachable) {
    private static final Logger LOG = LoggerFactory.getLogger(GatewaySurvey.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    public GatewaySurvey {
        agreed = List.copyOf(agreed);
        unreachable = List.copyOf(unreachable);
    }

    /** What one gateway said: nothing (unreachable), or its cluster (null: not formatted). */
    record Answer(InetSocketAddress gateway, boolean reachable, ClusterIdentity identity) {}

    /** Every gateway in the order to try them: those that answered first. */
    public List<InetSocketAddress> inOrder() {
        List<InetSocketAddress> all = new ArrayList<>(agreed);
        all.addAll(unreachable);
        return all;
    }

    /** Asks each of {@code gateways}; throws {@link GatewayRefusedException} saying which one is refused and why. */
    public static GatewaySurvey of(List<InetSocketAddress> gateways) throws GatewayRefusedException {
        List<Answer> answers = new ArrayList<>();
        for (InetSocketAddress g : gateways) {
            answers.add(ask(g));
        }
        return judge(answers);
    }

    static GatewaySurvey judge(List<Answer> answers) throws GatewayRefusedException {
        List<InetSocketAddress> agreed = new ArrayList<>();
        List<InetSocketAddress> unreachable = new ArrayList<>();
        Answer first = null;
        for (Answer a : answers) {
            if (!a.reachable()) {
                LOG.warn("gateway {} does not answer: it is checked when first used", text(a.gateway()));
                unreachable.add(a.gateway());
                continue;
            }
            if (a.identity() == null && answers.size() > 1) {
                throw new GatewayRefusedException("gateway " + text(a.gateway())
                        + " is not formatted: it cannot be a gateway of the cluster");
            }
            if (first == null) {
                first = a;
            } else if (!a.identity().equals(first.identity())) {
                throw new GatewayRefusedException("gateway " + text(a.gateway()) + " belongs to another cluster ("
                        + a.identity() + ") than gateway " + text(first.gateway()) + " (" + first.identity() + ")");
            }
            agreed.add(a.gateway());
        }
        return new GatewaySurvey(agreed, unreachable);
    }

    private static Answer ask(InetSocketAddress g) throws GatewayRefusedException {
        if (g.isUnresolved()) {
            return new Answer(g, false, null);
        }
        try (SheepClient c = new SheepClient(new ClientConfig(List.of(g), 1, TIMEOUT, TIMEOUT))) {
            return new Answer(g, true, ClusterIdentity.of(c.clusterStatus()));
        } catch (ConnectionException e) {
            LOG.debug("gateway {}: {}", text(g), e.getMessage());
            return new Answer(g, false, null);
        } catch (IOException e) {
            throw new GatewayRefusedException("gateway " + text(g) + " cannot tell its cluster: " + e.getMessage());
        }
    }

    static String text(InetSocketAddress a) {
        String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    /** A listed gateway is of another cluster, or not formatted: the mount is refused. */
    public static final class GatewayRefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        GatewayRefusedException(String message) {
            super(message);
        }
    }
}
