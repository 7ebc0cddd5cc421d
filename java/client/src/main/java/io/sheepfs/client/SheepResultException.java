package io.sheepfs.client;

import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import java.io.IOException;

/** Sheep answered a request with a result other than SUCCESS. The connection stays usable. */
public final class SheepResultException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int opcode;
    private final int result;

    public SheepResultException(int opcode, int result) {
        super(Opcode.name(opcode) + ": " + Result.message(result) + " (0x" + Integer.toHexString(result) + ")");
        this.opcode = opcode;
        this.result = result;
    }

    public int opcode() {
        return opcode;
    }

    /** The sheep result code, see {@link Result}. */
    public int result() {
        return result;
    }
}
