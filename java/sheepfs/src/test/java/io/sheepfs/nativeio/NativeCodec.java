package io.sheepfs.nativeio;

/**
 * The C wire codec (native/src/sd_proto.c, sd_inode.c) seen from Java: the data path in C and
 * the control plane in Java each have their own codec, and these downcalls let tests check that
 * the two agree on every recorded message. Test scope: the natives live in a library of their own
 * (native/test/jni_codec.c, built beside the shim), named by the system property
 * {@value #LIBRARY_PROPERTY}, and loaded when this class is first used.
 *
 * <p>Results are plain arrays (index constants below); element 0 is the C codec's status: 0, or
 * a negative sd_err (-1 short input, -2 malformed, -3 out of range, -6 node missing ...).
 */
public final class NativeCodec {
    /** Indices into {@link #decodeRequestHeader}'s result (and {@link #encodeRequestHeader}'s input). */
    public static final int REQ_STATUS = 0, REQ_PROTO = 1, REQ_OPCODE = 2, REQ_FLAGS = 3, REQ_EPOCH = 4,
        REQ_ID = 5, REQ_DATA_LENGTH = 6,
        OBJ_OID = 7, OBJ_COW_OID = 8, OBJ_COPIES = 9, OBJ_COPY_POLICY = 10, OBJ_EC_INDEX = 11,
        OBJ_RESERVED = 12, OBJ_TGT_EPOCH = 13, OBJ_OFFSET = 14, OBJ_PAD = 15,
        VDI_SIZE = 16, VDI_BASE_VDI_ID = 17, VDI_COPIES = 18, VDI_COPY_POLICY = 19, VDI_STORE_POLICY = 20,
        VDI_BLOCK_SIZE_SHIFT = 21, VDI_SNAPID = 22, VDI_TYPE = 23, VDI_PAD0 = 24, VDI_PAD1 = 25;
    /** Union variant selectors for {@link #encodeRequestHeader}. */
    public static final int VARIANT_OBJ = 0, VARIANT_VDI = 1, VARIANT_NONE = 2;

    /** Indices into {@link #decodeResponseHeader}'s result. */
    public static final int RSP_STATUS = 0, RSP_PROTO = 1, RSP_OPCODE = 2, RSP_FLAGS = 3, RSP_EPOCH = 4,
        RSP_ID = 5, RSP_DATA_LENGTH = 6, RSP_RESULT = 7, RSP_OBJ_COPIES = 8, RSP_OBJ_OFFSET = 9,
        RSP_VDI_RSVD = 10, RSP_VDI_ID = 11, RSP_VDI_ATTR_ID = 12, RSP_VDI_COPIES = 13, RSP_VDI_BSS = 14;

    /** Indices into {@link #decodeInodeHeader}'s result. */
    public static final int INO_STATUS = 0, INO_CREATE_TIME = 1, INO_SNAP_CTIME = 2, INO_VDI_SIZE = 3,
        INO_COPY_POLICY = 4, INO_STORE_POLICY = 5, INO_NR_COPIES = 6, INO_BLOCK_SIZE_SHIFT = 7,
        INO_SNAP_ID = 8, INO_VDI_ID = 9, INO_PARENT = 10, INO_BTREE_COUNTER = 11, INO_META_SIZE = 12,
        INO_NR_OBJS = 13;

    static final String LIBRARY_PROPERTY = "sheepfs.codec.test.lib";

    static {
        String lib = System.getProperty(LIBRARY_PROPERTY);
        if (lib == null) {
            throw new IllegalStateException(LIBRARY_PROPERTY + " is not set: run the test through Maven, "
                    + "which builds libsheepfs_codec_test.so and names it");
        }
        System.load(lib);
    }

    private NativeCodec() {}

    /** sd_req_decode + both union variants (obj and vdi) of a 48-byte request header. */
    public static native long[] decodeRequestHeader(byte[] header);

    /** sd_req_encode of the fields (layout of decodeRequestHeader) with one union variant. */
    public static native byte[] encodeRequestHeader(long[] fields, int variant);

    /** sd_rsp_decode + the obj and vdi response variants. */
    public static native long[] decodeResponseHeader(byte[] header);

    /** dog's text for a result code ("Invalid error code 92" when it has none). */
    public static native String resultMessage(int result);

    /** The errno the data path reports for a result code. */
    public static native int resultErrno(int result);

    /** FNV-1a based vid of a name (the probe start). */
    public static native int nameHashVid(byte[] name);

    /** Object size of an oid for a VDI with the given block_size_shift (0 if invalid). */
    public static native long objectSize(long oid, int blockSizeShift);

    /** sd_inode_hdr_decode of an inode read from offset 0 (header, index metadata size, object count). */
    public static native long[] decodeInodeHeader(byte[] inode);

    /**
     * sd_inode_lookup of every index in {@code idx}: the owning vid (0 = hole) or a negative
     * sd_err. Depth-2 B-trees fetch their leaves from {@code nodeOids}/{@code nodes} (may be null).
     */
    public static native long[] inodeLookup(byte[] inode, long[] idx, long[] nodeOids, byte[][] nodes);
}
