package dev.synack.stack;

import static dev.synack.stack.Frames.IP;
import static dev.synack.stack.Frames.L4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.ip.IcmpEcho;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.Allocations;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.FrameOutput;

/**
 * IPv4 reassembly (RFC 791 §3.2, RFC 1122 §3.3.2) through a {@link StackAgent}: an ICMP echo request of 1,000 data
 * bytes cut into fragments must be answered with every byte, whatever the fragments' order; overlaps, duplicates,
 * floods and timeouts each get their own counted answer.
 */
class ReassemblyTest
{
    private static final int RING = 1 << 20;
    private static final int DATA = 1000;
    private static final org.agrona.concurrent.MessageHandler DISCARD = (type, buffer, index, length) ->
    {
    };

    private final ManualNanoClock clock = new ManualNanoClock();
    private TestStack stack = new TestStack(Frames.config(), clock, RING);
    private final byte[] request = Frames.echoRequest(DATA);

    ReassemblyTest()
    {
        stack.agent.neighbours().addStatic(Frames.PEER_IP, Frames.PEER_MAC);
    }

    @Test
    void fragmentsInAnyOrderAreAnsweredWithEveryByte()
    {
        // 1,008 bytes of ICMP: [0,504) MF, [504,1008) last — delivered last first
        feed(fragment(request, 504, 504, false, 7));
        assertEquals(0, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT), "not whole yet");
        feed(fragment(request, 0, 504, true, 7));
        assertEquals(1, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
        assertEquals(1, stack.counters.get(StackCounter.IP_DATAGRAMS_REASSEMBLED));
        assertEquals(2, stack.counters.get(StackCounter.IP_FRAGMENTS_IN));
        assertEquals(0, stack.counters.get(StackCounter.FRAMES_DROPPED));
        final List<byte[]> sent = drainTx();
        assertEquals(1, sent.size());
        final byte[] reply = sent.get(0);
        assertEquals(IcmpEcho.TYPE_ECHO_REPLY, reply[L4] & 0xFF);
        assertArrayEquals(Arrays.copyOfRange(request, L4 + IcmpEcho.HEADER_LENGTH, request.length),
            Arrays.copyOfRange(reply, L4 + IcmpEcho.HEADER_LENGTH, reply.length), "every data byte echoed");
    }

    @Test
    void threeFragmentsMiddleFirst()
    {
        feed(fragment(request, 400, 400, true, 9));
        feed(fragment(request, 800, 208, false, 9));
        feed(fragment(request, 0, 400, true, 9));
        assertEquals(1, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
        assertEquals(0, stack.agent.reassemblyInUse());
    }

    @Test
    void anExactDuplicateIsDroppedAndTheDatagramKept()
    {
        feed(fragment(request, 0, 504, true, 11));
        feed(fragment(request, 0, 504, true, 11));
        assertEquals(1, stack.counters.get(DropReason.IP_FRAGMENT_DUPLICATE));
        feed(fragment(request, 504, 504, false, 11));
        assertEquals(1, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
    }

    @Test
    void overlappingFragmentsWithConflictingBytesDiscardTheWholeDatagram()
    {
        // the classic IDS evasion: a second fragment rewrites bytes of the first
        feed(fragment(request, 0, 504, true, 13));
        final byte[] forged = fragment(request, 496, 512, false, 13);
        forged[L4 + 2] ^= 0x55;
        Frames.fixIpChecksum(forged);
        feed(forged);
        assertEquals(1, stack.counters.get(DropReason.IP_FRAGMENT_OVERLAP));
        assertEquals(0, stack.agent.reassemblyInUse(), "the datagram is gone, not half-delivered");
        feed(fragment(request, 504, 504, false, 13));
        assertEquals(0, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT), "no datagram from mixed pieces");
    }

    @Test
    void twoLastFragmentsThatDisagreeOnTheLengthDiscardTheDatagram()
    {
        feed(fragment(request, 504, 504, false, 15));
        feed(fragment(request, 504, 496, false, 15));
        assertEquals(1, stack.counters.get(DropReason.IP_FRAGMENT_OVERLAP));
        assertEquals(0, stack.agent.reassemblyInUse());
    }

    @Test
    void anIncompleteDatagramTimesOutAfterThirtySecondsAndIsCountedOnce()
    {
        feed(fragment(request, 0, 504, true, 17));
        clock.advance(29, TimeUnit.SECONDS);
        stack.agent.doWork();
        assertEquals(1, stack.agent.reassemblyInUse());
        clock.advance(1, TimeUnit.SECONDS);
        stack.agent.doWork();
        assertEquals(0, stack.agent.reassemblyInUse());
        assertEquals(1, stack.counters.get(DropReason.IP_REASSEMBLY_TIMEOUT));
        feed(fragment(request, 504, 504, false, 17));
        assertEquals(0, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT), "the first half is gone");
    }

    @Test
    void aTimedOutDatagramWhoseFirstFragmentArrivedIsReportedWithTimeExceeded()
    {
        // RFC 792 / RFC 1122 §3.3.2: <-- ICMP type 11 code 1, quoting fragment zero's IP header and 8 data bytes
        final byte[] first = fragment(request, 0, 504, true, 23);
        feed(first);
        clock.advance(30, TimeUnit.SECONDS);
        stack.agent.doWork();
        final List<byte[]> sent = drainTx();
        assertEquals(1, sent.size());
        final byte[] icmp = sent.get(0);
        final UnsafeBuffer out = new UnsafeBuffer(icmp);
        assertEquals(Frames.PEER_IP, out.getInt(IP + Ipv4Header.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN));
        assertEquals(Ipv4Header.PROTOCOL_ICMP, icmp[IP + Ipv4Header.PROTOCOL_OFFSET]);
        assertEquals(11, icmp[L4] & 0xFF, "Time Exceeded");
        assertEquals(1, icmp[L4 + 1] & 0xFF, "fragment reassembly time exceeded");
        assertEquals(IcmpEcho.HEADER_LENGTH + 20 + 8, icmp.length - L4);
        assertEquals(0, dev.synack.wire.Checksum.compute(out, L4, icmp.length - L4), "ICMP checksum verifies");
        assertArrayEquals(Arrays.copyOfRange(first, IP, L4 + 8),
            Arrays.copyOfRange(icmp, L4 + IcmpEcho.HEADER_LENGTH, icmp.length), "header + 8 bytes as sent");
        assertEquals(1, stack.counters.get(StackCounter.ICMP_TIME_EXCEEDED_SENT));
        assertEquals(1, stack.counters.get(DropReason.IP_REASSEMBLY_TIMEOUT));
    }

    @Test
    void aTimedOutDatagramWithoutItsFirstFragmentOrQuotingAnIcmpErrorIsDroppedSilently()
    {
        // RFC 1122 §3.3.2: only when fragment zero is held; §3.2.2: never about an ICMP error message
        feed(fragment(request, 504, 504, false, 25));
        final byte[] error = request.clone();
        error[L4] = 3; // destination unreachable: an error, not an echo
        feed(fragment(error, 0, 504, true, 27));
        clock.advance(30, TimeUnit.SECONDS);
        stack.agent.doWork();
        assertEquals(0, drainTx().size());
        assertEquals(0, stack.counters.get(StackCounter.ICMP_TIME_EXCEEDED_SENT));
        assertEquals(2, stack.counters.get(DropReason.IP_REASSEMBLY_TIMEOUT));
    }

    @Test
    void aFloodOfNeverCompletedFragmentsCannotLockOutAGenuineDatagram()
    {
        // 1,000 bogus first fragments, each a datagram of its own: they cycle through the 8 slots
        for (int id = 1000; id < 2000; id++)
        {
            feed(fragment(request, 0, 504, true, id));
        }
        assertEquals(8, stack.agent.reassemblyInUse());
        feed(fragment(request, 0, 504, true, 5));
        feed(fragment(request, 504, 504, false, 5));
        assertEquals(1, stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT));
    }

    @Test
    void withReassemblyOffFragmentsAreDroppedAndCounted()
    {
        stack = new TestStack(Frames.config().reassemblySlots(0), clock, RING);
        feed(fragment(request, 0, 504, true, 19));
        assertEquals(1, stack.counters.get(DropReason.IP_FRAGMENT));
        assertEquals(1, stack.counters.get(StackCounter.FRAMES_DROPPED));
    }

    @Test
    void reassemblyDoesNotAllocate()
    {
        final byte[] first = fragment(request, 0, 504, true, 21);
        final byte[] last = fragment(request, 504, 504, false, 21);
        final UnsafeBuffer firstBuffer = new UnsafeBuffer(first);
        final UnsafeBuffer lastBuffer = new UnsafeBuffer(last);
        final long bytes = Allocations.leastOf(3, 5, () ->
        {
            for (int i = 0; i < 2000; i++)
            {
                stack.rx.write(FrameOutput.MSG_TYPE_FRAME, firstBuffer, 0, first.length);
                stack.rx.write(FrameOutput.MSG_TYPE_FRAME, lastBuffer, 0, last.length);
                stack.agent.doWork();
                stack.tx.read(DISCARD, 16);
            }
        });
        assertEquals(0, bytes, "bytes allocated per 2,000 reassembled echo requests");
        assertTrue(stack.counters.get(StackCounter.ICMP_ECHO_REPLIES_SENT) >= 2000);
    }

    /** A fragment of {@code whole}'s IP payload: bytes [offset, offset + length), the IP header copied. */
    private static byte[] fragment(final byte[] whole, final int offset, final int length, final boolean more,
        final int identification)
    {
        final byte[] frame = new byte[L4 + length];
        System.arraycopy(whole, 0, frame, 0, L4);
        System.arraycopy(whole, L4 + offset, frame, L4, length);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putShort(IP + 2, (short)(20 + length), ByteOrder.BIG_ENDIAN);
        b.putShort(IP + 4, (short)identification, ByteOrder.BIG_ENDIAN);
        b.putShort(IP + 6, (short)((more ? Ipv4Header.FLAG_MF : 0) | (offset / 8)), ByteOrder.BIG_ENDIAN);
        Frames.fixIpChecksum(frame);
        return frame;
    }

    private void feed(final byte[] frame)
    {
        assertTrue(stack.rx.write(FrameOutput.MSG_TYPE_FRAME, new UnsafeBuffer(frame), 0, frame.length));
        stack.agent.doWork();
        assertEquals(0, stack.rx.size());
    }

    private List<byte[]> drainTx()
    {
        final List<byte[]> frames = new ArrayList<>();
        stack.tx.read((type, buffer, index, length) ->
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(index, copy);
            frames.add(copy);
        }, 100);
        return frames;
    }
}
