package dev.synack.bench;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.memwire.WireTap;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stack.StackConfig;
import dev.synack.tcp.TcpConnection;

/**
 * One segment through the stack agent: an established connection is set up, the last pure ACK that A sent B
 * is captured off the wire, and then that frame is written into B's rx ring and B's agent run, over and over.
 * Each pass is the whole receive path — Ethernet, IPv4 and TCP validation with both checksums, connection
 * lookup, RFC 9293 §3.10.7 acceptability and ACK processing, timer poll — and, the ACK being a duplicate of
 * one already processed with nothing outstanding, it changes no state and sends nothing, so every pass does
 * identical work.
 * <p>
 * Single-threaded; allocation-free after construction.
 */
public final class SegmentLoad
{
    static final int PORT = 5;

    private final InMemoryPair pair;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
    private int frameLength = -1;

    /** Opens the connection, exchanges a little data, captures the ACK. */
    public SegmentLoad()
    {
        pair = new InMemoryPair(new StackConfig(), new StackConfig(), 1 << 20);
        pair.wire.tap(new AckCapture());
        pair.b.tcp().listen(PORT, new Quiet(true));
        if (pair.a.tcp().connect(InMemoryPair.B_IP, PORT, new Quiet(false)) < 0)
        {
            throw new IllegalStateException("connect refused");
        }
        pair.settle(100_000);
        // let B's delayed ACK of the request, if any, go out and A's ACK of the reply come in
        pair.jump(pair.a.config().delayedAckNs() + InMemoryPair.STEP_NS);
        pair.wire.tap(null);
        if (frameLength < 0)
        {
            throw new IllegalStateException("no pure ACK from A was seen on the wire");
        }
    }

    /**
     * Feeds the captured ACK to B once.
     *
     * @return work B's agent reported.
     */
    public int feed()
    {
        pair.bRx.write(1, frame, 0, frameLength);
        return pair.b.doWork();
    }

    /** @return TCP segments B accepted so far. */
    public long segmentsIn()
    {
        return pair.b.counters().get(StackCounter.TCP_SEGMENTS_IN);
    }

    /** @return frames B dropped so far (must not move while feeding). */
    public long framesDropped()
    {
        return pair.b.counters().get(StackCounter.FRAMES_DROPPED);
    }

    /** @return frames B sent so far (must not move while feeding). */
    public long framesOut()
    {
        return pair.b.counters().get(StackCounter.FRAMES_OUT);
    }

    /** @return unacceptable segments B dropped (must stay 0). */
    public long unacceptable()
    {
        return pair.b.counters().get(DropReason.TCP_UNACCEPTABLE);
    }

    /** @return the captured frame's length. */
    public int frameLength()
    {
        return frameLength;
    }

    /** @return the pair, for inspection. */
    public InMemoryPair pair()
    {
        return pair;
    }

    private final class AckCapture implements WireTap
    {
        @Override
        public void onFrame(final boolean fromA, final int index, final Fate fate, final DirectBuffer buffer,
            final int offset, final int length)
        {
            if (!fromA || length < 54 || buffer.getByte(offset + 12) != 0x08 || buffer.getByte(offset + 13) != 0
                || buffer.getByte(offset + 23) != 6)
            {
                return;
            }
            final int ipLength = (buffer.getByte(offset + 14) & 0x0F) * 4;
            final int ipTotal = ((buffer.getByte(offset + 16) & 0xFF) << 8) | (buffer.getByte(offset + 17) & 0xFF);
            final int tcp = offset + 14 + ipLength;
            final int tcpHeader = ((buffer.getByte(tcp + 12) & 0xFF) >>> 4) * 4;
            final int flags = buffer.getByte(tcp + 13) & 0x3F;
            if (flags == 0x10 && ipTotal == ipLength + tcpHeader)
            {
                frame.putBytes(0, buffer, offset, length);
                frameLength = length;
            }
        }
    }

    private static final class Quiet implements TcpHandler
    {
        private final boolean server;

        Quiet(final boolean server)
        {
            this.server = server;
        }

        @Override
        public void onOpen(final TcpConnection connection)
        {
            if (!server)
            {
                final UnsafeBuffer request = new UnsafeBuffer(new byte[64]);
                connection.send(request, 0, 64);
            }
        }

        @Override
        public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset,
            final int length)
        {
            if (server)
            {
                connection.send(buffer, offset, length);
            }
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason)
        {
        }
    }
}
