package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
import dev.synack.tcp.TcpConnection;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameRing;
import dev.synack.wire.RingFrameTap;

/**
 * A deterministic capture: stacks A (198.18.0.1) and B (198.18.0.2) over a {@link MemoryWire} on a manual clock,
 * A's frames tapped into a ring and drained by a {@link CaptureAgent} on this thread. A pings B (ARP first), then
 * opens one connection to B's echo port, sends "hello", gets it back and closes (the active close); B closes when
 * it sees A's FIN; A's TIME-WAIT runs out. Each duty cycle is followed by 100 µs of manual time, so the times
 * in the journal are exact.
 */
final class CaptureScenario
{
    static final int B_IP = Ipv4Address.parse("198.18.0.2");
    static final int PORT = 7;

    private final ManualNanoClock clock = new ManualNanoClock();
    private final StackAgent a;
    private final StackAgent b;
    private final MemoryWire wire;
    private final RingFrameTap tap;
    private final CaptureAgent agent;

    CaptureScenario(final Path journal)
    {
        final RingBuffer aRx = ring(1 << 20);
        final RingBuffer aTx = ring(1 << 20);
        final RingBuffer bRx = ring(1 << 20);
        final RingBuffer bTx = ring(1 << 20);
        a = new StackAgent(config("A", "02:00:00:00:00:01", "198.18.0.1/24"), aRx, aTx, clock,
            StackCounters.onHeap("A: "));
        b = new StackAgent(config("B", "02:00:00:00:00:02", "198.18.0.2/24"), bRx, bTx, clock,
            StackCounters.onHeap("B: "));
        wire = new MemoryWire(aTx, aRx, bTx, bRx, clock, FaultPlan.none(), FaultPlan.none(), 1514);
        tap = new RingFrameTap(ring(1 << 20));
        agent = new CaptureAgent(journal, 0).source("A", tap);
    }

    private static StackConfig config(final String name, final String mac, final String ip)
    {
        // a fixed ISN secret: the expected ladders name ephemeral ports (the default secret is random, RFC 6528)
        return new StackConfig().name(name).mac(mac).ip(ip).maxConnections(8).msl(10, TimeUnit.MILLISECONDS)
            .isnSecret(0x5EED_5A1D_C0DE_F00DL);
    }

    private static RingBuffer ring(final int bytes)
    {
        return FrameRing.allocate(bytes);
    }

    /** @return frames captured. */
    long run()
    {
        agent.onStart();
        a.tap(tap);
        assertTrue(a.ping(B_IP, 0x5A, 1, 56), "parked while ARP resolves");
        steps(20);
        b.tcp().listen(PORT, new TcpHandler()
        {
            @Override
            public void onOpen(final TcpConnection connection)
            {
            }

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
            }

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
        final boolean[] closed = new boolean[1];
        a.tcp().connect(B_IP, PORT, new TcpHandler()
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

            @Override
            public void onClosed(final TcpConnection connection, final CloseReason reason)
            {
                closed[0] = true;
            }
        });
        steps(300);
        assertTrue(closed[0], "the connection closed");
        assertEquals(0, a.tcp().connectionsInUse(), "A's TIME-WAIT over");
        a.tap(null);
        agent.onClose();
        assertEquals(0, tap.dropped());
        assertEquals(tap.captured(), agent.written());
        return agent.written();
    }

    /** Each step: one duty cycle of A, the wire, B, the wire and the capture agent, then 100 µs pass. */
    private void steps(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            a.doWork();
            wire.doWork();
            b.doWork();
            wire.doWork();
            agent.doWork();
            clock.advanceNs(100_000);
        }
    }
}
