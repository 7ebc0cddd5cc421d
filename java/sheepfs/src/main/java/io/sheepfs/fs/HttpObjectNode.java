package io.sheepfs.fs;

import java.net.URI;

/**
 * http/ACCOUNT/CONTAINER/OBJECT: a read-only file whose bytes are fetched from the HTTP service
 * with ranged GETs; its size is the Content-Length of the HEAD made when it was attached
 * (attaching it again refreshes the size).
 */
public final class HttpObjectNode extends NamedNode {
    private final HttpObjectService http;
    private final ReadAheadBudget budget;
    private volatile URI uri;
    private volatile long size;

    HttpObjectNode(long ino, String name, String path, HttpObjectService http, ReadAheadBudget budget, URI uri,
                   long size) {
        super(ino, name, path);
        this.http = http;
        this.budget = budget;
        this.uri = uri;
        this.size = size;
    }

    @Override
    public int perm() {
        return 0444;
    }

    /** Content-Length at the last attach. */
    public long size() {
        return size;
    }

    URI uri() {
        return uri;
    }

    /** After a new HEAD of the same name (the address may have changed too). */
    void refresh(URI newUri, long newSize) {
        uri = newUri;
        size = newSize;
    }

    /** A reader for one open handle; the size is fixed for the handle's life. */
    HttpObjectReader open() {
        return new HttpObjectReader(http, uri, size, budget);
    }
}
