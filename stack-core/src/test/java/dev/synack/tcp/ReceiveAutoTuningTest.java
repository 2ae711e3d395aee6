package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.memwire.FaultPlan;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.test.StackPair;

/**
 * Receive-window auto-tuning (Linux's tcp_rcv_space_adjust) over the in-memory wire with a fixed one-way delay of
 * 5 ms (RTT 10 ms) and a manual clock: B's window starts at receiveWindowInitial and grows with what its application
 * reads per round trip, up to receiveBufferSize; not for an application that reads slowly, nor for one that set its
 * own limit; and no segment B sends ever moves its right edge left (RFC 9293 §3.8.6.2.2).
 */
class ReceiveAutoTuningTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long ONE_WAY_NS = 5 * MS;
    private static final int INITIAL = 64 * 1024;
    private static final int CAP = 512 * 1024;

    /** One run: A sends to B through the delay; every segment B sends is kept as (flags, ack, window field). */
    private static final class Run
    {
        final StackPair pair;
        final BulkTransfer bulk;
        final List<int[]> fromB = new ArrayList<>();
        TcpConnection receiver;
        int budgetPerRtt = Integer.MAX_VALUE;
        int budget = Integer.MAX_VALUE;
        int limit;

        Run(final long total, final FaultPlan aToB)
        {
            this(total, aToB, StackPair.configB().maxConnections(8).receiveBufferSize(CAP));
        }

        Run(final long total, final FaultPlan aToB, final StackConfig b)
        {
            // Few slots: every slot's rings are allocated (and zeroed) up front.
            pair = StackPair.resolved(StackPair.configA().maxConnections(8).sendBufferSize(1 << 20), b,
                aToB.delay(1.0, ONE_WAY_NS), FaultPlan.none().delay(1.0, ONE_WAY_NS));
            bulk = new BulkTransfer(total);
            pair.wire.tap((fromA, index, fate, buffer, offset, length) ->
            {
                if (!fromA && fate == dev.synack.memwire.WireTap.Fate.DELAYED)
                {
                    fromB.add(tcpFields(buffer, offset));
                }
            });
        }

        Run go(final long maxMs)
        {
            pair.b.agent.tcp().listen(9, new Reader());
            pair.a.agent.tcp().connect(StackPair.B_IP, 9, bulk.sender);
            for (long ms = 0; ms < maxMs && bulk.received < bulk.total; ms++)
            {
                if (ms % 10 == 0)
                {
                    budget = budgetPerRtt;
                    if (receiver != null)
                    {
                        receiver.resumeReading();
                    }
                }
                pair.clock.advanceNs(MS);
                pair.settle();
            }
            return this;
        }

        long grown()
        {
            return pair.b.counters.get(StackCounter.TCP_RCV_WINDOW_GROWN);
        }

        /** @return every window B advertised, in bytes (a SYN's unscaled, RFC 7323 §2.2). */
        long[] windows()
        {
            final long[] windows = new long[fromB.size()];
            for (int i = 0; i < windows.length; i++)
            {
                final int[] s = fromB.get(i);
                windows[i] = (long)s[2] << ((s[0] & TcpHeader.SYN) != 0 ? 0 : receiver.rcvShift);
            }
            return windows;
        }

        /** The application at B: reads at most {@link #budget} bytes until the test loop refills it. */
        final class Reader implements TcpHandler
        {
            @Override
            public void onOpen(final TcpConnection c)
            {
                receiver = c;
                if (limit > 0)
                {
                    c.receiveBufferLimit(limit);
                }
            }

            @Override
            public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
            {
                final int take = Math.min(length, budget);
                budget -= take;
                bulk.receiver.onData(c, buffer, offset, take);
                if (take < length)
                {
                    c.keepUnread(length - take);
                }
            }

            @Override
            public void onClosed(final TcpConnection c, final CloseReason reason)
            {
            }
        }
    }

    private static int[] tcpFields(final DirectBuffer frame, final int offset)
    {
        final int ip = offset + 14;
        final int tcp = ip + (frame.getByte(ip) & 0x0F) * 4;
        return new int[] {frame.getByte(tcp + 13) & 0xFF, frame.getInt(tcp + 8, ByteOrder.BIG_ENDIAN),
            frame.getShort(tcp + 14, ByteOrder.BIG_ENDIAN) & 0xFFFF};
    }

    private static long max(final long[] values)
    {
        long max = 0;
        for (final long v : values)
        {
            max = Math.max(max, v);
        }
        return max;
    }

    private static void assertEverythingArrived(final Run run)
    {
        assertEquals(run.bulk.total, run.bulk.received, "every byte arrived");
        assertEquals(-1, run.bulk.firstWrong, "every byte intact, in order");
    }

    @Test
    void aBulkTransferGrowsTheWindowFromTheInitialValueToTheCap()
    {
        final Run run = new Run(16L << 20, FaultPlan.none()).go(20_000);
        assertEverythingArrived(run);
        final long[] windows = run.windows();
        // The SYN-ACK and the ACKs of the first round trip offer the initial window, not the buffer.
        assertEquals(65535, windows[0], "SYN-ACK: the initial window, unscaled");
        assertTrue(windows[1] <= INITIAL && windows[1] > INITIAL - 2048, "first ACK: the initial window " + windows[1]);
        // Rate × RTT here is whatever the window allows (no bandwidth limit): it doubles per round trip to the cap.
        final long largest = max(windows);
        assertTrue(largest > 4 * INITIAL, "the window grew: " + largest);
        assertTrue(largest <= CAP, "never past receiveBufferSize: " + largest);
        assertEquals(CAP, run.receiver.rcvLimit, "grown to the cap");
        assertTrue(run.grown() >= 3, "growth in steps, one per round trip at most: " + run.grown());
        // The window scale was chosen in the SYN from the cap (RFC 7323 §2.3), not from the initial window.
        assertEquals(4, run.receiver.rcvShift);
    }

    @Test
    void anApplicationThatReadsSlowlyKeepsTheInitialWindow()
    {
        // 4 KiB per round trip: far less than the window already holds, so nothing to grow for.
        final Run run = new Run(Long.MAX_VALUE, FaultPlan.none());
        run.budgetPerRtt = 4096;
        run.go(2_000);
        assertTrue(run.bulk.received >= 190 * 4096, "it did read, slowly: " + run.bulk.received);
        assertEquals(-1, run.bulk.firstWrong);
        assertEquals(0, run.grown());
        assertEquals(INITIAL, run.receiver.rcvLimit);
        assertTrue(max(run.windows()) <= INITIAL + (1 << run.receiver.rcvShift), "never past the initial window");
    }

    @Test
    void anApplicationsOwnReceiveBufferLimitTurnsTuningOff()
    {
        final int limit = 128 * 1024;
        final Run limited = new Run(16L << 20, FaultPlan.none());
        limited.limit = limit;
        limited.go(20_000);
        assertEverythingArrived(limited);
        assertEquals(0, limited.grown());
        assertEquals(limit, limited.receiver.rcvLimit);
        assertFalse(limited.receiver.rcvAutoTuning);
        assertTrue(max(limited.windows()) <= limit, "never past the application's limit");
        // The same transfer without the limit grows well past it.
        final Run tuned = new Run(16L << 20, FaultPlan.none()).go(20_000);
        assertEverythingArrived(tuned);
        assertTrue(tuned.grown() > 0, "grown by tuning");
        assertTrue(max(tuned.windows()) > 2 * limit, "tuned: " + max(tuned.windows()));
    }

    @Test
    void theRightEdgeNeverMovesLeftWhileTheWindowGrows()
    {
        // Loss at A → B: holes, out-of-order data, SACK blocks, retransmissions; B's window grows through them all.
        final Run run = new Run(16L << 20, new FaultPlan(9293).loss(0.002)).go(60_000);
        assertEverythingArrived(run);
        assertTrue(run.grown() >= 3, "the window grew: " + run.grown());
        final long[] windows = run.windows();
        int edge = run.fromB.get(0)[1] + (int)windows[0];
        int checked = 0;
        for (int i = 1; i < windows.length; i++)
        {
            final int[] s = run.fromB.get(i);
            if ((s[0] & TcpHeader.ACK) == 0)
            {
                continue;
            }
            final int next = s[1] + (int)windows[i];
            assertTrue(SeqNum.ge(next, edge), "segment " + i + " moved the right edge left by " + (edge - next));
            edge = next;
            checked++;
        }
        assertTrue(checked > 1000, "segments checked: " + checked);
        // Loss holds the sender's cwnd, and so the rate × RTT B measures, below the cap.
        assertTrue(max(windows) > 2 * INITIAL, "the window grew: " + max(windows));
    }
}
