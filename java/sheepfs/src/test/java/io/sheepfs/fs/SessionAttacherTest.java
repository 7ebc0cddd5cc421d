package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SessionAttacherTest {
    @Test
    void aSwitchedGatewayKeepsTheOthersAsFallbacks() {
        assertEquals("127.0.0.1:7002,127.0.0.1:7000,127.0.0.1:7001",
                SessionAttacher.withFallbacks("127.0.0.1:7002", "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"));
        assertEquals("[::1]:7000", SessionAttacher.withFallbacks("[::1]:7000", ""));
    }
}
