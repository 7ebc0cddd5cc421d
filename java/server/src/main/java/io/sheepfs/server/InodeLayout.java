package io.sheepfs.server;

/**
 * Byte offsets inside an inode object that the server reads and patches in place.
 * TODO(protocol): replace with the protocol module's inode constants once published.
 */
public final class InodeLayout {
    public static final int NAME = 0;
    public static final int TAG = 256;
    public static final int CREATE_TIME = 512;
    public static final int SNAP_CTIME = 520;
    public static final int VDI_SIZE = 536;
    public static final int COPY_POLICY = 552;
    public static final int STORE_POLICY = 553;
    public static final int NR_COPIES = 554;
    public static final int BLOCK_SIZE_SHIFT = 555;
    public static final int SNAP_ID = 556;
    public static final int VDI_ID = 560;
    public static final int PARENT_VDI_ID = 564;
    public static final int BTREE_COUNTER = 568;
    public static final int HEADER_SIZE = 4664;
    public static final int DATA_VDI_ID = 4664;
    public static final int NR_INDEX = 1 << 20;
    public static final int GREF = DATA_VDI_ID + 4 * NR_INDEX;
    public static final int SIZE = GREF + 8 * NR_INDEX;

    private InodeLayout() {
    }
}
