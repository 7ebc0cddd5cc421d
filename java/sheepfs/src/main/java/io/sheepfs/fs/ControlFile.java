package io.sheepfs.fs;

/**
 * Behaviour of a control file: what a read shows and what a command does. What one open writes
 * is one command, given whole to {@link #write} at its newline or at close ({@link CommandBuffer});
 * content is read at open.
 */
public interface ControlFile {
    /** What reading the file shows now (empty for write-only files). */
    byte[] content();

    /** Runs one whole command {@code data} (its newline included, if it had one); failures carry the errno. */
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
