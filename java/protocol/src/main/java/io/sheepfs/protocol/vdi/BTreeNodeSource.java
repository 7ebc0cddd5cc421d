package io.sheepfs.protocol.vdi;

import java.nio.ByteBuffer;

/**
 * Supplies a B-tree node object (hyper volumes, depth-2 lookups): the bytes of object
 * {@code oid} from offset 0, at least its 8-byte header plus all entries it declares.
 * Implementations do the I/O (READ_OBJ, a local file); the codec stays pure.
 */
@FunctionalInterface
public interface BTreeNodeSource {
    ByteBuffer read(long oid);
}
