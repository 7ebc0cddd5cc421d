package io.sheepfs.client;

import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ResponseHeader;

/**
 * A response: its header and the {@code header.dataLength()} data bytes that followed it.
 *
 * @param header decoded response header
 * @param data   the response data
 */
public record Response(ResponseHeader header, byte[] data) {
    public int result() {
        return header.result();
    }

    public boolean isSuccess() {
        return header.isSuccess();
    }

    /** Returns this response if it succeeded, else throws the sheep result as an exception. */
    public Response check() throws SheepResultException {
        if (!isSuccess()) {
            throw new SheepResultException(header.opcode(), header.result());
        }
        return this;
    }

    @Override
    public String toString() {
        return "Response[" + Opcode.name(header.opcode()) + " " + Result.name(header.result()) + " "
                + data.length + " bytes]";
    }
}
