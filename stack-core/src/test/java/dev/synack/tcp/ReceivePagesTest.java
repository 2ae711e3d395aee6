package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.memwire.FaultPlan;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.StackPair;

/**
 * Receive memory from the shared page pool ({@link ReceivePages}): pages hold exactly the data buffered, they
 * come back when read and when a connection ends, a pool smaller than every buffer at once is shared out by
 * reservation (never an offered edge it cannot hold), and bytes split over pages and the ring's wrap arrive
 * intact.
 */
class ReceivePagesTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int X = 5_000;
    private static final int PAGE = 1024;

    private static byte[] pattern(final int from, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((from + i) * 7 + ((from + i) >>> 8));
        }
        return bytes;
    }

    private static ReceivePages pages(final RawPeer peer)
    {
        return peer.stack.agent.tcp().receivePages();
    }

    @Test
    void pagesHoldExactlyTheBufferedDataAndComeBackWhenRead()
    {
        // Ring 8 KiB in 1 KiB pages. The application pauses: 2,500 bytes wait in pages 0-2 (3 pages); then 1,000
        // bytes out of order at offset 4,000 (pages 3 and 4: it spans a page boundary).
        final RawPeer peer = new RawPeer(RawPeer.config().receiveBufferSize(8192).receivePageSize(PAGE));
        final RecordingHandler app = new RecordingHandler();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        final ReceivePages pages = pages(peer);
        assertEquals(0, pages.pagesInUse(), "nothing buffered: text is read straight from the segment");
        c.pauseReading();
        peer.send(seg().ack(y + 1).seq(X + 1).data(pattern(0, 1000)));
        peer.send(seg().ack(y + 1).seq(X + 1001).data(pattern(1000, 1000)));
        peer.send(seg().ack(y + 1).seq(X + 2001).data(pattern(2000, 500)));
        assertEquals(3, pages.pagesInUse());
        assertEquals(3, pages.pagesHeld(c));
        peer.send(seg().ack(y + 1).seq(X + 4001).data(pattern(4000, 1000)));
        assertEquals(5, pages.pagesInUse(), "out-of-order text across a page boundary takes both pages");
        assertTrue(pages.pagesReserved() >= 8, "the offered window is reserved: " + pages.pagesReserved());
        // The hole filled and everything read: no page holds anything, none is held.
        peer.send(seg().ack(y + 1).seq(X + 2501).data(pattern(2500, 1000)));
        peer.send(seg().ack(y + 1).seq(X + 3501).data(pattern(3500, 500)));
        c.resumeReading();
        assertArrayEquals(pattern(0, 5000), app.data.toByteArray());
        assertEquals(0, pages.pagesInUse(), "every page read is back in the pool");
        c.abort();
        assertEquals(0, pages.pagesInUse());
        assertEquals(0, pages.pagesReserved(), "the reservation is back too");
    }

    @Test
    void bytesSplitOverPagesAndTheRingsWrapArriveIntact()
    {
        // Ring 4 KiB in 1 KiB pages; the application keeps reading part of what it is given, so text goes through
        // the ring again and again, across page boundaries and the ring's end.
        final RawPeer peer = new RawPeer(RawPeer.config().receiveBufferSize(4096).receivePageSize(PAGE));
        final BudgetReader app = new BudgetReader();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        final ReceivePages pages = pages(peer);
        int sent = 0;
        for (int round = 0; round < 40; round++)
        {
            // Never past the window: text beyond it would be trimmed, and this peer does not retransmit.
            final int length = Math.min(400 + (round * 337) % 600, c.rcvWnd());
            if (length > 0)
            {
                peer.send(seg().ack(y + 1).seq(X + 1 + sent).data(pattern(sent, length)));
                sent += length;
            }
            app.budget = 650 + round % 3 * 150;
            c.resumeReading();
            final int buffered = sent - app.data.size();
            assertTrue(buffered < 4096, "within the ring: " + buffered);
            final int readOffset = app.data.size() % PAGE;
            // The ring's last page and READ.SEQ's are one: a ring's bytes from mid-page need no fifth page.
            final int spanned = buffered == 0 ? 0 : Math.min(4, (readOffset + buffered + PAGE - 1) / PAGE);
            assertEquals(spanned, pages.pagesHeld(c), "round " + round + ": pages held = pages the data spans");
            assertEquals(spanned, c.rcvPagesHeld, "round " + round + ": the connection's count agrees with its row");
        }
        app.budget = Integer.MAX_VALUE;
        c.resumeReading();
        assertTrue(sent > 3 * 4096, "the ring wrapped: " + sent);
        assertArrayEquals(pattern(0, sent), app.data.toByteArray());
        assertTrue(app.pieces > 40, "delivered page by page: " + app.pieces);
        assertEquals(0, pages.pagesInUse());
    }

    @Test
    void aFullRingsLastPageIsTheNextLapOfThePageBeingRead()
    {
        // Ring 4 KiB in 1 KiB pages. 3,000 bytes wait; the application reads 2,500, so READ.SEQ stands at 2,500 in
        // ring page 2. The window then reaches 2,500 + 4,096 = 6,596: bytes [3,000, 6,500) arrive, and those from
        // 6,144 on are page 2's next lap — the same page, still holding [2,500, 3,072). Five pages of span, four of
        // memory; when READ.SEQ leaves page 2 the page stays, for its next lap.
        final RawPeer peer = new RawPeer(RawPeer.config().receiveBufferSize(4096).receivePageSize(PAGE));
        final BudgetReader app = new BudgetReader();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        final ReceivePages pages = pages(peer);
        for (int at = 0; at < 3000; at += 1000)
        {
            peer.send(seg().ack(y + 1).seq(X + 1 + at).data(pattern(at, 1000)));
        }
        assertEquals(3, pages.pagesHeld(c));
        app.budget = 2500;
        c.resumeReading();
        assertEquals(2500, app.data.size());
        assertEquals(1, pages.pagesHeld(c), "pages 0 and 1 read and back");
        assertEquals(3596, c.rcvWnd(), "a full ring from READ.SEQ: 4,096 less the 500 bytes held");
        for (int at = 3000; at < 6500; at += 1000)
        {
            peer.send(seg().ack(y + 1).seq(X + 1 + at).data(pattern(at, Math.min(1000, 6500 - at))));
        }
        assertEquals(X + 6501, c.rcvNxt(), "all taken");
        assertEquals(4, pages.pagesHeld(c), "[2,500, 6,500) spans five pages; the first and last are one");
        app.budget = 600; // to 3,100: READ.SEQ leaves page 2, which keeps [6,144, 6,500)
        c.resumeReading();
        assertEquals(4, pages.pagesHeld(c), "pages 3, 0, 1 and page 2's next lap");
        app.budget = Integer.MAX_VALUE;
        c.resumeReading();
        assertArrayEquals(pattern(0, 6500), app.data.toByteArray());
        assertEquals(0, pages.pagesInUse());
    }

    @Test
    void afterThePeersFinOnlyTheUnreadBytesKeepPages()
    {
        final RawPeer peer = new RawPeer(RawPeer.config().receiveBufferSize(8192).receivePageSize(PAGE));
        final RecordingHandler app = new RecordingHandler();
        final int y = peer.handshake(app, seg().syn().seq(X).mss(1000));
        final TcpConnection c = app.last;
        final ReceivePages pages = pages(peer);
        c.pauseReading();
        peer.send(seg().ack(y + 1).seq(X + 1).data(pattern(0, 1000)));
        peer.send(seg().ack(y + 1).seq(X + 1001).data(pattern(1000, 500)));
        assertEquals(8, pages.pagesReserved(), "the window offered: the whole 8 KiB ring");
        peer.send(seg().fin().ack(y + 1).seq(X + 1501));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals(2, pages.pagesReserved(), "nothing more arrives: the pages of the 1,500 unread bytes");
        c.resumeReading();
        assertArrayEquals(pattern(0, 1500), app.data.toByteArray());
        assertEquals(0, pages.pagesReserved(), "all read: nothing held in CLOSE-WAIT");
        assertEquals(0, pages.pagesInUse());
    }

    @Test
    void ringPagesAreFoundAcrossTheWrapOfTheSequenceSpace()
    {
        // IRS just below 2^32: ring offsets of the first bytes straddle the wrap of the sequence numbers.
        final RawPeer peer = new RawPeer(RawPeer.config().receiveBufferSize(4096).receivePageSize(PAGE));
        final RecordingHandler app = new RecordingHandler();
        final int irs = -1500;
        final int y = peer.handshake(app, seg().syn().seq(irs).mss(1000));
        final TcpConnection c = app.last;
        c.pauseReading();
        peer.send(seg().ack(y + 1).seq(irs + 1).data(pattern(0, 1000)));
        peer.send(seg().ack(y + 1).seq(irs + 1001).data(pattern(1000, 1000)));
        peer.send(seg().ack(y + 1).seq(irs + 2001).data(pattern(2000, 1000)));
        assertEquals(3, pages(peer).pagesHeld(c));
        c.resumeReading();
        assertArrayEquals(pattern(0, 3000), app.data.toByteArray());
        assertEquals(0, pages(peer).pagesInUse());
    }

    @Test
    void theReservationNeverPassesThePoolAndAnEmptyPoolIsRefusedNotOverrun()
    {
        final ReceivePages pages = new ReceivePages(StackCounters.onHeap("t"), 2, 4096, PAGE, 5, 1 << 20);
        final TcpConnection a = new TcpConnection(null, 0);
        final TcpConnection b = new TcpConnection(null, 1);
        for (final TcpConnection c : new TcpConnection[] {a, b})
        {
            c.irs = 0;
            c.readSeq = 1;
            pages.start(c);
        }
        pages.reserve(a, 1 + 4096);
        assertEquals(4, a.rcvReservedPages);
        pages.reserve(b, 1 + 4096);
        assertEquals(1, b.rcvReservedPages, "what is left");
        assertEquals(5, pages.pagesReserved());
        assertEquals(1 + PAGE, pages.reservedEdge(b), "no window may be offered past it");
        assertThrows(IllegalArgumentException.class, () -> new ReceivePages(null, 1, 4096, 8192, 1, 1 << 20));
    }

    @Test
    void tenThousandConnectionCyclesThroughLossLeakNoPage()
    {
        // Lost and reordered segments put text out of order into pages; every connection ends, some while text is
        // still held. Afterwards every page and every reservation is back in both pools.
        final StackPair pair = StackPair.resolved(
            StackPair.configA().maxConnections(256).msl(1, TimeUnit.MILLISECONDS).receivePageSize(PAGE),
            StackPair.configB().maxConnections(256).msl(1, TimeUnit.MILLISECONDS).receivePageSize(PAGE),
            new FaultPlan(17).loss(0.02).reorder(0.05), new FaultPlan(18).loss(0.02).reorder(0.05));
        final EchoWorkload work = new EchoWorkload(pair, 64, 10_000, 16 * 1024, 7);
        long maxInUse = 0;
        while (work.completed + work.failures < 10_000)
        {
            work.topUp();
            pair.advance(MS, MS);
            maxInUse = Math.max(maxInUse, pair.b.agent.tcp().receivePagesInUse());
        }
        pair.advance(70_000 * MS, 100 * MS);
        assertEquals(0, work.failures, work.firstFailure);
        assertTrue(maxInUse > 0, "text went through pages: " + maxInUse);
        assertEquals(0, pair.a.agent.tcp().connectionsInUse());
        assertEquals(0, pair.b.agent.tcp().connectionsInUse());
        assertEquals(0, pair.a.agent.tcp().receivePagesInUse());
        assertEquals(0, pair.b.agent.tcp().receivePagesInUse());
        assertEquals(0, pair.a.agent.tcp().receivePagesReserved());
        assertEquals(0, pair.b.agent.tcp().receivePagesReserved());
    }

    @Test
    void aSmallPoolGivesIdleConnectionsSmallWindowsAndLetsOneBulkConnectionGrowWithinIt()
    {
        // B: 32 connections of up to 256 KiB, but 512 KiB of pool (4 KiB pages), 16 KiB initial windows. 16 idle
        // connections reserve 5 pages each (16 KiB and the scale's rounding); one bulk transfer grows into the rest.
        final int pool = 512 * 1024;
        final StackConfig b = StackPair.configB().maxConnections(32).receiveBufferSize(256 * 1024)
            .receiveWindowInitial(16 * 1024).receivePoolBytes(pool);
        final StackPair pair = StackPair.resolved(StackPair.configA().maxConnections(32).sendBufferSize(512 * 1024), b,
            FaultPlan.none().delay(1.0, 5 * MS), FaultPlan.none().delay(1.0, 5 * MS));
        final TcpConnection[] idle = new TcpConnection[16];
        final int[] accepted = {0};
        pair.b.agent.tcp().listen(8, new TcpHandler()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
                idle[accepted[0]++] = connection;
            }

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
            }

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
            }
        });
        for (int i = 0; i < idle.length; i++)
        {
            pair.a.agent.tcp().connect(StackPair.B_IP, 8, new RecordingHandler());
        }
        pair.advance(50 * MS, MS);
        assertEquals(idle.length, accepted[0]);
        final ReceivePages pages = pair.b.agent.tcp().receivePages();
        for (final TcpConnection c : idle)
        {
            assertEquals(16 * 1024, c.rcvWnd(), "each idle connection has its initial window");
        }
        final int idlePages = pages.pagesReserved();
        assertEquals(idle.length * 5, idlePages);

        final BulkTransfer bulk = new BulkTransfer(24L << 20);
        final TcpConnection[] receiver = new TcpConnection[1];
        pair.b.agent.tcp().listen(9, new TcpHandler()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
                receiver[0] = connection;
            }

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                bulk.receiver.onData(connection, buffer, offset, length);
            }

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
            }
        });
        pair.a.agent.tcp().connect(StackPair.B_IP, 9, bulk.sender);
        int largest = 0;
        for (int ms = 0; ms < 20_000 && bulk.received < bulk.total; ms++)
        {
            pair.clock.advanceNs(MS);
            pair.settle();
            assertTrue(pages.pagesReserved() <= pages.pages(), "never past the pool");
            if (receiver[0] != null)
            {
                largest = Math.max(largest, receiver[0].rcvAdv - receiver[0].rcvNxt);
            }
        }
        assertEquals(bulk.total, bulk.received, "every byte arrived");
        assertEquals(-1, bulk.firstWrong, "every byte intact");
        final int room = pool - idlePages * 4096;
        assertTrue(largest > 4 * 16 * 1024, "the bulk connection grew: " + largest);
        assertTrue(largest <= room, "within what the idle connections left of the pool: " + largest + " > " + room);
        assertTrue(receiver[0].rcvLimit > room, "tuning asked for more than the pool had: " + receiver[0].rcvLimit);
        assertTrue(pair.b.counters.get(StackCounter.TCP_RCV_POOL_REFUSED) > 0, "refusals counted");
        for (final TcpConnection c : idle)
        {
            assertEquals(16 * 1024, c.rcvWnd(), "the idle connections kept theirs");
        }
    }

    /** Reads no more than its budget of each delivery and keeps the rest unread; counts the deliveries. */
    private static final class BudgetReader extends RecordingHandler
    {
        int budget;
        int pieces;

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            pieces++;
            final int n = Math.min(length, budget);
            budget -= n;
            super.onData(connection, buffer, offset, n);
            if (n < length)
            {
                connection.keepUnread(length - n);
            }
        }
    }
}
