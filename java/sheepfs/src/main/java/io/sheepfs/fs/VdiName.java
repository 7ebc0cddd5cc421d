package io.sheepfs.fs;

import io.sheepfs.protocol.FixedString;
import java.nio.charset.StandardCharsets;

/** Checks a VDI name given by the user before it reaches sheep or the tree. */
final class VdiName {
    private VdiName() {
    }

    /**
     * Returns {@code name} if it can be a VDI name and a file name under volume/: at most 255
     * UTF-8 bytes (ENAMETOOLONG), no '/', not "." or ".." (EINVAL). Control characters were
     * already refused by {@link CommandText}.
     */
    static String check(String name) throws FsException {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= FixedString.NAME_LEN) {
            throw new FsException(Errno.ENAMETOOLONG, "VDI name of " + bytes + " bytes (at most "
                    + (FixedString.NAME_LEN - 1) + ")");
        }
        if (name.indexOf('/') >= 0 || name.equals(".") || name.equals("..")) {
            throw new FsException(Errno.EINVAL, "not usable as a VDI file name: " + CommandText.printable(name));
        }
        return name;
    }
}
