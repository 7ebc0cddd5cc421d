package io.sheepfs.nativeio;

/** Downcalls into libsheepfs_native.so. Registered by JNI_OnLoad from one table. */
public final class SheepfsNative {
    private SheepfsNative() {}

    /** Loads the shim (once) so that the natives below are bound. */
    public static void load() {
        NativeLibrary.load();
    }

    /** The shim's identity and the libfuse version it was built against. */
    public static native String version();
}
