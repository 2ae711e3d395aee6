package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.synack.tcp.TcpOptions;

/**
 * {@link TcpOptions#parse}: EOL, NOP, unknown options skipped by length, and malformed lists rejected.
 * Kept in the wire test package so the TCP engine's test package stays with its owner.
 */
class TcpOptionsParseTest
{
    private final TcpOptions options = new TcpOptions();

    private boolean parse(final String hex)
    {
        final byte[] bytes = BitUtil.fromHex(hex);
        // Behind a prefix and before a suffix of junk, so offset and length are honoured, not the buffer's edges.
        final byte[] framed = new byte[bytes.length + 8];
        java.util.Arrays.fill(framed, (byte)0x02);
        System.arraycopy(bytes, 0, framed, 3, bytes.length);
        return options.parse(new UnsafeBuffer(framed), 3, bytes.length);
    }

    @Test
    void emptyListHasNothing()
    {
        assertTrue(parse(""));
        assertEquals(TcpOptions.ABSENT, options.mss());
        assertEquals(TcpOptions.ABSENT, options.windowScale());
        assertFalse(options.sackPermitted());
        assertFalse(options.hasTimestamps());
        assertEquals(0, options.sackBlockCount());
    }

    @Test
    void eolEndsTheListAndWhatFollowsIsIgnored()
    {
        assertTrue(parse("00020405b4"), "MSS after EOL is padding, not an option");
        assertEquals(TcpOptions.ABSENT, options.mss());
        assertTrue(parse("020405b40000000000"));
        assertEquals(1460, options.mss());
        assertTrue(parse("00000000"));
    }

    @Test
    void nopsAreSkipped()
    {
        assertTrue(parse("0101010103030701"));
        assertEquals(7, options.windowScale());
    }

    @Test
    void unknownOptionsAreSkippedByTheirLength()
    {
        // Kind 30 (MPTCP) with 6 bytes, kind 34 (TFO) of length 2, kind 254 (experimental) with 4: all skipped.
        assertTrue(parse("1e06aabbccdd" + "2202" + "fe04abcd" + "020405dc"));
        assertEquals(1500, options.mss());
    }

    @Test
    void everyKnownOptionParses()
    {
        assertTrue(parse("020405b4" + "0402" + "080a0000000100000002" + "01" + "030309"
            + "0101" + "0512" + "0000000a00000014" + "0000001e00000028"));
        assertEquals(1460, options.mss());
        assertTrue(options.sackPermitted());
        assertTrue(options.hasTimestamps());
        assertEquals(1, options.tsVal());
        assertEquals(2, options.tsEcr());
        assertEquals(9, options.windowScale());
        assertEquals(2, options.sackBlockCount());
        assertEquals(10, options.sackLeft(0));
        assertEquals(20, options.sackRight(0));
        assertEquals(30, options.sackLeft(1));
        assertEquals(40, options.sackRight(1));
    }

    @Test
    void windowShiftAbove14IsUsedAs14()
    {
        assertTrue(parse("01030310"));
        assertEquals(TcpOptions.MAX_WINDOW_SHIFT, options.windowScale());
    }

    @Test
    void eachParseForgetsTheLastSegment()
    {
        assertTrue(parse("020405b4" + "0402" + "01030307"));
        assertTrue(parse("0101"));
        assertEquals(TcpOptions.ABSENT, options.mss());
        assertEquals(TcpOptions.ABSENT, options.windowScale());
        assertFalse(options.sackPermitted());
    }

    @Test
    void fourSackBlocksFillTheOptionSpace()
    {
        // 2 + 4 * 8 = 34 bytes: the most a 40-byte option space holds. (A 42-byte, 5-block SACK cannot come off
        // the wire, since the data offset caps options at 40 bytes, but parse() itself does not refuse it.)
        assertTrue(parse("0101" + "0522" + "0000000100000002" + "0000000300000004" + "0000000500000006"
            + "0000000700000008"));
        assertEquals(4, options.sackBlockCount());
        assertEquals(7, options.sackLeft(3));
        assertEquals(8, options.sackRight(3));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "unknown option of length 0,            1e00",
        "unknown option of length 1,            1e01aabb",
        "MSS of length 0 (would loop forever),  0200",
        "kind in the last byte without length,  010101" + "02",
        "option running past the end,           020405",
        "unknown option running past the end,   1e08aabbccdd",
        "MSS with length 3,                     02030501",
        "MSS with length 5,                     0205050000",
        "window scale with length 4,            03040700",
        "window scale with length 2,            0302",
        "SACK-permitted with length 3,          040300",
        "timestamps with length 8,              0808000000010000",
        "SACK with length 9,                    0509000000010000000a",
        "SACK with no blocks,                   0502",
        "good MSS then a bad option,            020405b41e00",
    })
    void malformedListsAreRejected(final String name, final String hex)
    {
        assertFalse(parse(hex), name);
    }
}
