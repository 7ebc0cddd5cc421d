package io.sheepfs.cli;

import picocli.CommandLine;

/** Entry point of the sheepfs command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new SheepfsCommand()).execute(args);
    }
}
