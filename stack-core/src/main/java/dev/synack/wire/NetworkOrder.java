package dev.synack.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * Big-endian field access at a raw address ({@code buffer.byteArray()}, {@code buffer.addressOffset() + offset}),
 * for flyweights that checked their whole header against the buffer once, when they wrapped it. Agrona's accessors
 * check every read on their own: on the receive path those checks took a tenth of a segment's time
 * (docs/benchmarks.md §2), for ranges already proved. Callers must have called {@link #base} (which checks) or
 * {@code buffer.boundsCheck} over every byte they then read or write.
 */
public final class NetworkOrder
{
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private NetworkOrder()
    {
    }

    /**
     * Checks {@code [offset, offset + length)} against the buffer and returns the raw address of {@code offset}.
     *
     * @param buffer the buffer (its {@code byteArray()} is the base object of the address).
     * @param offset the first byte.
     * @param length the bytes the caller will access from there.
     * @return the address to pass with {@code buffer.byteArray()} to the accessors.
     */
    public static long base(final DirectBuffer buffer, final int offset, final int length)
    {
        buffer.boundsCheck(offset, length);
        return buffer.addressOffset() + offset;
    }

    /**
     * @param array the base object, or null for off-heap memory.
     * @param address the byte's address.
     * @return the unsigned byte.
     */
    public static int u8(final byte[] array, final long address)
    {
        return UnsafeApi.getByte(array, address) & 0xFF;
    }

    /**
     * @param array the base object, or null for off-heap memory.
     * @param address the field's address.
     * @return the unsigned 16-bit field.
     */
    public static int u16(final byte[] array, final long address)
    {
        final short s = UnsafeApi.getShort(array, address);
        return (NATIVE_BIG_ENDIAN ? s : Short.reverseBytes(s)) & 0xFFFF;
    }

    /**
     * @param array the base object, or null for off-heap memory.
     * @param address the field's address.
     * @return the 32-bit field.
     */
    public static int i32(final byte[] array, final long address)
    {
        final int i = UnsafeApi.getInt(array, address);
        return NATIVE_BIG_ENDIAN ? i : Integer.reverseBytes(i);
    }

    /**
     * @param array the base object, or null for off-heap memory.
     * @param address the byte's address.
     * @param value the low 8 bits are written.
     */
    public static void put8(final byte[] array, final long address, final int value)
    {
        UnsafeApi.putByte(array, address, (byte)value);
    }

    /**
     * @param array the base object, or null for off-heap memory.
     * @param address the field's address.
     * @param value the low 16 bits are written, big-endian.
     */
    public static void put16(final byte[] array, final long address, final int value)
    {
        final short s = (short)value;
        UnsafeApi.putShort(array, address, NATIVE_BIG_ENDIAN ? s : Short.reverseBytes(s));
    }

    /**
     * @param array the base object, or null for off-heap memory.
     * @param address the field's address.
     * @param value written big-endian.
     */
    public static void put32(final byte[] array, final long address, final int value)
    {
        UnsafeApi.putInt(array, address, NATIVE_BIG_ENDIAN ? value : Integer.reverseBytes(value));
    }
}
