package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeLibraryTest {
    @Test
    void loadsFromTheJarResourcesAndAnswers() {
        SheepfsNative.load();
        String v = SheepfsNative.version();
        assertTrue(v.startsWith("sheepfs-native (libfuse 3."), v);
    }
}
