package dev.synack.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.TcpHandler;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.stack.StackConfig;
import dev.synack.stat.DropReason;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpOptions;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.MacAddress;

/**
 * The far end of a scenario test, played by hand: it writes segments into the stack's rx ring exactly as
 * the test states them and reads what the stack sends, so every segment on the wire is asserted.
 */
public final class RawPeer
{
    public static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:02");
    public static final int PEER_IP = Ipv4Address.parse("198.18.0.2");
    public static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:01");
    public static final int STACK_IP = Ipv4Address.parse("198.18.0.1");

    public final ManualNanoClock clock = new ManualNanoClock();
    public final TestStack stack;
    public int peerPort = 40000;
    public int stackPort = 80;
    private final ArrayDeque<Seg> received = new ArrayDeque<>();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);

    public RawPeer(final StackConfig config)
    {
        stack = new TestStack(config, clock, 1 << 20);
        stack.agent.neighbours().addStatic(PEER_IP, PEER_MAC);
    }

    public static StackConfig config()
    {
        return new StackConfig().name("S").mac(MacAddress.toString(STACK_MAC)).ip("198.18.0.1/24");
    }

    /** Delivers a segment to the stack and runs it. */
    public RawPeer send(final Seg s)
    {
        queue(s);
        run();
        return this;
    }

    /** Puts a segment in the stack's rx ring without running it: segments queued together arrive in one batch. */
    public RawPeer queue(final Seg s)
    {
        final int optionsLength = (s.mss != null ? 4 : 0) + (s.windowScale != null ? 4 : 0)
            + (s.sackPermitted ? 4 : 0) + (s.tsVal != null ? TcpOptions.TIMESTAMPS_LENGTH : 0)
            + (s.sack.length > 0 ? 4 + 4 * s.sack.length : 0);
        final int tcpLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength + s.payload.length;
        int at = EthernetFrame.writeHeader(frame, 0, STACK_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        at = Ipv4Header.writeHeader(frame, at, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_TCP, tcpLength, 1, 64);
        TcpHeader.writeHeader(frame, at, s.srcPort != 0 ? s.srcPort : peerPort, s.dstPort != 0 ? s.dstPort : stackPort,
            s.seq == null ? 0 : s.seq, s.ack == null ? 0 : s.ack, TcpHeader.MIN_HEADER_LENGTH + optionsLength, s.flags,
            s.window == null ? 65535 : s.window);
        int o = at + TcpHeader.MIN_HEADER_LENGTH;
        if (s.mss != null)
        {
            o += TcpOptions.writeMss(frame, o, s.mss);
        }
        if (s.windowScale != null)
        {
            o += TcpOptions.writeWindowScale(frame, o, s.windowScale);
        }
        if (s.sackPermitted)
        {
            o += TcpOptions.writeSackPermitted(frame, o);
        }
        if (s.tsVal != null)
        {
            o += TcpOptions.writeTimestamps(frame, o, s.tsVal, s.tsEcr);
        }
        if (s.sack.length > 0)
        {
            o += TcpOptions.writeSackHeader(frame, o, s.sack.length / 2);
            for (int b = 0; b < s.sack.length; b += 2)
            {
                o += TcpOptions.writeSackBlock(frame, o, s.sack[b], s.sack[b + 1]);
            }
        }
        frame.putBytes(o, s.payload);
        TcpHeader.writeChecksum(frame, at, tcpLength, PEER_IP, STACK_IP);
        final int length = at + tcpLength;
        assertTrue(stack.rx.write(FrameOutput.MSG_TYPE_FRAME, frame, 0, length), "rx ring full");
        return this;
    }

    /**
     * A passive open the peer drives: the stack listens on {@link #stackPort} with {@code handler}, the peer sends
     * {@code syn}, takes the SYN-ACK and completes the handshake with its ACK; nothing else is sent.
     *
     * @param handler the listener's handler.
     * @param syn the peer's SYN (its sequence number and options).
     * @return the stack's ISS.
     */
    public int handshake(final TcpHandler handler, final Seg syn)
    {
        stack.agent.tcp().listen(stackPort, handler);
        final int y = send(syn).expect(Seg.seg().syn().ack(syn.seq + 1)).seq;
        send(Seg.seg().ack(y + 1).seq(syn.seq + 1)).expectNothing();
        return y;
    }

    /** Runs the stack until idle, collecting what it sent. */
    public void run()
    {
        while (stack.agent.doWork() > 0)
        {
            collect();
        }
        collect();
    }

    public void advanceMs(final long millis)
    {
        // Timers are on a ~1 ms wheel: step so each deadline fires within a tick of its time.
        for (long i = 0; i < millis; i++)
        {
            clock.advanceNs(1_000_000);
            run();
        }
    }

    public void advanceSeconds(final long seconds)
    {
        for (long i = 0; i < seconds * 10; i++)
        {
            clock.advanceNs(100_000_000);
            run();
        }
    }

    private void collect()
    {
        stack.tx.read((type, buffer, index, length) ->
        {
            final EthernetFrame eth = new EthernetFrame();
            if (eth.wrapChecked(buffer, index, length) != DropReason.NONE
                || eth.etherType() != EthernetFrame.TYPE_IPV4)
            {
                return;
            }
            final Ipv4Header ip = new Ipv4Header();
            assertEquals(DropReason.NONE, ip.wrapChecked(buffer, eth.payloadOffset(), eth.payloadLength()));
            if (ip.protocol() != Ipv4Header.PROTOCOL_TCP)
            {
                return;
            }
            final TcpHeader tcp = new TcpHeader();
            assertEquals(DropReason.NONE,
                tcp.wrapChecked(buffer, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination()),
                "the stack sent a bad segment");
            final Seg s = new Seg();
            s.flags = tcp.flags();
            s.seq = tcp.seq();
            s.ack = (tcp.flags() & TcpHeader.ACK) != 0 ? tcp.ack() : null;
            s.window = tcp.window();
            s.mss = tcp.options().mss() == TcpOptions.ABSENT ? null : tcp.options().mss();
            s.windowScale = tcp.options().windowScale() == TcpOptions.ABSENT ? null : tcp.options().windowScale();
            s.tsVal = tcp.options().hasTimestamps() ? tcp.options().tsVal() : null;
            s.sackPermitted = tcp.options().sackPermitted();
            s.sack = new int[2 * tcp.options().sackBlockCount()];
            for (int b = 0; b < tcp.options().sackBlockCount(); b++)
            {
                s.sack[2 * b] = tcp.options().sackLeft(b);
                s.sack[2 * b + 1] = tcp.options().sackRight(b);
            }
            s.tsEcr = tcp.options().hasTimestamps() ? tcp.options().tsEcr() : null;
            s.payloadLength = tcp.payloadLength();
            s.payload = new byte[tcp.payloadLength()];
            buffer.getBytes(tcp.payloadOffset(), s.payload);
            s.srcPort = tcp.sourcePort();
            s.dstPort = tcp.destinationPort();
            received.add(s);
        });
    }

    /** Asserts the next segment the stack sent matches, and returns it. */
    public Seg expect(final Seg spec)
    {
        run();
        final Seg actual = received.poll();
        if (actual == null)
        {
            fail("expected " + spec + " but the stack sent nothing");
        }
        if (!spec.matches(actual))
        {
            fail("expected " + spec + " but the stack sent " + actual);
        }
        return actual;
    }

    public void expectNothing()
    {
        run();
        if (!received.isEmpty())
        {
            fail("expected nothing but the stack sent " + received);
        }
    }

    public List<Seg> drain()
    {
        run();
        final List<Seg> all = new ArrayList<>(received);
        received.clear();
        return all;
    }
}
