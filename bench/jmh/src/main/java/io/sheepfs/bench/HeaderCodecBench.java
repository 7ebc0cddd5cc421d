package io.sheepfs.bench;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.ObjResponse;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 48-byte headers: every request the embedded server handles and every reply the client
 * reads goes through these, so their cost bounds the Java side's request rate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderCodecBench {
    private RequestHeader request;
    private byte[] requestBytes;
    private byte[] responseBytes;
    private final byte[] out = new byte[RequestHeader.SIZE];
    private int id;

    @Setup
    public void setup() {
        request = RequestHeader.of(Opcode.READ_OBJ, 0, 1 << 20, ObjRequest.of(ObjectId.data(0x6d1d39, 17), 4096))
                .withId(42);
        requestBytes = request.encode();
        responseBytes = ResponseHeader.reply(request, 3, Result.SUCCESS, 1 << 20, new ObjResponse(1, 0)).encode();
    }

    /** A READ_OBJ header built from its fields and written into a reused buffer (the client's send path). */
    @Benchmark
    public byte[] encodeReadRequest() {
        RequestHeader h = RequestHeader.of(Opcode.READ_OBJ, 0, 1 << 20,
                ObjRequest.of(ObjectId.data(0x6d1d39, id & 0xfffff), 4096)).withId(id++);
        h.encodeTo(out, 0);
        return out;
    }

    /** Decoding a request header and its object variant (the server's receive path). */
    @Benchmark
    public long decodeRequest() {
        RequestHeader h = RequestHeader.decode(requestBytes, 0);
        return h.obj().oid() + h.dataLength();
    }

    /** Decoding a response header and its object variant (the client's receive path). */
    @Benchmark
    public long decodeResponse() {
        ResponseHeader h = ResponseHeader.decode(responseBytes, 0);
        return h.result() + h.dataLength() + h.obj().copies();
    }

    /** The server's whole per-request header work: decode, build the reply, encode it. */
    @Benchmark
    public byte[] decodeAndReply() {
        RequestHeader h = RequestHeader.decode(requestBytes, 0);
        ResponseHeader.reply(h, 3, Result.SUCCESS, h.dataLength(), new ObjResponse(1, 0)).encodeTo(out, 0);
        return out;
    }
}
