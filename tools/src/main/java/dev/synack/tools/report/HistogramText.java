package dev.synack.tools.report;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

/**
 * An HdrHistogram as one word of text (its compressed encoding in Base64), so a measuring child process (the
 * kernel client JVM) can hand its whole latency distribution to the parent on one line of its output.
 * Thread-safe (stateless).
 */
public final class HistogramText
{
    private HistogramText()
    {
    }

    /**
     * @param histogram any histogram.
     * @return it as Base64 without line breaks.
     */
    public static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * @param text what {@link #encode} wrote.
     * @return the histogram.
     * @throws IllegalArgumentException when the text is not one.
     */
    public static Histogram decode(final String text)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text)), 0);
        }
        catch (final DataFormatException | RuntimeException ex)
        {
            throw new IllegalArgumentException("not an encoded histogram: " + ex.getMessage(), ex);
        }
    }
}
