package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.memwire.FaultPlan;
import dev.synack.memwire.MemoryWire;
import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounters;
import dev.synack.tcp.StateListener;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameRing;
import dev.synack.wire.RingFrameTap;

/**
 * One TCP connection between stacks A (198.18.0.1) and B (198.18.0.2) over a {@link MemoryWire} on a manual
 * clock, both stacks' frames captured into one journal (so the ladder sees each segment leave and arrive, and a
 * segment the wire dropped). Two plots: the echo ({@link #echo}: A sends "hello", B echoes it, A closes, B closes
 * when it sees A's FIN) and the simultaneous close ({@link #simultaneousClose}: once both ends are ESTABLISHED,
 * both close in the same instant). Faults are exact: the wire drops named segments.
 * <p>
 * Time: 100 µs per duty cycle while frames move; after 20 quiet cycles, 1 ms per cycle (an RTO or a 60 s
 * TIME-WAIT would otherwise take millions of cycles). Each stack's own state changes are recorded, to check the
 * states the picture infers against them. Default configuration: RTO 1 s before an RTT sample, MSL 30 s.
 */
final class LadderScenario
{
    private static final int B_IP = Ipv4Address.parse("198.18.0.2");
    private static final int PORT = 7;
    private static final long FINE_NS = 100_000;
    private static final long COARSE_NS = 1_000_000;
    private static final long LIMIT_NS = 300_000_000_000L;

    private final ManualNanoClock clock = new ManualNanoClock();
    private final StackAgent a;
    private final StackAgent b;
    private final MemoryWire wire;
    private final RingFrameTap tapA = new RingFrameTap(ring(1 << 20));
    private final RingFrameTap tapB = new RingFrameTap(ring(1 << 20));
    private final CaptureAgent agent;
    private final List<String> statesA = new ArrayList<>();
    private final List<String> statesB = new ArrayList<>();
    private int quiet;

    /**
     * @param journal where the capture goes.
     * @param aToB faults from A to B.
     * @param bToA faults from B to A.
     */
    LadderScenario(final Path journal, final FaultPlan aToB, final FaultPlan bToA)
    {
        final RingBuffer aRx = ring(1 << 20);
        final RingBuffer aTx = ring(1 << 20);
        final RingBuffer bRx = ring(1 << 20);
        final RingBuffer bTx = ring(1 << 20);
        a = new StackAgent(config("A", "02:00:00:00:00:01", "198.18.0.1/24"), aRx, aTx, clock,
            StackCounters.onHeap("A: "));
        b = new StackAgent(config("B", "02:00:00:00:00:02", "198.18.0.2/24"), bRx, bTx, clock,
            StackCounters.onHeap("B: "));
        wire = new MemoryWire(aTx, aRx, bTx, bRx, clock, aToB, bToA, 1514);
        agent = new CaptureAgent(journal, 0).source("A", tapA).source("B", tapB);
        a.tcp().stateListener(new Trace(statesA));
        b.tcp().stateListener(new Trace(statesB));
    }

    /** The states one stack enters, TIME-WAIT's end (a record, no longer a connection) included. */
    private static final class Trace implements StateListener
    {
        private final List<String> states;

        Trace(final List<String> states)
        {
            this.states = states;
        }

        @Override
        public void onStateChange(final TcpConnection connection, final TcpState from, final TcpState to,
            final String reason)
        {
            states.add(to.toString());
        }

        @Override
        public void onTimeWaitEnd(final int remoteIp, final int remotePort, final int localPort, final String reason)
        {
            states.add(TcpState.CLOSED.toString());
        }
    }

    /** A handler that ignores every event; the plots override what they answer. */
    private static class Quiet implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection connection)
        {
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
    }

    private static StackConfig config(final String name, final String mac, final String ip)
    {
        // a fixed ISN secret: the expected ladders name ephemeral ports (the default secret is random, RFC 6528)
        return new StackConfig().name(name).mac(mac).ip(ip).maxConnections(8)
            .isnSecret(0x5EED_5A1D_C0DE_F00DL);
    }

    private static RingBuffer ring(final int bytes)
    {
        return FrameRing.allocate(bytes);
    }

    /** @return a matcher for the first frame with exactly these TCP flags. */
    static FaultPlan.FrameMatcher flags(final int flags)
    {
        return (buffer, offset, length) -> tcpFlags(buffer, offset, length) == flags;
    }

    /** @return a matcher for the first pure ACK after a FIN, in one direction: the last ACK of a close. */
    static FaultPlan.FrameMatcher ackAfterFin()
    {
        final boolean[] finSeen = new boolean[1];
        return (buffer, offset, length) ->
        {
            final int flags = tcpFlags(buffer, offset, length);
            finSeen[0] |= flags >= 0 && (flags & 0x01) != 0;
            return finSeen[0] && flags == 0x10;
        };
    }

    /** @return the TCP flags of an Ethernet/IPv4/TCP frame, or -1. */
    private static int tcpFlags(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 54 || (buffer.getShort(offset + 12, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF) != 0x0800
            || buffer.getByte(offset + 23) != 6)
        {
            return -1;
        }
        final int ihl = (buffer.getByte(offset + 14) & 0x0F) * 4;
        return buffer.getByte(offset + 14 + ihl + 13) & 0x3F;
    }

    /** A sends "hello", B echoes it, A closes (the active close), B closes when A's FIN arrives. */
    void echo()
    {
        start();
        b.tcp().listen(PORT, new Quiet()
        {
            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.send(buffer, offset, length);
            }

            @Override
            public void onPeerClosed(final TcpConnection connection)
            {
                connection.close();
            }
        });
        a.tcp().connect(B_IP, PORT, new Quiet()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
                final UnsafeBuffer hello = new UnsafeBuffer("hello".getBytes(StandardCharsets.US_ASCII));
                connection.send(hello, 0, hello.capacity());
            }

            @Override
            public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.close();
            }
        });
        runUntilBothFree();
    }

    /** Both ends ESTABLISHED, then both close in the same instant: each FIN crosses the other's (CLOSING). */
    void simultaneousClose()
    {
        start();
        final TcpConnection[] accepted = new TcpConnection[1];
        b.tcp().listen(PORT, new Quiet()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
                accepted[0] = connection;
            }

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
                accepted[0] = null;
            }
        });
        final long handle = a.tcp().connect(B_IP, PORT, new Quiet());
        for (int i = 0; i < 10_000 && (accepted[0] == null || accepted[0].state() != TcpState.ESTABLISHED); i++)
        {
            step();
        }
        assertNotNull(accepted[0], "B accepted");
        final TcpConnection connected = a.tcp().connection(handle);
        assertEquals(TcpState.ESTABLISHED, connected.state());
        assertEquals(TcpState.ESTABLISHED, accepted[0].state());
        connected.close();
        accepted[0].close();
        runUntilBothFree();
    }

    /** @return A's own state changes, in order. */
    List<String> statesA()
    {
        return statesA;
    }

    /** @return B's own state changes, in order. */
    List<String> statesB()
    {
        return statesB;
    }

    private void start()
    {
        agent.onStart();
        a.tap(tapA);
        b.tap(tapB);
    }

    private void runUntilBothFree()
    {
        step();
        while (a.tcp().connectionsInUse() + b.tcp().connectionsInUse() > 0)
        {
            assertTrue(clock.nanoTime() < LIMIT_NS, "the connection ends within " + LIMIT_NS / 1e9 + " s");
            step();
        }
        for (int i = 0; i < 30; i++)
        {
            step();
        }
        a.tap(null);
        b.tap(null);
        agent.onClose();
        assertEquals(0, tapA.dropped() + tapB.dropped(), "nothing lost by the capture");
        assertEquals(tapA.captured() + tapB.captured(), agent.written());
    }

    /** One duty cycle of A, the wire, B, the wire and the capture agent, then time passes. */
    private void step()
    {
        int work = a.doWork();
        work += wire.doWork();
        work += b.doWork();
        work += wire.doWork();
        work += agent.doWork();
        quiet = work > 0 ? 0 : quiet + 1;
        clock.advanceNs(quiet > 20 ? COARSE_NS : FINE_NS);
    }
}
