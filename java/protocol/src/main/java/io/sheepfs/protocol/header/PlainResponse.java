package io.sheepfs.protocol.header;

/** Responses carrying only the result word. */
public record PlainResponse() implements ResponseUnion {
    public static final PlainResponse INSTANCE = new PlainResponse();

    @Override
    public void encodeTo(byte[] rest) {
        // nothing after the result
    }
}
