package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.SplittableRandom;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.ip.Ipv4Header;
import dev.synack.stat.DropReason;

/**
 * RFC 1071 sums (the RFC's own example, odd lengths, split sums, verification) and RFC 1624 incremental
 * updates checked against full recomputation.
 */
class ChecksumTest
{
    private static final long SEED = 0x1071_1624L;

    @Test
    void rfc1071WorkedExample()
    {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement), checksum 220d.
        final UnsafeBuffer b = new UnsafeBuffer(BitUtil.fromHex("0001f203f4f5f6f7"));
        assertEquals(0xddf2, Checksum.fold(Checksum.add(0, b, 0, 8)));
        assertEquals(0x220d, Checksum.compute(b, 0, 8));
    }

    @Test
    void rfc1071ByteOrderIndependenceExampleAtAnOffset()
    {
        // The same bytes behind an odd offset in the buffer: the sum is of the range, not of aligned words.
        final UnsafeBuffer b = new UnsafeBuffer(BitUtil.fromHex("ff0001f203f4f5f6f7"));
        assertEquals(0x220d, Checksum.compute(b, 1, 8));
    }

    @Test
    void classicIpv4HeaderExample()
    {
        // The header used in countless tutorials (Wikipedia "IPv4 header checksum"): checksum b861.
        final UnsafeBuffer b = new UnsafeBuffer(BitUtil.fromHex("450000730000400040110000c0a80001c0a800c7"));
        assertEquals(0xb861, Checksum.compute(b, 0, 20));
        b.putShort(10, (short)0xb861, ByteOrder.BIG_ENDIAN);
        assertTrue(Checksum.verifies(Checksum.add(0, b, 0, 20)));
        assertEquals(0, Checksum.compute(b, 0, 20));
    }

    @Test
    void ipv4HeaderWrittenFromItsFieldsCarriesTheChecksumOfItsBytes()
    {
        // writeHeader sums the values it writes, not the memory: the classic example above, and random headers,
        // must still carry the checksum computed over their bytes.
        final UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
        Ipv4Header.writeHeader(b, 0, 0xc0a80001, 0xc0a800c7, 0x11, 0x73 - 20, 0, 64);
        assertEquals(0xb861, b.getShort(10, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        final SplittableRandom random = new SplittableRandom(SEED);
        final Ipv4Header header = new Ipv4Header();
        for (int i = 0; i < 10_000; i++)
        {
            b.setMemory(0, 64, (byte)random.nextInt(256)); // stale bytes where the checksum goes
            final int payload = random.nextInt(44);
            Ipv4Header.writeHeader(b, 2, random.nextInt(), random.nextInt(), random.nextInt(256), payload,
                random.nextInt(0x10000), 1 + random.nextInt(255));
            assertTrue(Checksum.verifies(Checksum.add(0, b, 2, 20)), "header " + i);
            assertEquals(DropReason.NONE, header.wrapChecked(b, 2, 20 + payload));
        }
    }

    @Test
    void oddLengthsPadWithAZeroByte()
    {
        final UnsafeBuffer one = new UnsafeBuffer(BitUtil.fromHex("ab"));
        assertEquals(~0xab00 & 0xFFFF, Checksum.compute(one, 0, 1));
        final UnsafeBuffer three = new UnsafeBuffer(BitUtil.fromHex("0102ff"));
        // 0x0102 + 0xff00 = 0x10002; the end-around carry makes it 0x0003; complemented, 0xfffc.
        assertEquals(0xfffc, Checksum.compute(three, 0, 3));
        final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
        assertEquals(0xFFFF, Checksum.compute(empty, 0, 0));
    }

    @Test
    void everyLengthAndOffsetMatchesTheNaiveSum()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final byte[] bytes = new byte[2048];
        for (int round = 0; round < 200; round++)
        {
            random.nextBytes(bytes);
            if (round % 10 == 0)
            {
                java.util.Arrays.fill(bytes, (byte)0xFF);
            }
            final UnsafeBuffer b = new UnsafeBuffer(bytes);
            final int offset = random.nextInt(64);
            final int length = random.nextInt(bytes.length - 64);
            assertEquals(naive(bytes, offset, length), Checksum.compute(b, offset, length),
                "seed " + SEED + " round " + round + " offset " + offset + " length " + length);
        }
        for (int length = 0; length < 70; length++)
        {
            final UnsafeBuffer b = new UnsafeBuffer(bytes);
            assertEquals(naive(bytes, 3, length), Checksum.compute(b, 3, length), "length " + length);
        }
    }

    @Test
    void offHeapBuffersSumLikeHeapBuffers()
    {
        // UMEM frames are off-heap: the eight-byte native-order reads must agree with the heap path and the naive sum.
        final SplittableRandom random = new SplittableRandom(SEED + 1);
        final byte[] bytes = new byte[256];
        final UnsafeBuffer direct = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(bytes.length));
        for (int round = 0; round < 500; round++)
        {
            random.nextBytes(bytes);
            direct.putBytes(0, bytes);
            final int offset = random.nextInt(16);
            final int length = random.nextInt(bytes.length - 16);
            assertEquals(naive(bytes, offset, length), Checksum.compute(direct, offset, length),
                "round " + round + " offset " + offset + " length " + length);
        }
    }

    @Test
    void aRangeBeyondTheBufferIsRefusedNotRead()
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[40]);
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> Checksum.add(0, b, 8, 40));
    }

    @Test
    void sumsSplitAtEvenBoundariesEqualOneSum()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final byte[] bytes = new byte[1500];
        random.nextBytes(bytes);
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        for (int split = 0; split <= 1499; split += 2)
        {
            final long parts = Checksum.add(Checksum.add(0, b, 0, split), b, split, 1499 - split);
            assertEquals(Checksum.compute(b, 0, 1499), Checksum.finish(parts), "split at " + split);
        }
    }

    @Test
    void dataIncludingItsChecksumVerifiesAndAnyBitFlipFails()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final byte[] bytes = new byte[61];
        random.nextBytes(bytes);
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        b.putShort(10, (short)0);
        b.putShort(10, (short)Checksum.compute(b, 0, 61), ByteOrder.BIG_ENDIAN);
        assertTrue(Checksum.verifies(Checksum.add(0, b, 0, 61)));
        for (int bit = 0; bit < 61 * 8; bit++)
        {
            bytes[bit >>> 3] ^= (byte)(1 << (bit & 7));
            assertFalse(Checksum.verifies(Checksum.add(0, b, 0, 61)), "bit " + bit);
            bytes[bit >>> 3] ^= (byte)(1 << (bit & 7));
        }
    }

    @Test
    void pseudoHeaderIsTheSumOfItsWords()
    {
        final UnsafeBuffer b = new UnsafeBuffer(BitUtil.fromHex("c6120001c61200020006002c"));
        assertEquals(Checksum.fold(Checksum.add(0, b, 0, 12)),
            Checksum.fold(Checksum.pseudoHeader(0xc6120001, 0xc6120002, 6, 44)));
        final UnsafeBuffer ones = new UnsafeBuffer(BitUtil.fromHex("ffffffffffffffff00060000"));
        assertEquals(Checksum.fold(Checksum.add(0, ones, 0, 12)), Checksum.fold(Checksum.pseudoHeader(-1, -1, 6, 0)));
    }

    @Test
    void incrementalUpdate16EqualsRecomputationForRandomChanges()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final byte[] bytes = new byte[40];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        for (int round = 0; round < 100_000; round++)
        {
            random.nextBytes(bytes);
            b.putShort(0, (short)0);
            final int checksum = Checksum.compute(b, 0, 40);
            final int field = 2 + 2 * random.nextInt(19);
            final int oldValue = b.getShort(field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int newValue = round % 7 == 0 ? (round % 14 == 0 ? 0 : 0xFFFF) : random.nextInt(0x10000);
            b.putShort(field, (short)newValue, ByteOrder.BIG_ENDIAN);
            assertEquals(Checksum.compute(b, 0, 40), Checksum.update16(checksum, oldValue, newValue),
                "seed " + SEED + " round " + round + ": field " + field + " " + oldValue + " -> " + newValue);
        }
    }

    @Test
    void incrementalUpdate32EqualsRecomputationForRandomChanges()
    {
        final SplittableRandom random = new SplittableRandom(SEED + 1);
        final byte[] bytes = new byte[40];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        for (int round = 0; round < 100_000; round++)
        {
            random.nextBytes(bytes);
            b.putShort(0, (short)0);
            final int checksum = Checksum.compute(b, 0, 40);
            final int field = 2 + 2 * random.nextInt(18);
            final int oldValue = b.getInt(field, ByteOrder.BIG_ENDIAN);
            final int newValue = round % 5 == 0 ? oldValue + 1 : random.nextInt();
            b.putInt(field, newValue, ByteOrder.BIG_ENDIAN);
            assertEquals(Checksum.compute(b, 0, 40), Checksum.update32(checksum, oldValue, newValue),
                "seed " + (SEED + 1) + " round " + round + ": field " + field);
        }
    }

    @Test
    void incrementalUpdateOfACapturedIpHeaderMatchesTheNextPacket()
    {
        // Kernel frames 'tcp-data' and 'tcp-fin' differ in total length (141 -> 52) and ID (0x8991 -> 0x8994).
        final UnsafeBuffer data = CapturedFrames.buffer("tcp-data");
        final UnsafeBuffer fin = CapturedFrames.buffer("tcp-fin");
        int checksum = data.getShort(14 + 10, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        checksum = Checksum.update16(checksum, 141, 52);
        checksum = Checksum.update16(checksum, 0x8991, 0x8994);
        assertEquals(fin.getShort(14 + 10, ByteOrder.BIG_ENDIAN) & 0xFFFF, checksum);
        assertEquals(0x2508, checksum);
    }

    @Test
    void theNativeOrderSumGivesTheSameChecksumWithItsPseudoHeaderAndVerifiesTheSame()
    {
        final SplittableRandom random = new SplittableRandom(SEED + 2);
        final byte[] bytes = new byte[1600];
        for (int round = 0; round < 500; round++)
        {
            random.nextBytes(bytes);
            if (round % 10 == 0)
            {
                java.util.Arrays.fill(bytes, (byte)(round % 20 == 0 ? 0xFF : 0));
            }
            final UnsafeBuffer b = new UnsafeBuffer(bytes);
            final int offset = 2 * random.nextInt(32);
            final int length = random.nextInt(bytes.length - 64);
            final int source = random.nextInt();
            final int destination = random.nextInt();
            final int protocol = random.nextInt(256);
            final String where = "seed " + (SEED + 2) + " round " + round + " offset " + offset + " length " + length;
            final int expected = Checksum.finish(
                Checksum.add(Checksum.pseudoHeader(source, destination, protocol, length), b, offset, length));
            final long nativeSum = Checksum.addNative(
                Checksum.pseudoHeaderNative(source, destination, protocol, length), b, offset, length);
            assertEquals(expected, Checksum.finishNative(nativeSum), where);
            if (length >= 2)
            {
                // store the checksum in the range's first word, as a header does: the whole then verifies
                b.putShort(offset, (short)0);
                final int field = Checksum.finishNative(Checksum.addNative(
                    Checksum.pseudoHeaderNative(source, destination, protocol, length), b, offset, length));
                b.putShort(offset, (short)field, ByteOrder.BIG_ENDIAN);
                assertTrue(Checksum.verifies(Checksum.addNative(
                    Checksum.pseudoHeaderNative(source, destination, protocol, length), b, offset, length)), where);
                b.putByte(offset + length - 1, (byte)(b.getByte(offset + length - 1) ^ 0x10));
                assertFalse(Checksum.verifies(Checksum.addNative(
                    Checksum.pseudoHeaderNative(source, destination, protocol, length), b, offset, length)), where);
            }
        }
    }

    private static int naive(final byte[] bytes, final int offset, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int hi = bytes[offset + i] & 0xFF;
            final int lo = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~(int)sum & 0xFFFF;
    }
}
