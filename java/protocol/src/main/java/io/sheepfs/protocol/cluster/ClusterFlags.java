package io.sheepfs.protocol.cluster;

/** Cluster flags (PROTOCOL.md 9.3) and cluster status values (7.5). */
public final class ClusterFlags {
    public static final int STRICT = 0x0001;
    public static final int DISKMODE = 0x0002;
    public static final int AUTO_VNODES = 0x0004;
    public static final int USE_LOCK = 0x0008;
    public static final int RECYCLE_VID = 0x0010;
    public static final int AVOID_DISKFULL = 0x0020;

    public static final int STATUS_OK = 1;
    public static final int STATUS_WAIT = 2;
    public static final int STATUS_SHUTDOWN = 3;
    public static final int STATUS_KILLED = 4;

    private ClusterFlags() {
    }
}
