package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.synack.tcp.SeqNum;

/**
 * {@link SeqNum} across the 2^31 (signed) and 2^32 (unsigned) wrap-arounds. Lives in the wire test package
 * so the TCP engine's test package stays with its owner.
 */
class SeqNumWrapTest
{
    private static final int[] BASES = {0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF0, 0x7FFF_FFF0, 12345};
    private static final int[] DISTANCES = {1, 2, 1000, 0x10000, 0x3FFF_FFFF, 0x7FFF_FFFE, 0x7FFF_FFFF};

    @Test
    void comparesAcrossTheUnsignedWrap()
    {
        final int beforeWrap = 0xFFFF_FFFF;
        final int afterWrap = 0;
        assertTrue(SeqNum.lt(beforeWrap, afterWrap));
        assertTrue(SeqNum.le(beforeWrap, afterWrap));
        assertFalse(SeqNum.gt(beforeWrap, afterWrap));
        assertFalse(SeqNum.ge(beforeWrap, afterWrap));
        assertTrue(SeqNum.gt(afterWrap, beforeWrap));
        assertTrue(SeqNum.lt(0xFFFF_FF00, 0x0000_00FF));
        assertEquals(afterWrap, SeqNum.max(beforeWrap, afterWrap));
        assertEquals(beforeWrap, SeqNum.min(beforeWrap, afterWrap));
        assertEquals(0xFFFF_FFFFL, SeqNum.unsigned(beforeWrap));
    }

    @Test
    void comparesAcrossTheSignedWrap()
    {
        // Integer.MAX_VALUE then Integer.MIN_VALUE: a plain '<' would get this backwards.
        final int before = 0x7FFF_FFFF;
        final int after = 0x8000_0000;
        assertTrue(SeqNum.lt(before, after));
        assertTrue(SeqNum.gt(after, before));
        assertFalse(before < after, "the reason SeqNum exists");
        assertEquals(after, SeqNum.max(before, after));
        assertEquals(0x8000_0000L, SeqNum.unsigned(after));
    }

    @Test
    void everyOrderingHoldsForDistancesBelowHalfTheSpace()
    {
        for (final int a : BASES)
        {
            for (final int d : DISTANCES)
            {
                final int b = a + d;
                final String at = Integer.toUnsignedString(a) + " + " + d;
                assertTrue(SeqNum.lt(a, b), at);
                assertTrue(SeqNum.le(a, b), at);
                assertFalse(SeqNum.gt(a, b), at);
                assertFalse(SeqNum.ge(a, b), at);
                assertTrue(SeqNum.gt(b, a), at);
                assertTrue(SeqNum.ge(b, a), at);
                assertFalse(SeqNum.lt(b, a), at);
                assertEquals(b, SeqNum.max(a, b), at);
                assertEquals(a, SeqNum.min(b, a), at);
                assertTrue(SeqNum.le(a, a) && SeqNum.ge(a, a) && !SeqNum.lt(a, a) && !SeqNum.gt(a, a), at);
            }
        }
    }

    @Test
    void exactlyHalfTheSpaceApartIsAmbiguous()
    {
        // RFC 1982 §3.2 leaves numbers 2^31 apart undefined; with (a - b) < 0 each looks "less" than the other.
        // Nothing may depend on it: windows are kept below 2^30 (RFC 7323 §2.3).
        for (final int a : BASES)
        {
            final int b = a + 0x8000_0000;
            assertTrue(SeqNum.lt(a, b) && SeqNum.lt(b, a), Integer.toUnsignedString(a));
        }
    }

    @Test
    void windowsSpanningTheWrap()
    {
        final int low = 0xFFFF_FF00;
        final int high = low + 0x200;
        assertTrue(SeqNum.inWindow(low, low, high));
        assertTrue(SeqNum.inWindow(low, 0xFFFF_FFFF, high));
        assertTrue(SeqNum.inWindow(low, 0, high));
        assertTrue(SeqNum.inWindow(low, high - 1, high));
        assertFalse(SeqNum.inWindow(low, high, high));
        assertFalse(SeqNum.inWindow(low, low - 1, high));
        assertFalse(SeqNum.inWindow(low, 0x7FFF_FFFF, high));
        assertFalse(SeqNum.inWindow(5, 5, 5), "an empty window holds nothing");

        final int signedLow = 0x7FFF_FF00;
        assertTrue(SeqNum.inWindow(signedLow, 0x8000_0000, signedLow + 0x1000));
        assertTrue(SeqNum.inWindow(signedLow, 0x8000_0EFF, signedLow + 0x1000));
        assertFalse(SeqNum.inWindow(signedLow, 0x8000_0F00, signedLow + 0x1000));
    }
}
