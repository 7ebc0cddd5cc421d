package io.sheepfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** -a takes a gateway list: bad lists exit 64 with a message, before anything is mounted. */
class AddressOptionTest {
    private static String[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.run(args);
            return new String[] {String.valueOf(rc), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void badListsExit64WithAMessage() {
        String[][] cases = {
            {"h:1,,h:2", "entry 2 of the gateway list is empty"},
            {"h:99999", "out of range"},
            {"h:x", "bad port 'x'"},
            {"[::1:7000", "unclosed bracket"},
            {"a,b,c,d,e,f,g,h,i", "at most 8"},
        };
        for (String[] c : cases) {
            String[] r = run("-f", "-a", c[0], "/nonexistent-mount-point");
            assertEquals("64", r[0], c[0] + ": " + r[1]);
            assertTrue(r[1].contains("sheepfs: -a: ") && r[1].contains(c[1]), r[1]);
        }
    }

    @Test
    void helpNamesTheList() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("--help"));
        } finally {
            System.setOut(old);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("ADDR[:PORT][,ADDR[:PORT]]..."), out.toString());
    }
}
