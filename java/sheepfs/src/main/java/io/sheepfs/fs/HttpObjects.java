package io.sheepfs.fs;

import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP objects attached under http/ (PROTOCOL.md 11.4): attach HEADs the object at the
 * address in http/address, then creates http/ACCOUNT/, http/ACCOUNT/CONTAINER/ and the
 * read-only file OBJECT. At most {@link #MAX_OBJECTS} objects are attached at once.
 */
final class HttpObjects {
    static final int MAX_OBJECTS = 4096;
    /** Read-ahead memory of all open HTTP objects together. */
    static final long READ_AHEAD_BUDGET = 64L << 20;

    private final Tree tree;
    private final DirNode http;
    private final AtomicReference<byte[]> address;
    private final HttpObjectService service;
    private final ReadAheadBudget budget;
    private int attached;

    HttpObjects(Tree tree, DirNode http, AtomicReference<byte[]> address, HttpObjectService service,
                ReadAheadBudget budget) {
        this.tree = tree;
        this.http = http;
        this.address = address;
        this.service = service;
        this.budget = budget;
    }

    HttpObjects(Tree tree, DirNode http, AtomicReference<byte[]> address) {
        this(tree, http, address, new HttpObjectService(), new ReadAheadBudget(READ_AHEAD_BUDGET));
    }

    /** HEADs the object and shows it as http/A/C/O (again: refreshes its size). */
    HttpObjectNode attach(SwiftPath p) throws FsException {
        URI uri = HttpObjectService.uri(address.get(), p);
        long size = service.head(uri); // outside the lock: a slow service must not block other attaches
        synchronized (this) {
            DirNode account = dir(http, p.account());
            DirNode container = dir(account, p.container());
            Node existing = container.child(p.object());
            if (existing instanceof HttpObjectNode o) {
                o.refresh(uri, size);
                return o;
            }
            if (attached >= MAX_OBJECTS) {
                throw new FsException(Errno.ENOSPC, "already " + MAX_OBJECTS + " HTTP objects attached");
            }
            HttpObjectNode o = tree.addHttpObject(container, new HttpObjectNode(tree.allocateIno(), p.object(),
                    Tree.path(container, p.object()), service, budget, uri, size));
            attached++;
            return o;
        }
    }

    /** Read-ahead bytes held now (for tests and statistics). */
    long readAheadBytes() {
        return budget.used();
    }

    private DirNode dir(DirNode parent, String name) throws FsException {
        Node n = parent.child(name);
        if (n == null) {
            return tree.mkdir(parent, name);
        }
        if (n instanceof DirNode d) {
            return d;
        }
        throw new FsException(Errno.EEXIST, parent.path() + "/" + name + " exists and is not a directory");
    }
}
