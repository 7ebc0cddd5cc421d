package io.sheepfs.client;

import io.sheepfs.protocol.cluster.SdNode;

/**
 * STAT_SHEEP of one node of the node list.
 *
 * @param index position in the node list (dog's Id column)
 * @param node  the node
 * @param size  store size in bytes
 * @param free  free bytes
 */
public record NodeStat(int index, SdNode node, long size, long free) {
    public long used() {
        return size - free;
    }
}
