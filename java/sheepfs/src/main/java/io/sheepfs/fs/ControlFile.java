package io.sheepfs.fs;

/**
 * Behaviour of a control file: what a read shows and what a write does. Each write(2) call is
 * one command (that is how `echo NAME > file` arrives); content is read at open.
 */
public interface ControlFile {
    /** What reading the file shows now (empty for write-only files). */
    byte[] content();

    /** Acts on one write of {@code data}; failures carry the errno. */
    void write(byte[] data) throws FsException;

    /** True if the file accepts writes at all (otherwise open for writing gives EACCES). */
    default boolean writable() {
        return true;
    }

    /** True if the file has something to show. */
    default boolean readable() {
        return true;
    }
}
