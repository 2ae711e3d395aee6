package dev.synack.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 * <p>
 * Sums are kept as a {@code long} of unfolded one's-complement partial sums, so callers can add the
 * pseudo-header and the payload in separate calls and fold once. 32-bit big-endian words are summed at a
 * time: 2^16 is congruent to 1 modulo 0xFFFF, so folding a sum of 32-bit words gives the 16-bit sum.
 * <p>
 * The bulk of a range is read eight bytes at a time in the machine's byte order after one bounds check, and
 * swapped to network order once at the end (RFC 1071 §2(B): the sum is byte-order independent). A profile of
 * the receive path showed per-word reads with their own bounds checks taking a fifth of it.
 * Stateless and thread-safe; never allocates.
 */
public final class Checksum
{
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private Checksum()
    {
    }

    /**
     * Adds the bytes {@code [offset, offset + length)} to a running partial sum.
     *
     * @param sum the running partial sum (0 to start).
     * @param buffer the bytes.
     * @param offset the first byte; the range must start at an even position of the checksummed data.
     * @param length how many bytes; an odd tail is padded with a zero byte (RFC 1071 §4.1).
     * @return the new partial sum, unfolded.
     */
    public static long add(final long sum, final DirectBuffer buffer, final int offset, final int length)
    {
        final long wide = addNative(0, buffer, offset, length);
        if (wide == 0)
        {
            return sum;
        }
        return sum + (NATIVE_BIG_ENDIAN ? wide : Short.reverseBytes((short)fold(wide)) & 0xFFFF);
    }

    /**
     * Adds the bytes {@code [offset, offset + length)} to a running partial sum kept in the machine's byte order:
     * no fold and no swap per call, one of each in {@link #finishNative} (RFC 1071 §2(B)). Start it with
     * {@link #pseudoHeaderNative} or 0; {@link #verifies} takes it as it is (all ones is all ones either way).
     *
     * @param sum the running native-order partial sum.
     * @param buffer the bytes.
     * @param offset the first byte; the range must start at an even position of the checksummed data.
     * @param length how many bytes; an odd tail is padded with a zero byte (RFC 1071 §4.1).
     * @return the new native-order partial sum, unfolded.
     */
    public static long addNative(final long sum, final DirectBuffer buffer, final int offset, final int length)
    {
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        long address = buffer.addressOffset() + offset;
        final long end = address + length;
        // Two accumulators of 32-bit halves: independent adds the CPU can run side by side.
        long a = sum;
        long b = 0;
        while (end - address >= 16)
        {
            final long w0 = UnsafeApi.getLong(array, address);
            final long w1 = UnsafeApi.getLong(array, address + 8);
            a += (w0 & 0xFFFF_FFFFL) + (w0 >>> 32);
            b += (w1 & 0xFFFF_FFFFL) + (w1 >>> 32);
            address += 16;
        }
        if (end - address >= 8)
        {
            final long w = UnsafeApi.getLong(array, address);
            a += (w & 0xFFFF_FFFFL) + (w >>> 32);
            address += 8;
        }
        if (end - address >= 4)
        {
            a += UnsafeApi.getInt(array, address) & 0xFFFF_FFFFL;
            address += 4;
        }
        if (end - address >= 2)
        {
            a += UnsafeApi.getShort(array, address) & 0xFFFF;
            address += 2;
        }
        if (address < end)
        {
            // RFC 1071 §4.1: an odd last byte is the high byte of a word padded with zero.
            final int last = UnsafeApi.getByte(array, address) & 0xFF;
            a += NATIVE_BIG_ENDIAN ? last << 8 : last;
        }
        return a + b;
    }

    /**
     * The IPv4 pseudo-header of RFC 9293 §3.1 (also used by UDP), as a partial sum.
     *
     * @param sourceAddress source IPv4 address.
     * @param destinationAddress destination IPv4 address.
     * @param protocol IP protocol number.
     * @param length the transport header plus payload length.
     * @return the partial sum.
     */
    public static long pseudoHeader(
        final int sourceAddress, final int destinationAddress, final int protocol, final int length)
    {
        return (sourceAddress & 0xFFFF_FFFFL) + (destinationAddress & 0xFFFF_FFFFL) + protocol + length;
    }

    /**
     * {@link #pseudoHeader} as a native-order partial sum, to start {@link #addNative}.
     *
     * @param sourceAddress source IPv4 address.
     * @param destinationAddress destination IPv4 address.
     * @param protocol IP protocol number.
     * @param length the transport header plus payload length.
     * @return the native-order partial sum.
     */
    public static long pseudoHeaderNative(
        final int sourceAddress, final int destinationAddress, final int protocol, final int length)
    {
        if (NATIVE_BIG_ENDIAN)
        {
            return pseudoHeader(sourceAddress, destinationAddress, protocol, length);
        }
        // each field as the machine reads its network-order bytes: the zero byte and the protocol as one word,
        // then the length
        return (Integer.reverseBytes(sourceAddress) & 0xFFFF_FFFFL)
            + (Integer.reverseBytes(destinationAddress) & 0xFFFF_FFFFL)
            + ((protocol & 0xFF) << 8) + (Short.reverseBytes((short)length) & 0xFFFF);
    }

    /**
     * {@link #finish} for a native-order partial sum: folded, swapped to network order once, complemented.
     *
     * @param nativeSum the native-order partial sum.
     * @return the checksum field value, 0..0xFFFF, in network order.
     */
    public static int finishNative(final long nativeSum)
    {
        final int folded = fold(nativeSum);
        return ~(NATIVE_BIG_ENDIAN ? folded : Short.reverseBytes((short)folded) & 0xFFFF) & 0xFFFF;
    }

    /**
     * Folds a partial sum to 16 bits and complements it: the value to store in a checksum field.
     *
     * @param sum the partial sum.
     * @return the checksum field value, 0..0xFFFF.
     */
    public static int finish(final long sum)
    {
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * Folds a partial sum to a 16-bit one's-complement sum.
     *
     * @param sum the partial sum.
     * @return the folded sum, 0..0xFFFF.
     */
    public static int fold(final long sum)
    {
        long s = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int)s;
    }

    /**
     * Checksum over a range, ready to store.
     *
     * @param buffer the bytes.
     * @param offset the first byte.
     * @param length how many bytes.
     * @return the checksum field value.
     */
    public static int compute(final DirectBuffer buffer, final int offset, final int length)
    {
        return finish(add(0, buffer, offset, length));
    }

    /**
     * True when data that includes its checksum field sums to all ones (RFC 1071 §1: verification).
     *
     * @param sum partial sum over everything, checksum field included.
     * @return whether the checksum is correct.
     */
    public static boolean verifies(final long sum)
    {
        return fold(sum) == 0xFFFF;
    }

    /**
     * RFC 1624 eqn. 3: the new checksum after one 16-bit field changes from {@code oldValue} to
     * {@code newValue}: HC' = ~(~HC + ~m + m').
     *
     * @param checksum the current checksum field value.
     * @param oldValue the field's old 16-bit value.
     * @param newValue the field's new 16-bit value.
     * @return the updated checksum field value.
     */
    public static int update16(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = (~checksum & 0xFFFF) + (~oldValue & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * RFC 1624 update for a 32-bit field (an address, a sequence number): two 16-bit updates.
     *
     * @param checksum the current checksum field value.
     * @param oldValue the field's old value.
     * @param newValue the field's new value.
     * @return the updated checksum field value.
     */
    public static int update32(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = (~checksum & 0xFFFF)
            + (~(oldValue >>> 16) & 0xFFFF) + (~oldValue & 0xFFFF)
            + ((newValue >>> 16) & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }
}
