package io.sheepfs.protocol.header;

/** Opcodes that use no union: all 32 bytes are zero. */
public record NoRequestUnion() implements RequestUnion {
    public static final NoRequestUnion INSTANCE = new NoRequestUnion();

    @Override
    public void encodeTo(byte[] union) {
        // nothing: the union stays zero
    }
}
