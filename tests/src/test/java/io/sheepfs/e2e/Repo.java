package io.sheepfs.e2e;

import java.nio.file.Path;

/** Where the checkout and its launchers are. */
final class Repo {
    private Repo() {}

    static Path root() {
        return Path.of(System.getProperty("sheepfs.repo.root", "..")).toAbsolutePath().normalize();
    }

    static String sheepfs() {
        return root().resolve("bin/sheepfs").toString();
    }
}
