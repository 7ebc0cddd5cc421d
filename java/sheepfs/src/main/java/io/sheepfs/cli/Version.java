package io.sheepfs.cli;

import picocli.CommandLine.IVersionProvider;

/** The version printed by --version: the jar's own, and the Sheepdog protocol it speaks. */
public final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {
            "sheepfs " + (v == null ? "(development build)" : v),
            "speaks the Sheepdog 1.0 wire protocol"
        };
    }
}
