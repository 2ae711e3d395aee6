package dev.synack.stack;

import static dev.synack.stack.Frames.IP;
import static dev.synack.stack.Frames.L4;
import static dev.synack.stack.Frames.PEER_IP;
import static dev.synack.stack.Frames.PEER_MAC;
import static dev.synack.stack.Frames.US_IP;
import static dev.synack.stack.Frames.US_MAC;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.arp.ArpPacket;
import dev.synack.ip.IcmpEcho;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.SeqNum;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpEngine;
import dev.synack.tcp.TcpHeader;
import dev.synack.tcp.TcpOptions;
import dev.synack.tcp.TcpState;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.Checksum;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.MacAddress;

/**
 * The fuzz target of DESIGN.md §6.4, shared by {@link FrameFuzzTest} (Jazzer) and {@link FuzzAllocationTest}.
 * <p>
 * The fixture: one stack (198.18.0.2, a static neighbour 198.18.0.1) listening on port 80 with one ESTABLISHED
 * connection from the peer's port 40000, whose handshake options (MSS, window scale), initial sequence number and
 * the bytes we have in flight to the peer come from the input. Then the input becomes up to {@link #MAX_FRAMES}
 * frames, each one of: fully raw bytes; a segment on the connection with correct checksums and fuzzed flags,
 * sequence and acknowledgment numbers near the connection's, window, urgent pointer, options bytes and payload; a
 * segment from another port or host; an ICMP message; an ARP packet; or a connection segment under a fuzzed IPv4
 * header (IHL, options, total length, fragment field, TTL, protocol, addresses). Built frames may then have bytes
 * flipped (with or without the checksums fixed afterwards), be cut short, or carry Ethernet padding.
 * <p>
 * Checked for every frame: nothing escapes {@code doWork()}; the stack goes idle within {@link #IDLE_ROUNDS}
 * duty cycles with the clock stopped; {@code frames in} grows by one and the frame was either processed or
 * counted under exactly one drop reason, with {@code frames dropped} equal to the sum of the reasons; every frame
 * the stack sends is well-formed (checksums verify) and from its own addresses, and no RST answers a RST;
 * {@code RCV.NXT} and {@code SND.UNA} never move backwards; the connection stays ESTABLISHED or CLOSE-WAIT (our
 * application never closes) unless a segment on its 4-tuple with RST and {@code SEG.SEQ == RCV.NXT} reset it
 * (RFC 5961 §3.2). After the last frame ({@link #checkAlive()}): the stack answers a ping to the static
 * neighbour's MAC, and a connection still open takes in-order data and answers an out-of-window segment with
 * {@code <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>} (RFC 9293 §3.10.7.4).
 * <p>
 * Deterministic: the same input gives the same run (manual clock, a fresh stack per input). The stack-side work
 * ({@link #feed}, {@link #checkAlive}) allocates nothing itself, so {@link #stackAllocatedBytes()} can measure the
 * stack; building frames from the input allocates freely, outside the measurement.
 */
final class FrameFuzzTarget
{
    /** Frames one input can become. */
    static final int MAX_FRAMES = 8;
    /** Duty cycles a frame may take before the stack must be idle (the clock does not move meanwhile). */
    static final int IDLE_ROUNDS = 64;
    static final int LISTEN_PORT = 80;
    static final int PEER_PORT = 40000;

    static final int KIND_RAW = 0;
    static final int KIND_CONNECTION = 1;
    static final int KIND_OTHER_TCP = 2;
    static final int KIND_ICMP = 3;
    static final int KIND_ARP = 4;
    static final int KIND_IP = 5;

    static final int MANGLE_NONE = 0;
    static final int MANGLE_FLIP = 1;
    static final int MANGLE_TRUNCATE = 2;
    static final int MANGLE_PAD = 3;

    static final int SEQ_EXACT = 0;
    static final int SEQ_NEAR = 1;
    static final int SEQ_FAR = 2;
    static final int SEQ_ANY = 3;

    static final int MAX_OPTIONS = 40;
    static final int MAX_PAYLOAD = 1460;
    static final int MAX_RAW = 1600;
    static final int MAX_IN_FLIGHT = 8192;
    static final int MAX_ADVANCE_MS = 2000;
    static final int NEAR = 4096;
    static final int FAR = 1 << 20;

    /** Where fuzz values come from: Jazzer's {@link FuzzedDataProvider}, or a seeded random source. */
    interface Input
    {
        int consumeInt(int min, int max);

        boolean consumeBoolean();

        byte[] consumeBytes(int maxLength);
    }

    /** Jazzer's provider: integers from the input's end, byte runs from its start (libFuzzer's convention). */
    static Input of(final FuzzedDataProvider data)
    {
        return new Input()
        {
            @Override
            public int consumeInt(final int min, final int max)
            {
                return data.consumeInt(min, max);
            }

            @Override
            public boolean consumeBoolean()
            {
                return data.consumeBoolean();
            }

            @Override
            public byte[] consumeBytes(final int maxLength)
            {
                return data.consumeBytes(maxLength);
            }
        };
    }

    /** A seeded random input of about {@code budget} bytes, for the allocation check; allocates freely. */
    static Input random(final long seed, final int budget)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] left = {budget};
        return new Input()
        {
            @Override
            public int consumeInt(final int min, final int max)
            {
                if (left[0] <= 0)
                {
                    return min;
                }
                left[0] -= 4;
                // Small values and the bounds are where the bugs are: favour them as a mutator would.
                switch (random.nextInt(8))
                {
                    case 0:
                        return min;
                    case 1:
                        return max;
                    default:
                        return (int)(min + Math.floorMod(random.nextLong(), (long)max - min + 1));
                }
            }

            @Override
            public boolean consumeBoolean()
            {
                left[0]--;
                return left[0] > 0 && random.nextBoolean();
            }

            @Override
            public byte[] consumeBytes(final int maxLength)
            {
                final int length = Math.max(0, Math.min(maxLength, left[0]));
                left[0] -= length;
                final byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                return bytes;
            }
        };
    }

    /** The application: counts, never allocates, never closes. */
    static final class Application implements TcpHandler
    {
        long handle = -1;
        TcpConnection connection;
        int opens;
        long bytes;
        int peerClosed;
        CloseReason closeReason;

        @Override
        public void onOpen(final TcpConnection c)
        {
            opens++;
            if (connection == null)
            {
                connection = c;
                handle = c.handle();
            }
        }

        @Override
        public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
        {
            if (c.handle() == handle)
            {
                bytes += length;
            }
        }

        @Override
        public void onPeerClosed(final TcpConnection c)
        {
            if (c.handle() == handle)
            {
                peerClosed++;
            }
        }

        @Override
        public void onClosed(final TcpConnection c, final CloseReason reason)
        {
            if (c.handle() == handle)
            {
                if (closeReason != null)
                {
                    throw new AssertionError("the connection was closed twice: " + closeReason + ", " + reason);
                }
                closeReason = reason;
            }
        }

        boolean open()
        {
            return closeReason == null;
        }
    }

    private static final UnsafeBuffer OUR_DATA = new UnsafeBuffer(new byte[MAX_IN_FLIGHT]);
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    final ManualNanoClock clock = new ManualNanoClock();
    final TestStack stack = new TestStack(Frames.config(), clock, 1 << 16);
    final Application app = new Application();
    final int peerIss;
    final int peerMss;
    final int windowShift;
    final int inFlight;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
    private final TxCheck tx = new TxCheck();
    private final EthernetFrame inEth = new EthernetFrame();
    private final Ipv4Header inIp = new Ipv4Header();
    private final TcpHeader inTcp = new TcpHeader();
    private final long[] dropsBefore = new long[DropReason.values().length];
    private final DropReason[] reasons = DropReason.values();
    private boolean measuring;
    private long allocated;
    private int frames;
    private int pingSequence;

    /**
     * Builds the fixture from the start of the input: peer ISS, its MSS option, its window-scale option (or none),
     * and how many bytes of ours are in flight.
     */
    FrameFuzzTarget(final Input in)
    {
        peerIss = in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        peerMss = in.consumeInt(0, 0xFFFF);
        windowShift = in.consumeInt(-1, 15);
        inFlight = in.consumeInt(0, MAX_IN_FLIGHT);
        stack.agent.neighbours().addStatic(PEER_IP, PEER_MAC);
        tcp().listen(LISTEN_PORT, app);

        final byte[] synOptions = windowShift < 0 ? new byte[4] : new byte[8];
        final UnsafeBuffer o = new UnsafeBuffer(synOptions);
        TcpOptions.writeMss(o, 0, peerMss);
        if (windowShift >= 0)
        {
            TcpOptions.writeWindowScale(o, 4, windowShift);
        }
        write(frame, tcpFrame(PEER_IP, US_IP, PEER_PORT, LISTEN_PORT, peerIss, 0, TcpHeader.SYN, synOptions));
        check(tx.synAcks == 1, "no SYN-ACK to the handshake's SYN");
        write(frame, tcpFrame(PEER_IP, US_IP, PEER_PORT, LISTEN_PORT, peerIss + 1, tx.lastSeq + 1, TcpHeader.ACK,
            new byte[0]));
        check(app.opens == 1 && connection().state() == TcpState.ESTABLISHED, "the handshake did not complete");
        if (inFlight > 0)
        {
            check(connection().send(OUR_DATA, 0, inFlight) == inFlight, "the send buffer refused our data");
            run();
        }
        check(stack.counters.get(StackCounter.FRAMES_DROPPED) == 0, "the handshake dropped a frame");
    }

    /** Runs one input: the fixture, its frames, the liveness checks. */
    static FrameFuzzTarget runInput(final Input in)
    {
        final FrameFuzzTarget target = new FrameFuzzTarget(in);
        target.feedFrames(in);
        target.checkAlive();
        return target;
    }

    TcpEngine tcp()
    {
        return stack.agent.tcp();
    }

    TcpConnection connection()
    {
        return app.connection;
    }

    /** Bytes the stack thread allocated in the stack-side work since the last call to {@link #measure}. */
    long stackAllocatedBytes()
    {
        return allocated;
    }

    void measure(final boolean on)
    {
        measuring = on;
        allocated = 0;
    }

    int frames()
    {
        return frames;
    }

    /** Turns the rest of the input into frames and feeds them one at a time, checking after each. */
    void feedFrames(final Input in)
    {
        final int count = in.consumeInt(1, MAX_FRAMES);
        for (int i = 0; i < count; i++)
        {
            clock.advanceNs(in.consumeInt(0, MAX_ADVANCE_MS) * 1_000_000L);
            feed(in);
        }
    }

    private void feed(final Input in)
    {
        final int kind = in.consumeInt(KIND_RAW, KIND_IP);
        int length;
        switch (kind)
        {
            case KIND_RAW:
                final byte[] raw = in.consumeBytes(in.consumeInt(0, MAX_RAW));
                frame.putBytes(0, raw);
                length = raw.length;
                break;
            case KIND_CONNECTION:
                length = connectionSegment(in, PEER_IP, US_IP, IP);
                break;
            case KIND_OTHER_TCP:
                length = otherSegment(in);
                break;
            case KIND_ICMP:
                length = icmp(in);
                break;
            case KIND_ARP:
                length = arp(in);
                break;
            default:
                length = ipLevel(in);
                break;
        }
        if (kind != KIND_RAW)
        {
            length = mangle(in, length);
        }
        check(length);
    }

    /** Feeds the frame now in {@link #frame} and checks every per-frame property. */
    private void check(final int length)
    {
        final boolean open = app.open();
        final TcpConnection c = connection();
        final TcpState stateBefore = open ? c.state() : TcpState.CLOSED;
        final int rcvNxt = open ? c.rcvNxt() : 0;
        final int sndUna = open ? c.sndUna() : 0;
        final long framesIn = stack.counters.get(StackCounter.FRAMES_IN);
        final long framesDropped = stack.counters.get(StackCounter.FRAMES_DROPPED);
        for (final DropReason r : reasons)
        {
            dropsBefore[r.ordinal()] = stack.counters.get(r);
        }
        final boolean inboundRst = parseInboundTcp(length) && (inTcp.flags() & TcpHeader.RST) != 0;
        final int rstsBefore = tx.rsts;

        write(frame, length);

        check(stack.counters.get(StackCounter.FRAMES_IN) == framesIn + 1, "frames in did not grow by one");
        int reasonsMoved = 0;
        long dropsMoved = 0;
        for (final DropReason r : reasons)
        {
            final long moved = stack.counters.get(r) - dropsBefore[r.ordinal()];
            dropsMoved += moved;
            if (moved != 0 && r != DropReason.TX_RING_FULL && r != DropReason.NEIGHBOUR_UNRESOLVED)
            {
                check(moved == 1 && r != DropReason.NONE, "a drop reason moved by more than one");
                reasonsMoved++;
            }
        }
        check(reasonsMoved <= 1, "one frame was counted under more than one drop reason");
        check(stack.counters.get(StackCounter.FRAMES_DROPPED) - framesDropped == dropsMoved,
            "frames dropped is not the sum of the drop reasons");
        check(!inboundRst || tx.rsts == rstsBefore, "a RST was answered with a RST (RFC 9293 §3.10.7)");

        if (open)
        {
            if (app.open())
            {
                final TcpState state = c.state();
                check(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT,
                    "the connection left ESTABLISHED/CLOSE-WAIT though our side never closed");
                check(stateBefore != TcpState.CLOSE_WAIT || state == TcpState.CLOSE_WAIT, "CLOSE-WAIT went back");
                check(SeqNum.ge(c.rcvNxt(), rcvNxt), "RCV.NXT moved backwards");
                check(SeqNum.ge(c.sndUna(), sndUna), "SND.UNA moved backwards");
            }
            else
            {
                check(app.closeReason == CloseReason.RESET, "the connection ended other than by a reset");
                check(inboundRst && onOurTuple() && inTcp.seq() == rcvNxt,
                    "the connection was reset by a segment whose SEG.SEQ is not RCV.NXT (RFC 5961 §3.2)");
            }
        }
    }

    /** After the input: the stack answers a ping, and an open connection still works (RFC 9293 §3.10.7.4). */
    void checkAlive()
    {
        final int sequence = ++pingSequence;
        final int dataLength = 8;
        final int at = EthernetFrame.writeHeader(frame, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        final int l4 = Ipv4Header.writeHeader(frame, at, PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP,
            IcmpEcho.HEADER_LENGTH + dataLength, 1, 64);
        frame.setMemory(l4 + IcmpEcho.HEADER_LENGTH, dataLength, (byte)0x5A);
        IcmpEcho.writeEcho(
            frame, l4, IcmpEcho.TYPE_ECHO_REQUEST, 0x7777, sequence, IcmpEcho.HEADER_LENGTH + dataLength);
        final int replies = tx.echoReplies;
        write(frame, l4 + IcmpEcho.HEADER_LENGTH + dataLength);
        check(tx.echoReplies == replies + 1 && tx.lastEchoSequence == sequence && tx.lastEchoToPeer,
            "the stack no longer answers a ping to its static neighbour");

        if (!app.open())
        {
            return;
        }
        final TcpConnection c = connection();
        if (c.state() == TcpState.ESTABLISHED)
        {
            final long bytes = app.bytes;
            final int rcvNxt = c.rcvNxt();
            write(frame, tcpHeaderOnly(c.rcvNxt(), c.sndUna(), TcpHeader.ACK | TcpHeader.PSH, 4));
            check(app.bytes >= bytes + 4 && SeqNum.ge(c.rcvNxt(), rcvNxt + 4),
                "the connection no longer takes in-order data");
        }
        if (app.open())
        {
            final int acks = tx.tupleAcks;
            // With text: an out-of-window segment without it is answered at most once per invalidAckInterval.
            write(frame, tcpHeaderOnly(c.rcvNxt() + 0x4000_0000, c.sndUna(), TcpHeader.ACK, 1));
            check(tx.tupleAcks == acks + 1 && tx.lastTupleAck == c.rcvNxt(),
                "an out-of-window segment was not answered with <ACK=RCV.NXT>");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Frame builders: everything correct unless the input says otherwise
    // ------------------------------------------------------------------------------------------------

    private int connectionSegment(final Input in, final int source, final int destination, final int at)
    {
        final boolean open = app.open();
        final int rcvNxt = open ? connection().rcvNxt() : peerIss + 1;
        final int sndUna = open ? connection().sndUna() : 0;
        final int sndNxt = open ? connection().sndNxt() : 0;
        final int flags = in.consumeInt(0, 0xFF);
        final int seq = near(in, rcvNxt, rcvNxt);
        final int ack = near(in, sndNxt, sndUna);
        final int window = in.consumeInt(0, 0xFFFF);
        final int urgent = in.consumeInt(0, 0xFFFF);
        final byte[] options = in.consumeBytes(in.consumeInt(0, MAX_OPTIONS));
        final byte[] payload = in.consumeBytes(in.consumeInt(0, MAX_PAYLOAD));
        EthernetFrame.writeHeader(frame, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        final int tcpLength = writeTcp(at + Ipv4Header.MIN_HEADER_LENGTH, source, destination, PEER_PORT,
            LISTEN_PORT, seq, ack, flags, window, urgent, options, payload);
        Ipv4Header.writeHeader(frame, at, source, destination, Ipv4Header.PROTOCOL_TCP, tcpLength, 1, 64);
        return at + Ipv4Header.MIN_HEADER_LENGTH + tcpLength;
    }

    private static int near(final Input in, final int exact, final int base)
    {
        switch (in.consumeInt(SEQ_EXACT, SEQ_ANY))
        {
            case SEQ_EXACT:
                return exact;
            case SEQ_NEAR:
                return base + in.consumeInt(-NEAR, 3 * NEAR);
            case SEQ_FAR:
                return base + in.consumeInt(-FAR, FAR);
            default:
                return in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
    }

    private int otherSegment(final Input in)
    {
        final int hostByte = in.consumeInt(0, 0xFF);
        final int source = (PEER_IP & 0xFFFF_FF00) | hostByte;
        final int sourcePort = in.consumeInt(0, 0xFFFF);
        final int destinationPort = in.consumeBoolean() ? LISTEN_PORT : in.consumeInt(0, 0xFFFF);
        final int flags = in.consumeInt(0, 0xFF);
        final int seq = in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        final int ack = in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        final int window = in.consumeInt(0, 0xFFFF);
        final byte[] options = in.consumeBytes(in.consumeInt(0, MAX_OPTIONS));
        final byte[] payload = in.consumeBytes(in.consumeInt(0, MAX_PAYLOAD));
        EthernetFrame.writeHeader(frame, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        final int tcpLength =
            writeTcp(L4, source, US_IP, sourcePort, destinationPort, seq, ack, flags, window, 0, options, payload);
        Ipv4Header.writeHeader(frame, IP, source, US_IP, Ipv4Header.PROTOCOL_TCP, tcpLength, 1, 64);
        return L4 + tcpLength;
    }

    private int icmp(final Input in)
    {
        final int type = in.consumeBoolean() ? IcmpEcho.TYPE_ECHO_REQUEST : in.consumeInt(0, 0xFF);
        final int code = in.consumeInt(0, 0xFF);
        final int identifier = in.consumeInt(0, 0xFFFF);
        final int sequence = in.consumeInt(0, 0xFFFF);
        final byte[] data = in.consumeBytes(in.consumeInt(0, MAX_PAYLOAD));
        final int length = IcmpEcho.HEADER_LENGTH + data.length;
        EthernetFrame.writeHeader(frame, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(frame, IP, PEER_IP, US_IP, Ipv4Header.PROTOCOL_ICMP, length, 1, 64);
        frame.putBytes(L4 + IcmpEcho.HEADER_LENGTH, data);
        IcmpEcho.writeEcho(frame, L4, type, identifier, sequence, length);
        if (code != 0)
        {
            frame.putByte(L4 + 1, (byte)code);
            fixIcmpChecksum(L4, length);
        }
        return L4 + length;
    }

    private int arp(final Input in)
    {
        final long destination = in.consumeBoolean() ? MacAddress.BROADCAST : US_MAC;
        final int operation = in.consumeInt(0, 3);
        final long senderMac = pick(in, PEER_MAC, US_MAC);
        final int senderIp = (int)pick(in, PEER_IP, US_IP);
        final int targetIp = (int)pick(in, US_IP, PEER_IP);
        final long targetMac = pick(in, 0, US_MAC);
        final int at = EthernetFrame.writeHeader(frame, 0, destination, PEER_MAC, EthernetFrame.TYPE_ARP);
        return ArpPacket.write(frame, at, operation, senderMac, senderIp, targetMac, targetIp);
    }

    /** One of two likely values, or any 48 bits: three ways to be interesting. */
    private static long pick(final Input in, final long likely, final long other)
    {
        switch (in.consumeInt(0, 2))
        {
            case 0:
                return likely;
            case 1:
                return other;
            default:
                return ((long)in.consumeInt(0, 0xFFFF) << 32) | (in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE)
                    & 0xFFFF_FFFFL);
        }
    }

    /** A connection segment under a fuzzed IPv4 header; both checksums are made right for what was written. */
    private int ipLevel(final Input in)
    {
        final byte[] ipOptions = in.consumeBytes(in.consumeInt(0, MAX_OPTIONS));
        final int optionsLength = BitUtil.align(ipOptions.length, 4);
        final int ihl = in.consumeInt(-1, 15);
        final int totalLengthDelta = in.consumeInt(-64, 64);
        final int tos = in.consumeInt(0, 0xFF);
        final int fragment = in.consumeInt(0, 0xFFFF);
        final int ttl = in.consumeInt(0, 0xFF);
        final int protocol = in.consumeBoolean() ? in.consumeInt(0, 0xFF) : Ipv4Header.PROTOCOL_TCP;
        final int source = in.consumeBoolean() ? in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : PEER_IP;
        final int destination = in.consumeBoolean() ? in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : US_IP;
        final int end = connectionSegment(in, source, destination, IP + optionsLength);
        final int headerLength = Ipv4Header.MIN_HEADER_LENGTH + optionsLength;
        Ipv4Header.writeHeader(frame, IP, source, destination, protocol, end - IP - Ipv4Header.MIN_HEADER_LENGTH, 1,
            ttl);
        frame.setMemory(IP + Ipv4Header.MIN_HEADER_LENGTH, optionsLength, (byte)0);
        frame.putBytes(IP + Ipv4Header.MIN_HEADER_LENGTH, ipOptions);
        frame.putByte(IP, (byte)(0x40 | (ihl < 0 ? headerLength >> 2 : ihl)));
        frame.putByte(IP + Ipv4Header.TOS_OFFSET, (byte)tos);
        frame.putShort(IP + Ipv4Header.TOTAL_LENGTH_OFFSET, (short)(end - IP + totalLengthDelta), ByteOrder.BIG_ENDIAN);
        frame.putShort(IP + Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)fragment, ByteOrder.BIG_ENDIAN);
        fixIpChecksum(end);
        return end;
    }

    private int writeTcp(
        final int at, final int source, final int destination, final int sourcePort, final int destinationPort,
        final int seq, final int ack, final int flags, final int window, final int urgent, final byte[] options,
        final byte[] payload)
    {
        final int optionsLength = BitUtil.align(options.length, 4);
        final int headerLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength;
        TcpHeader.writeHeader(frame, at, sourcePort, destinationPort, seq, ack, headerLength, flags, window);
        frame.putShort(at + TcpHeader.URGENT_OFFSET, (short)urgent, ByteOrder.BIG_ENDIAN);
        frame.setMemory(at + TcpHeader.MIN_HEADER_LENGTH, optionsLength, (byte)0);
        frame.putBytes(at + TcpHeader.MIN_HEADER_LENGTH, options);
        frame.putBytes(at + headerLength, payload);
        final int length = headerLength + payload.length;
        TcpHeader.writeChecksum(frame, at, length, source, destination);
        return length;
    }

    /** A segment on the connection's 4-tuple, written without touching the input (liveness checks). */
    private int tcpHeaderOnly(final int seq, final int ack, final int flags, final int dataLength)
    {
        EthernetFrame.writeHeader(frame, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        final int tcpLength = TcpHeader.MIN_HEADER_LENGTH + dataLength;
        Ipv4Header.writeHeader(frame, IP, PEER_IP, US_IP, Ipv4Header.PROTOCOL_TCP, tcpLength, 1, 64);
        TcpHeader.writeHeader(frame, L4, PEER_PORT, LISTEN_PORT, seq, ack, TcpHeader.MIN_HEADER_LENGTH, flags, 0xFFFF);
        frame.setMemory(L4 + TcpHeader.MIN_HEADER_LENGTH, dataLength, (byte)'x');
        TcpHeader.writeChecksum(frame, L4, tcpLength, PEER_IP, US_IP);
        return L4 + tcpLength;
    }

    private int tcpFrame(
        final int source, final int destination, final int sourcePort, final int destinationPort, final int seq,
        final int ack, final int flags, final byte[] options)
    {
        EthernetFrame.writeHeader(frame, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        final int tcpLength = writeTcp(L4, source, destination, sourcePort, destinationPort, seq, ack, flags, 0xFFFF,
            0, options, new byte[0]);
        Ipv4Header.writeHeader(frame, IP, source, destination, Ipv4Header.PROTOCOL_TCP, tcpLength, 1, 64);
        return L4 + tcpLength;
    }

    /** Flips bytes (checksums fixed afterwards or not), cuts the frame short, or pads it past the IP length. */
    private int mangle(final Input in, final int length)
    {
        switch (in.consumeInt(MANGLE_NONE, MANGLE_PAD))
        {
            case MANGLE_FLIP:
                final int flips = in.consumeInt(1, 4);
                for (int i = 0; i < flips; i++)
                {
                    final int at = in.consumeInt(0, length - 1);
                    frame.putByte(at, (byte)(frame.getByte(at) ^ in.consumeInt(1, 0xFF)));
                }
                if (in.consumeBoolean())
                {
                    fixChecksums(length);
                }
                return length;
            case MANGLE_TRUNCATE:
                return in.consumeInt(0, length - 1);
            case MANGLE_PAD:
                final int pad = in.consumeInt(1, 64);
                final byte[] junk = in.consumeBytes(pad);
                frame.setMemory(length, pad, (byte)0);
                frame.putBytes(length, junk);
                return length + pad;
            default:
                return length;
        }
    }

    /** Makes the IPv4 and TCP/ICMP checksums right for whatever the header fields now say, where they fit. */
    private void fixChecksums(final int length)
    {
        if (length < IP + Ipv4Header.MIN_HEADER_LENGTH
            || EthernetFrame.etherType(frame, 0) != EthernetFrame.TYPE_IPV4)
        {
            return;
        }
        final int headerLength = (frame.getByte(IP) & 0xF) << 2;
        if (headerLength < Ipv4Header.MIN_HEADER_LENGTH || IP + headerLength > length)
        {
            return;
        }
        fixIpChecksum(length);
        final int l4 = IP + headerLength;
        final int l4Length =
            Math.min(frame.getShort(IP + Ipv4Header.TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF, length - IP)
            - headerLength;
        final int protocol = frame.getByte(IP + Ipv4Header.PROTOCOL_OFFSET) & 0xFF;
        if (protocol == Ipv4Header.PROTOCOL_TCP && l4Length >= TcpHeader.MIN_HEADER_LENGTH)
        {
            TcpHeader.writeChecksum(frame, l4, l4Length, frame.getInt(IP + Ipv4Header.SOURCE_OFFSET,
                ByteOrder.BIG_ENDIAN), frame.getInt(IP + Ipv4Header.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN));
        }
        else if (protocol == Ipv4Header.PROTOCOL_ICMP && l4Length >= IcmpEcho.HEADER_LENGTH)
        {
            fixIcmpChecksum(l4, l4Length);
        }
    }

    private void fixIpChecksum(final int length)
    {
        final int headerLength = (frame.getByte(IP) & 0xF) << 2;
        if (headerLength < Ipv4Header.MIN_HEADER_LENGTH || IP + headerLength > length)
        {
            return;
        }
        frame.putShort(IP + Ipv4Header.CHECKSUM_OFFSET, (short)0);
        frame.putShort(IP + Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.compute(frame, IP, headerLength),
            ByteOrder.BIG_ENDIAN);
    }

    private void fixIcmpChecksum(final int at, final int length)
    {
        frame.putShort(at + IcmpEcho.CHECKSUM_OFFSET, (short)0);
        frame.putShort(at + IcmpEcho.CHECKSUM_OFFSET, (short)Checksum.compute(frame, at, length),
            ByteOrder.BIG_ENDIAN);
    }

    // ------------------------------------------------------------------------------------------------
    // Driving the stack
    // ------------------------------------------------------------------------------------------------

    /** Writes one frame to the rx ring and runs the stack until idle; the measured part. */
    private void write(final UnsafeBuffer buffer, final int length)
    {
        frames++;
        final long before = measuring ? THREADS.getCurrentThreadAllocatedBytes() : 0;
        check(stack.rx.write(FrameOutput.MSG_TYPE_FRAME, buffer, 0, length), "the rx ring refused a frame");
        run();
        if (measuring)
        {
            allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
        }
    }

    /**
     * Duty cycles until two in a row do nothing (a ring read that meets the wrap-around padding consumes it and
     * reports no message), at most {@link #IDLE_ROUNDS}: the clock is stopped, so more work than that is a livelock.
     */
    private void run()
    {
        int idle = 0;
        for (int round = 0; idle < 2; round++)
        {
            check(round < IDLE_ROUNDS, "the stack is still busy after 64 duty cycles with the clock stopped");
            final int work = stack.agent.doWork();
            stack.tx.read(tx);
            idle = work == 0 ? idle + 1 : 0;
        }
        check(stack.rx.size() == 0, "the stack left a frame in its rx ring");
    }

    private boolean parseInboundTcp(final int length)
    {
        return length <= frame.capacity()
            && inEth.wrapChecked(frame, 0, length) == DropReason.NONE
            && inEth.etherType() == EthernetFrame.TYPE_IPV4
            && inIp.wrapChecked(frame, inEth.payloadOffset(), inEth.payloadLength()) == DropReason.NONE
            && inIp.protocol() == Ipv4Header.PROTOCOL_TCP
            && inTcp.wrapChecked(frame, inIp.payloadOffset(), inIp.payloadLength(), inIp.source(), inIp.destination())
            == DropReason.NONE;
    }

    private boolean onOurTuple()
    {
        return inIp.source() == PEER_IP && inIp.destination() == US_IP && inTcp.sourcePort() == PEER_PORT
            && inTcp.destinationPort() == LISTEN_PORT && inEth.destination() == US_MAC;
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }

    /** Checks and records what the stack sends; allocation-free. */
    private final class TxCheck implements MessageHandler
    {
        private final EthernetFrame eth = new EthernetFrame();
        private final Ipv4Header ip = new Ipv4Header();
        private final TcpHeader tcp = new TcpHeader();
        private final IcmpEcho icmp = new IcmpEcho();
        int synAcks;
        int lastSeq;
        int rsts;
        int tupleAcks;
        int lastTupleAck;
        int echoReplies;
        int lastEchoSequence;
        boolean lastEchoToPeer;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            check(eth.wrapChecked(buffer, index, length) == DropReason.NONE, "the stack sent a runt frame");
            check(eth.source() == US_MAC, "the stack sent a frame from a MAC not its own");
            if (eth.etherType() == EthernetFrame.TYPE_ARP)
            {
                return;
            }
            check(eth.etherType() == EthernetFrame.TYPE_IPV4, "the stack sent an EtherType other than ARP/IPv4");
            check(ip.wrapChecked(buffer, eth.payloadOffset(), eth.payloadLength()) == DropReason.NONE,
                "the stack sent a bad IPv4 header");
            check(ip.source() == US_IP, "the stack sent from an address not its own");
            if (ip.protocol() == Ipv4Header.PROTOCOL_ICMP)
            {
                check(icmp.wrapChecked(buffer, ip.payloadOffset(), ip.payloadLength()) == DropReason.NONE,
                    "the stack sent a bad ICMP message");
                if (icmp.type() == IcmpEcho.TYPE_ECHO_REPLY && icmp.identifier() == 0x7777)
                {
                    echoReplies++;
                    lastEchoSequence = icmp.sequence();
                    lastEchoToPeer = eth.destination() == PEER_MAC && ip.destination() == PEER_IP;
                }
                return;
            }
            check(ip.protocol() == Ipv4Header.PROTOCOL_TCP, "the stack sent an IP protocol other than ICMP/TCP");
            check(tcp.wrapChecked(buffer, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination())
                == DropReason.NONE, "the stack sent a bad TCP segment");
            final int flags = tcp.flags();
            if ((flags & TcpHeader.RST) != 0)
            {
                rsts++;
            }
            if ((flags & (TcpHeader.SYN | TcpHeader.ACK)) == (TcpHeader.SYN | TcpHeader.ACK))
            {
                synAcks++;
            }
            lastSeq = tcp.seq();
            if (ip.destination() == PEER_IP && tcp.sourcePort() == LISTEN_PORT && tcp.destinationPort() == PEER_PORT
                && (flags & (TcpHeader.ACK | TcpHeader.RST | TcpHeader.SYN)) == TcpHeader.ACK)
            {
                tupleAcks++;
                lastTupleAck = tcp.ack();
            }
        }
    }
}
