package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;
import dev.synack.wire.Checksum;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;

/**
 * RFC 1191 path MTU discovery, sender side: every synack packet carries DF, so a router on a path with a smaller
 * MTU answers "fragmentation needed" (ICMP 3/4) quoting our segment. The connection's MSS drops to fit and the
 * segment is sent again at once in pieces that fit — instead of being black-holed retransmission after
 * retransmission. Reports that quote nothing in flight (RFC 5927 §4.1) change nothing.
 */
class PathMtuTest
{
    private static final int X = 30_000;
    private static final int ROUTER = Ipv4Address.parse("198.18.0.254");

    private final RawPeer peer = new RawPeer(RawPeer.config());
    private final RecordingHandler app = new RecordingHandler();
    private int y;

    private Seg sendFullSegment()
    {
        y = peer.handshake(app, seg().syn().seq(X).mss(1460));
        app.last.send(new UnsafeBuffer(new byte[1400]), 0, 1400);
        peer.run();
        return peer.expect(seg().ack(X + 1).seq(y + 1).len(1400));
    }

    @Test
    void fragmentationNeededShrinksTheSegmentAndResendsAtOnce()
    {
        sendFullSegment();
        // a router with a 1,000-byte next hop: 1000 - 20 (IP) - 20 (TCP) = 960 bytes of data per segment
        icmp(fragmentationNeeded(1000, RawPeer.STACK_IP, y + 1));
        final Seg again = peer.expect(seg().ack(X + 1).seq(y + 1).len(960));
        assertEquals(960, again.payloadLength);
        assertEquals(960, app.last.mss());
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_PMTU_REDUCTIONS));
        // the rest of the lost segment follows in the same breath: cwnd allows it, PMTU is no congestion signal
        peer.expect(seg().ack(X + 1).seq(y + 1 + 960).len(440));
        assertEquals(2, peer.stack.counters.get(StackCounter.TCP_RETRANSMITS));
        peer.send(seg().ack(y + 1 + 1400).seq(X + 1));
        peer.expectNothing();
    }

    @Test
    void aForgedTinyMtuIsClampedTo552()
    {
        sendFullSegment();
        icmp(fragmentationNeeded(68, RawPeer.STACK_IP, y + 1));
        assertEquals(552 - 40, app.last.mss());
        peer.expect(seg().ack(X + 1).seq(y + 1).len(512));
    }

    @Test
    void aReportForASequenceNotInFlightIsIgnored()
    {
        sendFullSegment();
        icmp(fragmentationNeeded(1000, RawPeer.STACK_IP, y + 1 + 5000));
        icmp(fragmentationNeeded(1000, RawPeer.STACK_IP, y - 5000));
        assertEquals(2, peer.stack.counters.get(DropReason.ICMP_PMTU_UNMATCHED));
        assertEquals(1460, app.last.mss());
        peer.expectNothing();
    }

    @Test
    void aReportQuotingAnotherHostsPacketIsDropped()
    {
        sendFullSegment();
        icmp(fragmentationNeeded(1000, Ipv4Address.parse("198.18.0.9"), y + 1));
        final byte[] truncated = fragmentationNeeded(1000, RawPeer.STACK_IP, y + 1);
        icmp(java.util.Arrays.copyOf(fixLengths(truncated, 8 + 20 + 4), 14 + 20 + 8 + 20 + 4));
        assertEquals(2, peer.stack.counters.get(DropReason.ICMP_BAD_QUOTE));
        assertEquals(1460, app.last.mss());
    }

    @Test
    void aLargerMtuNeverRaisesTheMss()
    {
        sendFullSegment();
        icmp(fragmentationNeeded(9000, RawPeer.STACK_IP, y + 1));
        assertEquals(1460, app.last.mss());
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_PMTU_REDUCTIONS));
        assertTrue(peer.drain().isEmpty());
    }

    private void icmp(final byte[] frame)
    {
        assertTrue(peer.stack.rx.write(FrameOutput.MSG_TYPE_FRAME, new UnsafeBuffer(frame), 0, frame.length));
        peer.run();
    }

    /** ICMP 3/4 from a router, quoting the IP header and first 8 TCP bytes of a segment from {@code quotedSource}. */
    private byte[] fragmentationNeeded(final int mtu, final int quotedSource, final int sequence)
    {
        final int icmpLength = 8 + 20 + 8;
        final UnsafeBuffer b = new UnsafeBuffer(new byte[14 + 20 + icmpLength]);
        EthernetFrame.writeHeader(b, 0, RawPeer.STACK_MAC, RawPeer.PEER_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(b, 14, ROUTER, RawPeer.STACK_IP, Ipv4Header.PROTOCOL_ICMP, icmpLength, 7, 64);
        final int icmp = 34;
        b.putByte(icmp, (byte)3);
        b.putByte(icmp + 1, (byte)4);
        b.putShort(icmp + 6, (short)mtu, ByteOrder.BIG_ENDIAN);
        Ipv4Header.writeHeader(b, icmp + 8, quotedSource, RawPeer.PEER_IP, Ipv4Header.PROTOCOL_TCP, 8, 9, 64);
        b.putShort(icmp + 8 + 2, (short)1460, ByteOrder.BIG_ENDIAN); // the original's length, as routers quote it
        b.putShort(icmp + 28, (short)peer.stackPort, ByteOrder.BIG_ENDIAN);
        b.putShort(icmp + 30, (short)peer.peerPort, ByteOrder.BIG_ENDIAN);
        b.putInt(icmp + 32, sequence, ByteOrder.BIG_ENDIAN);
        b.putShort(icmp + 2, (short)Checksum.compute(b, icmp, icmpLength), ByteOrder.BIG_ENDIAN);
        return b.byteArray();
    }

    /** Cuts the ICMP message to {@code icmpLength} bytes, fixing the IP length and both checksums. */
    private static byte[] fixLengths(final byte[] frame, final int icmpLength)
    {
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putShort(14 + 2, (short)(20 + icmpLength), ByteOrder.BIG_ENDIAN);
        b.putShort(14 + 10, (short)0);
        b.putShort(14 + 10, (short)Checksum.compute(b, 14, 20), ByteOrder.BIG_ENDIAN);
        b.putShort(34 + 2, (short)0);
        b.putShort(34 + 2, (short)Checksum.compute(b, 34, icmpLength), ByteOrder.BIG_ENDIAN);
        return frame;
    }
}
