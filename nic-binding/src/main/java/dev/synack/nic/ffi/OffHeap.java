package dev.synack.nic.ffi;

import java.nio.charset.StandardCharsets;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Small helpers for native call arguments held off-heap: zeroed aligned scratch buffers and C strings.
 *
 * <p>Who calls it: set-up code (socket open, bpf()); never the data path, since every call allocates.
 * Thread-safety: stateless. Caveat: the memory is owned by a direct {@link java.nio.ByteBuffer}; keep the
 * returned {@link UnsafeBuffer} reachable until the native call that reads it has returned.
 */
public final class OffHeap
{
    private OffHeap()
    {
    }

    /**
     * A zeroed, 64-byte aligned off-heap buffer.
     *
     * @param length its size in bytes.
     * @return the buffer; its {@code addressOffset()} is the native address.
     */
    public static UnsafeBuffer allocate(final int length)
    {
        final int capacity = BitUtil.align(Math.max(length, 8), 64);
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity, 64));
    }

    /**
     * A NUL-terminated ASCII copy of a string.
     *
     * @param value the text.
     * @return the buffer holding it.
     */
    public static UnsafeBuffer cString(final String value)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer buffer = allocate(bytes.length + 1);
        buffer.putBytes(0, bytes);
        buffer.putByte(bytes.length, (byte)0);
        return buffer;
    }

    /**
     * Reads a NUL-terminated string written by the kernel.
     *
     * @param buffer the buffer.
     * @param max    the most bytes to look at.
     * @return the text before the first NUL.
     */
    public static String readCString(final UnsafeBuffer buffer, final int max)
    {
        int end = 0;
        while (end < max && buffer.getByte(end) != 0)
        {
            end++;
        }
        final byte[] bytes = new byte[end];
        buffer.getBytes(0, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
