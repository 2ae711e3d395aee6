package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.synack.memwire.FaultPlan;
import dev.synack.stack.CongestionControl;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;

/**
 * RFC 9438 CUBIC: the window function and its constants (§4.2), the window over manual-clock time after a loss
 * (concave up to W_max, convex past it, §4.4-§4.5), the Reno-friendly region (§4.3), fast convergence (§4.7), the
 * 0.7 cut on a fast retransmit (§4.6) and on a timeout (§4.8), the app-limited rule (§5.8), and a lossy transfer
 * between two stacks.
 */
class CubicTest
{
    private static final int MSS = 1000;
    private static final int X = 11_000;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final double SECOND = 1e9;

    /** A connection in the unit tests: only the fields congestion control reads. */
    private static TcpConnection connection(final long cwndSegments)
    {
        final TcpConnection c = new TcpConnection(null, 0);
        c.sndMss = MSS;
        c.cwnd = cwndSegments * MSS;
        c.ssthresh = Integer.MAX_VALUE;
        CongestionWindow.reset(c, true);
        return c;
    }

    /** A loss at cwnd, and fast recovery over: cwnd = ssthresh, the next ACK starts congestion avoidance. */
    private static void lossAt(final TcpConnection c, final long cwndSegments)
    {
        c.cwnd = cwndSegments * MSS;
        c.ssthresh = CongestionWindow.ssthreshOnLoss(c);
        c.cwnd = c.ssthresh;
    }

    /**
     * One round trip with the window full: an ACK for each segment of cwnd, spread evenly over the RTT.
     *
     * @return the time at its end.
     */
    private static long roundTrip(final TcpConnection c, final long startNs, final long rttNs)
    {
        c.srttNs = rttNs;
        final int segments = (int)(c.cwnd / MSS);
        for (int i = 1; i <= segments; i++)
        {
            c.sndUna = 0;
            c.sndMax = (int)c.cwnd; // a full window in flight: cwnd-limited
            CongestionWindow.grow(c, MSS, startNs + rttNs * i / segments);
        }
        return startNs + rttNs;
    }

    private static double segments(final TcpConnection c)
    {
        return (double)c.cwnd / MSS;
    }

    @Test
    void theWindowFunctionStartsAtBetaTimesWmaxAndReachesWmaxAtK()
    {
        // §4.2: K = cbrt(W_max × (1 - β_cubic) / C) = cbrt(100 × 0.3 / 0.4) = cbrt(75) s for W_max = 100 segments.
        final double k = Cubic.k(100, 70);
        assertEquals(Math.cbrt(75), k, 1e-12);
        assertEquals(4.2172, k, 1e-4);
        assertEquals(70, Cubic.wCubic(0, k, 100), 1e-9, "W_cubic(0) = β_cubic × W_max");
        assertEquals(100, Cubic.wCubic(k, k, 100), 1e-12, "W_cubic(K) = W_max");
        assertEquals(100 + 0.4 * 8, Cubic.wCubic(k + 2, k, 100), 1e-9, "C × (t - K)^3 + W_max past K");
        assertEquals(0.4, Cubic.C);
        assertEquals(0.7, Cubic.BETA_CUBIC);
        assertEquals(3 * 0.3 / 1.7, Cubic.ALPHA_CUBIC, 1e-15, "§4.3: α_cubic = 3(1 - β) / (1 + β)");
        assertEquals(0, Cubic.k(30, 30), "§4.8: a stage that starts at W_max has K = 0");
    }

    @Test
    void afterALossTheWindowIsConcaveUpToWmaxThenConvex()
    {
        // W_max = 1,000 segments, RTT 100 ms: K = cbrt(750) ≈ 9.1 s, and the cubic function stays well above
        // Reno's α_cubic per RTT (W_est) all the way to t = 2K.
        final TcpConnection c = connection(10);
        lossAt(c, 1_000);
        assertEquals(700 * MSS, c.ssthresh);
        final double k = Cubic.k(1_000, 700);
        final long rtt = 100 * MS;
        long now = 1_000 * MS;
        final double[] at = {0, k / 2, k, 1.5 * k, 2 * k};
        final double[] window = new double[at.length];
        window[0] = segments(c);
        for (int i = 1; i < at.length; i++)
        {
            // t counts from the stage's first ACK in congestion avoidance (the epoch start)
            while (c.cubicEpochStartNs == Cubic.NO_EPOCH || (now - c.cubicEpochStartNs) / SECOND < at[i])
            {
                now = roundTrip(c, now, rtt);
            }
            window[i] = segments(c);
            // cwnd tracks W_cubic(t): each RTT it reaches the target that was one RTT ahead.
            final double t = (now - c.cubicEpochStartNs) / SECOND;
            assertEquals(Cubic.wCubic(t, k, 1_000), window[i], 10, "cwnd at t = " + t + " s");
            assertTrue(window[i] > c.cubicWestSegments, "above W_est: not the Reno-friendly region at t = " + t);
        }
        assertEquals(k, c.cubicKSeconds, 1e-12, "K from W_max = 1,000 and cwnd_epoch = 700");
        assertEquals(1_000, window[2], 10, "W_max again at t = K");
        final double concaveEarly = window[1] - window[0];
        final double concaveLate = window[2] - window[1];
        final double convexEarly = window[3] - window[2];
        final double convexLate = window[4] - window[3];
        assertTrue(concaveEarly > 3 * concaveLate, "concave: fast, then slow up to W_max: " + concaveEarly + ", "
            + concaveLate);
        assertTrue(convexLate > 3 * convexEarly, "convex: slow past W_max, then fast: " + convexEarly + ", "
            + convexLate);
        assertTrue(window[4] > 1_250, "probing past W_max: " + window[4]);
    }

    @Test
    void theTargetIsClampedToOneAndAHalfCwndPerRoundTrip()
    {
        // Far past K (W_max = 10, t = 10 s): W_cubic(t + RTT) is hundreds of segments; growth stops at 1.5 × cwnd.
        final TcpConnection c = connection(10);
        lossAt(c, 10);
        long now = roundTrip(c, 0, 100 * MS);
        now += 10_000 * MS; // the window full all along: t counts every second of it
        final double before = segments(c);
        roundTrip(c, now, 100 * MS);
        assertTrue(segments(c) <= 1.5 * before * 1.01, before + " -> " + segments(c));
        assertTrue(segments(c) > 1.3 * before, before + " -> " + segments(c));
    }

    @Test
    void atASmallWindowAndRttTheRenoFriendlyRegionRules()
    {
        // §4.3: W_max = 10 segments, RTT 10 ms: K ≈ 1.96 s, yet Reno gains a segment every 10 ms. CUBIC must not
        // be slower: cwnd follows W_est, growing by α_cubic per RTT up to cwnd_prior, then 1 per RTT as Reno.
        final TcpConnection c = connection(10);
        lossAt(c, 10);
        final long rtt = 10 * MS;
        long now = roundTrip(c, 0, rtt);
        assertEquals(7 + Cubic.ALPHA_CUBIC, segments(c), 0.05, "one RTT: α_cubic more");
        for (int i = 0; i < 20; i++)
        {
            now = roundTrip(c, now, rtt);
        }
        final double before = segments(c);
        for (int i = 0; i < 10; i++)
        {
            now = roundTrip(c, now, rtt);
        }
        assertEquals(10, segments(c) - before, 0.5, "past cwnd_prior: one segment per RTT, as Reno");
        assertEquals(c.cubicWestSegments, segments(c), 0.01, "cwnd = W_est");
        final double t = now / SECOND;
        assertTrue(segments(c) > Cubic.wCubic(t, c.cubicKSeconds, 10) + 15, "far above W_cubic(t) at t = " + t);

        // The same loss at an RTT of 500 ms: the cubic function is ahead of Reno's α_cubic per RTT.
        final TcpConnection slow = connection(10);
        lossAt(slow, 10);
        long then = 0;
        for (int i = 0; i < 2; i++)
        {
            then = roundTrip(slow, then, 500 * MS);
        }
        assertTrue(segments(slow) > slow.cubicWestSegments + 0.5,
            segments(slow) + " vs W_est " + slow.cubicWestSegments);
    }

    @Test
    void fastConvergenceLowersWmaxWhenALossComesBelowTheLastOne()
    {
        final TcpConnection c = connection(10);
        lossAt(c, 100);
        assertEquals(100, c.cubicWmaxSegments, 1e-12);
        assertEquals(100, c.cubicCwndPriorSegments, 1e-12);
        // §4.7: a loss at 80 < W_max: W_max = 80 × (1 + β_cubic) / 2 = 68, releasing bandwidth to a newer flow.
        lossAt(c, 80);
        assertEquals(68, c.cubicWmaxSegments, 1e-9);
        assertEquals(80, c.cubicCwndPriorSegments, 1e-12, "cwnd_prior is the window itself");
        assertEquals(56 * MSS, c.ssthresh, "the cut is still 0.7 × cwnd");
        // A loss at or above W_max: W_max = cwnd.
        lossAt(c, 90);
        assertEquals(90, c.cubicWmaxSegments, 1e-12);
        // The next stage climbs back to the lowered W_max: K = cbrt((W_max - cwnd_epoch) / C).
        lossAt(c, 80);
        roundTrip(c, 0, 100 * MS);
        assertEquals(Cubic.k(68, 56), c.cubicKSeconds, 1e-12);
    }

    @Test
    void theCutIsSevenTenthsOfCwndNeverBelowTwoSegments()
    {
        final TcpConnection c = connection(10);
        lossAt(c, 10);
        assertEquals(7 * MSS, c.ssthresh);
        c.cwnd = 2 * MSS;
        assertEquals(2 * MSS, CongestionWindow.ssthreshOnLoss(c), "RFC 5681 §3.1: at least 2 × SMSS");
        c.cwnd = 14_600;
        assertEquals(10_220, CongestionWindow.ssthreshOnLoss(c), "exact in bytes: 0.7 × 14,600");
    }

    @Test
    void aTimeoutCutsOnceAndTheNextStageStartsAtWmaxWithKZero()
    {
        final TcpConnection c = connection(40);
        c.retries = 1; // the first expiry (TcpTimers counts it before the congestion response)
        CongestionWindow.timeout(c);
        assertEquals(28 * MSS, c.ssthresh, "§4.8: ssthresh from β_cubic");
        assertEquals(MSS, c.cwnd, "one segment, as Reno");
        // A backed-off second expiry of the same segment: cwnd is 1 segment now, the path's window is not.
        c.retries = 2;
        CongestionWindow.timeout(c);
        assertEquals(28 * MSS, c.ssthresh);
        // Slow start up to ssthresh, then the first ACK in congestion avoidance: W_max = that cwnd, K = 0.
        c.cwnd = 28 * MSS;
        roundTrip(c, 0, 100 * MS);
        assertEquals(28, c.cubicWmaxSegments, 1e-12);
        assertEquals(0, c.cubicKSeconds);
        assertTrue(c.cwnd > 28 * MSS, "growing from the start: " + c.cwnd);
    }

    @Test
    void aTimeoutInFastRecoveryDoesNotCutAgain()
    {
        final TcpConnection c = connection(10);
        lossAt(c, 40);
        c.cwnd = c.ssthresh + 3 * MSS; // inflated by fast recovery's duplicate ACKs
        c.inRecovery = true;
        c.retries = 1;
        CongestionWindow.timeout(c);
        assertEquals(28 * MSS, c.ssthresh, "the cut for this loss was made on entering recovery");
        assertEquals(MSS, c.cwnd);
    }

    @Test
    void anAppLimitedOrIdleConnectionDoesNotGrowNorCountTheTime()
    {
        // §5.8: less than cwnd in flight — cwnd stays, and t does not advance (the stage's start moves).
        final TcpConnection c = connection(10);
        lossAt(c, 100);
        long now = roundTrip(c, 0, 100 * MS);
        final long cwnd = c.cwnd;
        final long epoch = c.cubicEpochStartNs;
        c.sndUna = 0;
        c.sndMax = 10 * MSS; // 10 segments in flight, cwnd about 72
        now += 5_000 * MS; // an idle 5 s, then an ACK for what the application sent since
        CongestionWindow.grow(c, MSS, now);
        assertEquals(cwnd, c.cwnd, "app-limited: no growth");
        assertEquals(epoch + 5_000 * MS, c.cubicEpochStartNs, "t excludes the idle time");
        // Window-limited again: growth resumes as if the 5 s had not passed (t ≈ 0.1 s, far from K ≈ 4.2 s).
        roundTrip(c, now, 100 * MS);
        final double t = (now + 100 * MS - c.cubicEpochStartNs) / SECOND;
        assertTrue(t < 0.2, "t = " + t + " s");
        assertEquals(Cubic.wCubic(t, c.cubicKSeconds, 100), segments(c), 1.5);
    }

    @Test
    void slowStartGrowsOnlyWhileHalfOfCwndIsInFlight()
    {
        // §4.6 cuts cwnd itself: a window slow start grew without using it would make that cut no cut at all.
        final TcpConnection c = connection(20);
        c.sndUna = 0;
        c.sndMax = 8 * MSS; // 9 segments in flight before this ACK, fewer than half of 20
        CongestionWindow.grow(c, MSS, 0);
        assertEquals(20 * MSS, c.cwnd, "app-limited: no growth");
        c.sndMax = 10 * MSS; // 11 before the ACK: more than half
        CongestionWindow.grow(c, MSS, 0);
        assertEquals(21 * MSS, c.cwnd);
        // Reno keeps RFC 5681's rule: every ACK in slow start grows cwnd.
        final TcpConnection reno = connection(20);
        CongestionWindow.reset(reno, false);
        CongestionWindow.grow(reno, MSS, 0);
        assertEquals(21 * MSS, reno.cwnd);
    }

    @Test
    void renoIsTheDefaultAndUnchanged()
    {
        assertEquals(CongestionControl.RENO, RawPeer.config().congestionControl());
        final TcpConnection c = connection(10);
        CongestionWindow.reset(c, false);
        c.ssthresh = 10 * MSS;
        c.sndUna = 0;
        c.sndMax = 40 * MSS;
        assertEquals(20 * MSS, CongestionWindow.ssthreshOnLoss(c), "FlightSize / 2");
        CongestionWindow.grow(c, MSS, 0);
        assertEquals(10 * MSS + MSS * MSS / (10 * MSS), c.cwnd, "SMSS × SMSS / cwnd per ACK");
    }

    @ParameterizedTest(name = "{0}: ssthresh {1}")
    @CsvSource({"RENO, 5000", "CUBIC, 7000"})
    void aThirdDuplicateAckCutsSsthreshAsTheAlgorithmSays(final CongestionControl cc, final long ssthresh)
    {
        final RawPeer peer = new RawPeer(RawPeer.config().congestionControl(cc));
        final RecordingHandler app = new RecordingHandler();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(MSS));
        final TcpConnection c = app.last;
        c.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS);
        assertEquals(10, peer.drain().size(), "the initial window: 10 segments, cwnd = FlightSize = 10,000");
        // The first is lost; the other nine draw duplicate ACKs. The third: fast retransmit (RFC 5681 §3.2), and
        // ssthresh = FlightSize / 2 (Reno) or 0.7 × cwnd (RFC 9438 §4.6).
        peer.send(seg().ack(y + 1).seq(X + 1));
        peer.send(seg().ack(y + 1).seq(X + 1));
        peer.send(seg().ack(y + 1).seq(X + 1));
        peer.expect(seg().ack(X + 1).seq(y + 1).len(MSS));
        assertEquals(ssthresh, c.ssthresh());
        assertEquals(ssthresh + 3 * MSS, c.cwnd(), "NewReno's inflation by the three segments that left");
        assertEquals(cc == CongestionControl.CUBIC, c.cubic);
    }

    @ParameterizedTest(name = "{0}: ssthresh {1}")
    @CsvSource({"RENO, 5000", "CUBIC, 7000"})
    void aRetransmissionTimeoutCutsSsthreshAsTheAlgorithmSaysAndCwndToOneSegment(final CongestionControl cc,
        final long ssthresh)
    {
        final RawPeer peer = new RawPeer(RawPeer.config().congestionControl(cc));
        final RecordingHandler app = new RecordingHandler();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(MSS));
        final TcpConnection c = app.last;
        c.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS);
        assertEquals(10, peer.drain().size());
        // All lost. RTO (200 ms): --> <SEQ=Y+1><DATA=1000>.
        peer.advanceMs(201);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(MSS));
        assertEquals(ssthresh, c.ssthresh());
        assertEquals(MSS, c.cwnd());
        // Lost again: the backed-off timer (400 ms) resends it; the cut is not made twice.
        peer.advanceMs(401);
        peer.expect(seg().ack(X + 1).seq(y + 1).len(MSS));
        assertEquals(ssthresh, c.ssthresh());
        assertEquals(MSS, c.cwnd());
    }

    @Test
    void aCubicConnectionTransfersEverythingThroughALossAndCutsToSevenTenths()
    {
        // A sends 4 MiB to B over the in-memory wire, which drops A's 40th frame (a data segment, well into slow
        // start). A reads one frame per duty cycle, so the cwnd just before the cycle that cut ssthresh is the
        // cwnd at the loss.
        final StackPair pair = StackPair.resolved(
            StackPair.configA().congestionControl(CongestionControl.CUBIC).rxBatchLimit(1)
                .sendBufferSize(256 * 1024).receiveBufferSize(256 * 1024),
            StackPair.configB().congestionControl(CongestionControl.CUBIC)
                .sendBufferSize(256 * 1024).receiveBufferSize(256 * 1024),
            FaultPlan.none().dropFrame(40), FaultPlan.none());
        final BulkTransfer bulk = new BulkTransfer(4L << 20);
        pair.b.agent.tcp().listen(9, bulk.receiver);
        pair.a.agent.tcp().connect(StackPair.B_IP, 9, bulk.sender);
        long cwndBefore = 0;
        long cwndAtLoss = -1;
        long ssthreshAfterLoss = -1;
        for (int step = 0; step < 20_000 && bulk.received < bulk.total; step++)
        {
            pair.clock.advanceNs(MS / 10);
            int idle = 0;
            while (idle < 2)
            {
                final TcpConnection c = bulk.senderConnection;
                cwndBefore = c == null ? 0 : c.cwnd();
                int work = pair.a.agent.doWork();
                if (ssthreshAfterLoss < 0 && c != null && c.ssthresh() != Integer.MAX_VALUE)
                {
                    cwndAtLoss = cwndBefore;
                    ssthreshAfterLoss = c.ssthresh();
                }
                work += pair.b.agent.doWork() + pair.wire.doWork();
                idle = work == 0 ? idle + 1 : 0;
            }
        }
        final TcpConnection c = bulk.senderConnection;
        System.out.printf("CUBIC over the wire: cwnd at the loss %,d, ssthresh %,d, cwnd at the end %,d (MSS %d)%n",
            cwndAtLoss, ssthreshAfterLoss, c.cwnd(), c.mss());
        assertEquals(bulk.total, bulk.received, "every byte arrived");
        assertEquals(-1, bulk.firstWrong, "in order, uncorrupted");
        assertTrue(c.cubic);
        assertEquals(1, pair.a.counters.get(StackCounter.TCP_RETRANSMITS), "one loss, one retransmission");
        assertTrue(cwndAtLoss > 10L * c.mss(), "the loss came after slow start grew cwnd: " + cwndAtLoss);
        assertEquals(Math.max(cwndAtLoss * 7 / 10, 2L * c.mss()), ssthreshAfterLoss,
            "ssthresh = 0.7 × the cwnd at the loss (" + cwndAtLoss + ")");
        assertEquals(ssthreshAfterLoss, c.ssthresh(), "no second cut");
        assertFalse(c.inRecovery);
        assertTrue(c.cwnd() > ssthreshAfterLoss, "congestion avoidance grew cwnd again: " + c.cwnd());
    }
}
