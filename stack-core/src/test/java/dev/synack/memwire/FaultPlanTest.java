package dev.synack.memwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.ip.IcmpEcho;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.test.StackPair;
import dev.synack.test.TestStack;
import dev.synack.time.ManualNanoClock;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.MacAddress;

/**
 * {@link MemoryWire} with a {@link FaultPlan}: faults by rate are repeatable from the seed, exact faults hit
 * exactly their frame, and corrupted frames are caught by the receiving stack's checks and counted.
 */
class FaultPlanTest
{
    private static final int FRAMES = 1000;
    private static final int LENGTH = 64;

    private final ManualNanoClock clock = new ManualNanoClock();
    private final RingBuffer aTx = TestStack.ring(1 << 20);
    private final RingBuffer aRx = TestStack.ring(1 << 20);
    private final RingBuffer bTx = TestStack.ring(1 << 20);
    private final RingBuffer bRx = TestStack.ring(1 << 20);
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[LENGTH]);

    /** What B received (frame numbers, '*' when the content was changed) and what the tap saw. */
    private List<String> carry(final FaultPlan plan, final int frames, final List<String> taps)
    {
        final MemoryWire wire = new MemoryWire(aTx, aRx, bTx, bRx, clock, plan, FaultPlan.none(), 1514);
        wire.tap((fromA, index, fate, b, o, l) -> taps.add(index + ":" + fate));
        final List<String> received = new ArrayList<>();
        for (int i = 1; i <= frames; i++)
        {
            for (int j = 0; j < LENGTH; j += 4)
            {
                frame.putInt(j, i, ByteOrder.BIG_ENDIAN);
            }
            assertTrue(aTx.write(FrameOutput.MSG_TYPE_FRAME, frame, 0, LENGTH));
            wire.doWork();
            clock.advanceNs(1_000);
            bRx.read((type, b, o, l) -> received.add(describe(b, o, l)));
        }
        for (int i = 0; i < 10 && wire.inFlight() > 0; i++)
        {
            clock.advanceNs(1_000_000_000L);
            wire.doWork();
        }
        bRx.read((type, b, o, l) -> received.add(describe(b, o, l)));
        assertEquals(0, wire.inFlight());
        return received;
    }

    private static String describe(final org.agrona.DirectBuffer b, final int o, final int l)
    {
        final int first = b.getInt(o, ByteOrder.BIG_ENDIAN);
        boolean intact = l == LENGTH;
        for (int j = 0; intact && j < LENGTH; j += 4)
        {
            intact = b.getInt(o + j, ByteOrder.BIG_ENDIAN) == first;
        }
        return intact ? Integer.toString(first) : "*";
    }

    private static FaultPlan everything(final long seed)
    {
        return new FaultPlan(seed).loss(0.1).duplicate(0.1).reorder(0.1).corrupt(0.1).delay(0.1, 5_000);
    }

    @Test
    void faultsByRateAreRepeatableFromTheSeed()
    {
        final List<String> tapsOne = new ArrayList<>();
        final List<String> one = carry(everything(1234), FRAMES, tapsOne);
        final List<String> tapsTwo = new ArrayList<>();
        final List<String> two = new FaultPlanTest().carry(everything(1234), FRAMES, tapsTwo);
        assertEquals(one, two, "same seed, same deliveries");
        assertEquals(tapsOne, tapsTwo, "same seed, same fates");
        for (final WireTap.Fate fate : WireTap.Fate.values())
        {
            assertTrue(tapsOne.stream().anyMatch(t -> t.endsWith(":" + fate)), "no " + fate + " in " + FRAMES);
        }
        final List<String> other = new FaultPlanTest().carry(everything(4321), FRAMES, new ArrayList<>());
        assertNotEquals(one, other, "another seed, another run");
    }

    @Test
    void eachRateIsRoughlyWhatWasAskedFor()
    {
        assertRate(seed -> new FaultPlan(seed).loss(0.2), "DROPPED", 0.2);
        assertRate(seed -> new FaultPlan(seed).duplicate(0.2), "DUPLICATED", 0.2);
        assertRate(seed -> new FaultPlan(seed).corrupt(0.2), "CORRUPTED", 0.2);
        assertRate(seed -> new FaultPlan(seed).reorder(0.2), "REORDERED", 0.2 * 0.83);
        assertRate(seed -> new FaultPlan(seed).delay(0.2, 10), "DELAYED", 0.2);
    }

    private void assertRate(final LongFunction<FaultPlan> plan, final String fate, final double rate)
    {
        final List<String> taps = new ArrayList<>();
        new FaultPlanTest().carry(plan.apply(99), FRAMES, taps);
        final long hits = taps.stream().filter(t -> t.endsWith(":" + fate)).count();
        assertTrue(Math.abs(hits - rate * FRAMES) < 0.05 * FRAMES, fate + ": " + hits + " of " + FRAMES);
    }

    @Test
    void lossDropsFramesAndNothingElse()
    {
        final List<String> taps = new ArrayList<>();
        final List<String> received = carry(new FaultPlan(5).loss(0.3), 200, taps);
        final long dropped = taps.stream().filter(t -> t.endsWith(":DROPPED")).count();
        assertEquals(200 - dropped, received.size());
        assertEquals(received.stream().sorted((x, y) -> Integer.parseInt(x) - Integer.parseInt(y)).toList(), received,
            "loss alone keeps the order");
    }

    @Test
    void dropFrameDropsExactlyTheNthFrame()
    {
        final List<String> taps = new ArrayList<>();
        final FaultPlan plan = new FaultPlan(1).dropFrame(3).dropFrame(7);
        assertEquals(List.of("1", "2", "4", "5", "6", "8"), carry(plan, 8, taps));
        assertEquals(List.of("1:DELIVERED", "2:DELIVERED", "3:DROPPED", "4:DELIVERED", "5:DELIVERED", "6:DELIVERED",
            "7:DROPPED", "8:DELIVERED"), taps);
    }

    @Test
    void duplicateReorderAndDelayAtRateOne()
    {
        assertEquals(List.of("1", "1", "2", "2", "3", "3"),
            carry(new FaultPlan(1).duplicate(1.0), 3, new ArrayList<>()));
        assertEquals(List.of("2", "1", "4", "3"), new FaultPlanTest().carry(new FaultPlan(1).reorder(1.0), 4,
            new ArrayList<>()));

        final MemoryWire wire = new MemoryWire(aTx, aRx, bTx, bRx, clock, new FaultPlan(1).delay(1.0, 5_000),
            FaultPlan.none(), 1514);
        aTx.write(FrameOutput.MSG_TYPE_FRAME, frame, 0, LENGTH);
        wire.doWork();
        assertEquals(1, wire.inFlight());
        clock.advanceNs(4_999);
        wire.doWork();
        assertEquals(0, bRx.size(), "not before its delay");
        clock.advanceNs(1);
        wire.doWork();
        assertEquals(0, wire.inFlight());
        assertTrue(bRx.size() > 0, "delivered when the delay ran out");
    }

    @Test
    void corruptedFramesAreCaughtByTheReceiversChecksAndCounted()
    {
        // A flipped bit anywhere but the Ethernet source MAC (which only the FCS would catch, and MemoryWire has
        // none) must make the receiving stack drop the frame under a reason of the layer it hit.
        final RingBuffer middle = TestStack.ring(1 << 20);
        final MemoryWire wire = new MemoryWire(aTx, aRx, bTx, middle, clock, new FaultPlan(77).corrupt(1.0),
            FaultPlan.none(), 1514);
        final TestStack b = new TestStack(StackPair.configB().maxConnections(4), clock, 1 << 20);
        b.agent.neighbours().addStatic(StackPair.A_IP, MacAddress.parse(StackPair.A_MAC));
        final byte[] original = echoRequest();
        final byte[] seen = new byte[original.length];
        final int[] hits = new int[3];
        for (int i = 0; i < 500; i++)
        {
            aTx.write(FrameOutput.MSG_TYPE_FRAME, new UnsafeBuffer(original), 0, original.length);
            wire.doWork();
            assertEquals(1, middle.read((type, buf, o, l) -> buf.getBytes(o, seen, 0, l)));
            final int at = flippedByte(original, seen);
            final long droppedBefore = b.counters.get(StackCounter.FRAMES_DROPPED);
            final long sentBefore = b.counters.get(StackCounter.FRAMES_OUT);
            b.rx.write(FrameOutput.MSG_TYPE_FRAME, new UnsafeBuffer(seen), 0, seen.length);
            b.agent.doWork();
            final boolean dropped = b.counters.get(StackCounter.FRAMES_DROPPED) == droppedBefore + 1;
            final String where = "flip at byte " + at + ", frame " + (i + 1);
            if (at >= 6 && at < 12)
            {
                assertTrue(!dropped && b.counters.get(StackCounter.FRAMES_OUT) == sentBefore + 1, where);
                hits[0]++;
                continue;
            }
            assertTrue(dropped, where + ": not caught");
            assertEquals(sentBefore, b.counters.get(StackCounter.FRAMES_OUT), where + ": answered anyway");
            hits[at < 14 ? 1 : 2]++;
        }
        final int ipAndIcmp = hits[2];
        assertEquals(500 - hits[0] - hits[1], ipAndIcmp);
        assertEquals(b.counters.get(StackCounter.FRAMES_DROPPED),
            b.counters.get(DropReason.ETH_NOT_FOR_US) + b.counters.get(DropReason.ETH_UNSUPPORTED_TYPE)
                + b.counters.get(DropReason.IP_BAD_VERSION) + b.counters.get(DropReason.IP_BAD_IHL)
                + b.counters.get(DropReason.IP_BAD_TOTAL_LENGTH) + b.counters.get(DropReason.IP_BAD_CHECKSUM)
                + b.counters.get(DropReason.ICMP_BAD_CHECKSUM));
        assertTrue(b.counters.get(DropReason.IP_BAD_CHECKSUM) > 0 && b.counters.get(DropReason.ICMP_BAD_CHECKSUM) > 0);
        assertEquals(500, b.counters.get(StackCounter.FRAMES_IN));
    }

    private static int flippedByte(final byte[] original, final byte[] seen)
    {
        int at = -1;
        for (int i = 0; i < original.length; i++)
        {
            if (original[i] != seen[i])
            {
                assertEquals(-1, at, "one byte flipped");
                assertEquals(1, Integer.bitCount((original[i] ^ seen[i]) & 0xFF), "one bit flipped");
                at = i;
            }
        }
        assertTrue(at >= 0, "corrupt(1.0) changed nothing");
        return at;
    }

    private static byte[] echoRequest()
    {
        final int icmpLength = IcmpEcho.HEADER_LENGTH + 56;
        final UnsafeBuffer b = new UnsafeBuffer(new byte[14 + 20 + icmpLength]);
        EthernetFrame.writeHeader(b, 0, MacAddress.parse(StackPair.B_MAC), MacAddress.parse(StackPair.A_MAC),
            EthernetFrame.TYPE_IPV4);
        Ipv4Header.writeHeader(b, 14, StackPair.A_IP, Ipv4Address.parse("198.18.0.2"), Ipv4Header.PROTOCOL_ICMP,
            icmpLength, 1, 64);
        for (int i = 0; i < 56; i++)
        {
            b.putByte(34 + 8 + i, (byte)i);
        }
        IcmpEcho.writeEcho(b, 34, IcmpEcho.TYPE_ECHO_REQUEST, 1, 1, icmpLength);
        return Arrays.copyOf(b.byteArray(), b.capacity());
    }
}
