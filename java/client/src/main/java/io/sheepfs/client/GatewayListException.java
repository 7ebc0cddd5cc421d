package io.sheepfs.client;

/** A gateway list that cannot be read; the message says what is wrong with it. */
public final class GatewayListException extends Exception {
    public GatewayListException(String message) {
        super(message);
    }
}
