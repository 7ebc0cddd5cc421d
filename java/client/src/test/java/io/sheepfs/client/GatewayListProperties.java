package io.sheepfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** -a's gateway list: what is valid round-trips; anything else is a GatewayListException. */
class GatewayListProperties {
    @Property
    void anyListOfValidGatewaysRoundTrips(@ForAll("gatewayLists") List<Gateway> gateways) throws Exception {
        assertEquals(gateways, GatewayList.parse(GatewayList.format(gateways), 7000));
    }

    @Property
    void entriesWithoutAPortTakeTheDefaultOne(@ForAll("hosts") String host, @ForAll @IntRange(min = 1, max = 65535) int port)
            throws Exception {
        String text = host.indexOf(':') >= 0 && port % 2 == 0 ? "[" + host + "]" : host;
        assertEquals(List.of(new Gateway(host, port)), GatewayList.parse(text, port));
    }

    @Property
    void anyOtherTextGetsTheParseErrorAndNothingElse(@ForAll @Size(max = 80) String text,
                                                     @ForAll @IntRange(min = -1, max = 70000) int defaultPort) {
        try {
            List<Gateway> out = GatewayList.parse(text, defaultPort);
            assertTrue(!out.isEmpty() && out.size() <= GatewayList.MAX);
        } catch (GatewayListException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }

    @Property
    void mangledListsGetTheParseErrorAndNothingElse(@ForAll("gatewayLists") List<Gateway> gateways,
                                                    @ForAll @IntRange(min = 0, max = 200) int at,
                                                    @ForAll("noise") String noise) {
        String text = GatewayList.format(gateways);
        int i = Math.min(at, text.length());
        try {
            GatewayList.parse(text.substring(0, i) + noise + text.substring(i), 7000);
        } catch (GatewayListException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }

    @Test
    void badInputIsNamed() {
        assertEquals("entry 2 of the gateway list is empty", message("h:1,,h:2"));
        assertEquals("entry 2 of the gateway list is empty", message("h:1,"));
        assertEquals("bad port 'x' in 'h:x'", message("h:x"));
        assertEquals("bad port '' in 'h:'", message("h:"));
        assertEquals("port 70000 in 'h:70000' is out of range (1-65535)", message("h:70000"));
        assertEquals("port 0 in 'h:0' is out of range (1-65535)", message("h:0"));
        assertEquals("unclosed bracket in '[::1:7000'", message("[::1:7000"));
        assertEquals("expected :PORT after ']' in '[::1]7000'", message("[::1]7000"));
        assertEquals("9 gateways given, at most 8 are allowed", message("a,b,c,d,e,f,g,h,i"));
        assertEquals("gateway h:7000 is listed twice", message("h,h:7000"));
        assertEquals("no gateway given", message(" "));
        assertTrue(message("a;b:7000").contains("not a host name"));
    }

    @Test
    void theOriginalFormsStillWork() throws Exception {
        assertEquals(List.of(new Gateway("127.0.0.1", 7001)), GatewayList.parse("127.0.0.1", 7001));
        assertEquals(List.of(new Gateway("::1", 7001)), GatewayList.parse("::1", 7001));
        assertEquals(List.of(new Gateway("::1", 7000), new Gateway("h", 2), new Gateway("h", 1)),
                GatewayList.parse("[::1]:7000, h:2,h", 1));
    }

    private static String message(String text) {
        return assertThrows(GatewayListException.class, () -> GatewayList.parse(text, 7000)).getMessage();
    }

    @Provide
    Arbitrary<List<Gateway>> gatewayLists() {
        Arbitrary<Gateway> g = Combinators.combine(hosts(), Arbitraries.integers().between(1, 65535)).as(Gateway::new);
        return g.list().ofMinSize(1).ofMaxSize(GatewayList.MAX).uniqueElements();
    }

    @Provide
    Arbitrary<String> hosts() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
                .withChars('-', '.').ofMinLength(0).ofMaxLength(30)
                .flatMap(rest -> Arbitraries.strings().withCharRange('a', 'z').ofLength(1).map(first -> first + rest));
        Arbitrary<String> v4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3));
        Arbitrary<String> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(GatewayListProperties::v6);
        return Arbitraries.oneOf(names, v4, v6, Arbitraries.of("::1", "::", "fe80::1", "::ffff:1.2.3.4"));
    }

    @Provide
    Arbitrary<String> noise() {
        return Arbitraries.oneOf(Arbitraries.of(",", "[", "]", ":", "::", ",,", " ", ":99999", ":-1", "[]"),
                Arbitraries.strings().ofMaxLength(4));
    }

    private static String v6(byte[] b) {
        b[10] = 1; // never an IPv4-mapped address, which Java gives back as IPv4
        try {
            return ((Inet6Address) InetAddress.getByAddress(b)).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
