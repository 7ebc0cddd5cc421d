package io.sheepfs.client;

/**
 * Parameters of NEW_VDI for a new (non-snapshot) VDI. Zero copies / block size shift mean the
 * cluster default.
 *
 * @param name           VDI name (UTF-8, at most 255 bytes, no NUL)
 * @param size           bytes
 * @param copies         replicas, 0 = cluster default
 * @param copyPolicy     0 = replication
 * @param storePolicy    0 normal, 1 hyper volume (B-tree index)
 * @param blockSizeShift object size shift, 0 = cluster default
 * @param baseVid        0, or the snapshot a clone is made from
 */
public record NewVdi(String name, long size, int copies, int copyPolicy, int storePolicy, int blockSizeShift,
                     int baseVid) {
    /** A plain VDI with the cluster's defaults. */
    public static NewVdi of(String name, long size) {
        return new NewVdi(name, size, 0, 0, 0, 0, 0);
    }

    public NewVdi withBlockSizeShift(int bss) {
        return new NewVdi(name, size, copies, copyPolicy, storePolicy, bss, baseVid);
    }

    public NewVdi withStorePolicy(int policy) {
        return new NewVdi(name, size, copies, copyPolicy, policy, blockSizeShift, baseVid);
    }
}
