package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.synack.ip.Ipv4Address;
import dev.synack.test.Allocations;

/**
 * SYN cookies as Linux encodes them: the MSS table index under a keyed hash of the 4-tuple and a 64 s counter in the
 * ISS, window scale and SACK-permitted in the low 6 bits of TSval.
 */
class SynCookiesTest
{
    private static final long SECRET = 0x5EED_C00C_1E5L;
    private static final int LOCAL_IP = Ipv4Address.parse("198.18.0.1");
    private static final int REMOTE_IP = Ipv4Address.parse("198.18.0.2");
    private static final int LOCAL_PORT = 80;
    private static final int REMOTE_PORT = 40000;
    private static final int IRS = 0xCAFE_0000;
    private static final long T = 1_000 * SynCookies.PERIOD_NS + 5_000_000_000L;

    private final SynCookies cookies = new SynCookies(new IsnGenerator(SECRET));

    private int cookie(final int mss, final long now)
    {
        return cookies.cookie(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, IRS, mss, now);
    }

    private boolean check(final int cookie, final long now)
    {
        return cookies.check(cookie, LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, IRS, now);
    }

    @Test
    void everyMssOfTheTableComesBack()
    {
        for (final int mss : SynCookies.MSS_TABLE)
        {
            cookies.mss = 0;
            assertTrue(check(cookie(mss, T), T), "MSS " + mss);
            assertEquals(mss, cookies.mss);
        }
    }

    @Test
    void theMssIsRoundedDownToTheTable()
    {
        final int[][] asked = {{9000, 1460}, {1460, 1460}, {1459, 1440}, {1452, 1440}, {1440, 1440}, {1439, 1300},
            {1300, 1300}, {1299, 536}, {536, 536}, {100, 536}};
        for (final int[] pair : asked)
        {
            assertTrue(check(cookie(pair[0], T), T));
            assertEquals(pair[1], cookies.mss, "MSS " + pair[0]);
        }
    }

    @Test
    void everyWindowScaleAndSackCombinationComesBackInTsEcr()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int scale = TcpOptions.ABSENT; scale <= 14; scale++)
        {
            for (final boolean sack : new boolean[] {false, true})
            {
                for (int n = 0; n < 100; n++)
                {
                    final int tsNow = random.nextInt();
                    final int tsVal = SynCookies.tsVal(tsNow, scale, sack);
                    assertEquals(scale, SynCookies.windowScale(tsVal), "scale " + scale);
                    assertEquals(sack, SynCookies.sackPermitted(tsVal));
                    // Never ahead of the clock (later TSvals must not go backwards), and within 2^6 of it.
                    final int behind = tsNow - tsVal;
                    assertTrue(behind >= 0 && behind < 64, "TSval " + tsVal + " for a clock at " + tsNow);
                }
            }
        }
        assertEquals(14, SynCookies.windowScale(SynCookies.tsVal(0, 15, false)), "RFC 7323 §2.3: 14 at most");
    }

    @Test
    void aCookieLivesFromItsPeriodToTheEndOfTheNext()
    {
        final long periodStart = T - T % SynCookies.PERIOD_NS;
        final int c = cookie(1460, periodStart);
        assertTrue(check(c, periodStart + SynCookies.PERIOD_NS - 1));
        assertTrue(check(c, periodStart + 2 * SynCookies.PERIOD_NS - 1), "the previous counter is accepted");
        assertFalse(check(c, periodStart + 2 * SynCookies.PERIOD_NS), "two periods on: expired");
        assertFalse(check(c, periodStart + 200 * SynCookies.PERIOD_NS));
        assertFalse(check(c, periodStart - 1), "made in a period that has not come yet");
    }

    @Test
    void aTamperedCookieIsRejected()
    {
        final int c = cookie(1460, T);
        // Bits 0 and 1 only move the MSS index inside the table (Linux's cookies have the same 2 bits of slack).
        for (int bit = 2; bit < 32; bit++)
        {
            assertFalse(check(c ^ (1 << bit), T), "bit " + bit + " flipped");
        }
        assertFalse(check(c + 4, T));
        assertFalse(check(c - 4, T));
    }

    @Test
    void aCookieIsGoodForItsOwnFourTupleAndIrsOnly()
    {
        final int c = cookie(1460, T);
        assertTrue(check(c, T));
        assertFalse(cookies.check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP + 1, REMOTE_PORT, IRS, T), "remote IP");
        assertFalse(cookies.check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT + 1, IRS, T), "remote port");
        assertFalse(cookies.check(c, LOCAL_IP, LOCAL_PORT + 1, REMOTE_IP, REMOTE_PORT, IRS, T), "local port");
        assertFalse(cookies.check(c, LOCAL_IP + 1, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, IRS, T), "local IP");
        // The IRS is added, not hashed (as in Linux): one a few below only moves the MSS index, as the low bits do.
        assertFalse(cookies.check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, IRS + 4, T), "IRS");
        assertFalse(cookies.check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, IRS - 1, T), "IRS");
    }

    @Test
    void theKeyIsTheStacksIsnSecret()
    {
        final SynCookies other = new SynCookies(new IsnGenerator(SECRET + 1));
        final int c = cookie(1460, T);
        assertFalse(other.check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, IRS, T));
        assertTrue(new SynCookies(new IsnGenerator(SECRET)).check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT,
            IRS, T), "the same secret, another instance: the cookie is stateless");
    }

    @Test
    void guessedCookiesPassAtTheOddsOfTheHash()
    {
        // A forger who knows the 4-tuple and the IRS but not the key: 4 of 2^24 guesses pass (about 0.24 in 10^6).
        final SplittableRandom random = new SplittableRandom(42);
        int passed = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            passed += check(random.nextInt(), T) ? 1 : 0;
        }
        assertTrue(passed <= 3, passed + " of 1,000,000 random cookies passed");
    }

    @Test
    void makingAndCheckingCookiesAllocatesNothing()
    {
        final long bytes = Allocations.leastOf(3, 3, () ->
        {
            for (int i = 0; i < 100_000; i++)
            {
                final int c = cookies.cookie(LOCAL_IP, LOCAL_PORT, REMOTE_IP, i, IRS + i, 1460, T);
                if (!cookies.check(c, LOCAL_IP, LOCAL_PORT, REMOTE_IP, i, IRS + i, T))
                {
                    throw new AssertionError("cookie " + i);
                }
                SynCookies.tsVal(i, i & 15, (i & 1) != 0);
            }
        });
        assertEquals(0, bytes);
    }
}
