package io.sheepfs.view;

import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.format.DogFormat;
import java.util.List;
import java.util.Locale;

/** The text of `dog node list` (PROTOCOL.md 10.4): sheepfs's node/list. */
public final class NodeListView {
    private NodeListView() {
    }

    public static String render(List<SdNode> nodes) {
        StringBuilder sb = new StringBuilder("  Id   Host:Port         V-Nodes       Zone\n");
        for (int i = 0; i < nodes.size(); i++) {
            SdNode n = nodes.get(i);
            sb.append(String.format(Locale.ROOT, "%4d   %-20s\t%2d%11d\n", i,
                    DogFormat.address(n.nid().addr(), n.nid().port()), n.nrVnodes(),
                    Integer.toUnsignedLong(n.zone())));
        }
        return sb.toString();
    }
}
