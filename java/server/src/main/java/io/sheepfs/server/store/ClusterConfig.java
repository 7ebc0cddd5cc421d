package io.sheepfs.server.store;

/**
 * The parameters fixed by a format (MAKE_FS) plus the epoch log of this single node.
 *
 * @param ctime      format time, (seconds << 32) | nanoseconds as sent by dog
 * @param epochTime  seconds since the epoch when epoch 1 was logged
 */
public record ClusterConfig(long ctime, int nrCopies, int copyPolicy, int flags, int blockSizeShift,
                            String store, int epoch, long epochTime) {
}
