package io.sheepfs.server;

import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A bare protocol socket for tests: send a header (+ payload), read a header (+ data). */
final class RawClient implements AutoCloseable {
    record Response(ResponseHeader header, byte[] data) {
        int result() {
            return header.result();
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = new BufferedOutputStream(socket.getOutputStream());
    }

    Socket socket() {
        return socket;
    }

    void sendRaw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    void send(RequestHeader h, byte[] payload) throws IOException {
        out.write(h.encode());
        if (payload != null && payload.length > 0) {
            out.write(payload);
        }
        out.flush();
    }

    Response receive() throws IOException {
        byte[] hb = new byte[ResponseHeader.SIZE];
        in.readFully(hb);
        ResponseHeader h = ResponseHeader.decode(hb);
        byte[] data = new byte[(int) h.dataLength()];
        in.readFully(data);
        return new Response(h, data);
    }

    Response call(RequestHeader h, byte[] payload) throws IOException {
        send(h, payload);
        return receive();
    }

    /** True if the server closed the connection (EOF) within the socket timeout. */
    boolean closedByServer(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
