package dev.synack.tools.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.ValueIn;
import net.openhft.chronicle.wire.Wire;

/**
 * The capture journal: a Chronicle Queue directory, one document per frame with four named fields —
 * {@code t} (time, ns), {@code dir} ({@code "in"} or {@code "out"}), {@code stack} (the stack's name) and
 * {@code frame} (the Ethernet frame's bytes). Written by {@link CaptureAgent} only, never on a stack thread
 * (DESIGN.md §2); read by {@code synack pcap} and {@code synack ladder}.
 * <p>
 * Chronicle on JDK 17 needs JVM flags ({@code tools/bin/synack} and the tools tests add them); every
 * failure to open or read a journal becomes a {@link CaptureException} that names the directory.
 */
public final class CaptureJournal
{
    /** Field: time in ns. */
    static final String TIME = "t";
    /** Field: direction, "in" or "out". */
    static final String DIRECTION = "dir";
    /** Field: the stack's name. */
    static final String STACK = "stack";
    /** Field: the frame. */
    static final String FRAME = "frame";

    static
    {
        // Chronicle would otherwise report usage over the network; the dependency is excluded too (tools/pom.xml).
        System.setProperty("chronicle.analytics.disable", "true");
        // Chronicle's start-up banner and its JVM report go to SLF4J; synack ships the no-op binding.
        System.setProperty("chronicle.announcer.disable", "true");
    }

    private CaptureJournal()
    {
    }

    /**
     * Opens (creating it if needed) a journal for appending.
     *
     * @param directory the journal's directory.
     * @return the queue; close it when done.
     */
    public static ChronicleQueue openForWriting(final Path directory)
    {
        try
        {
            Files.createDirectories(directory);
            return SingleChronicleQueueBuilder.single(directory.toFile()).build();
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new CaptureException("cannot write a capture journal in " + directory + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Appends one frame.
     *
     * @param appender the journal's appender.
     * @param timeNs its time.
     * @param outbound its direction.
     * @param stack the stack's name.
     * @param frame the frame bytes, from its read position to its write position.
     */
    static void append(final ExcerptAppender appender, final long timeNs, final boolean outbound, final String stack,
        final Bytes<?> frame)
    {
        try (DocumentContext dc = appender.writingDocument())
        {
            final Wire wire = dc.wire();
            wire.write(TIME).int64(timeNs);
            wire.write(DIRECTION).text(outbound ? "out" : "in");
            wire.write(STACK).text(stack);
            wire.write(FRAME).bytes(frame);
        }
    }

    /**
     * Reads every frame of a journal, in the order they were written.
     *
     * @param directory the journal's directory.
     * @return the frames.
     * @throws CaptureException when it is missing, empty, or not a synack capture journal.
     */
    public static List<CapturedFrame> read(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            throw new CaptureException("no capture journal at " + directory + " (not a directory)");
        }
        try (Stream<Path> files = Files.list(directory))
        {
            final List<Path> cycles = files
                .filter(f -> f.getFileName().toString().endsWith(SingleChronicleQueue.SUFFIX)).toList();
            if (cycles.isEmpty())
            {
                throw new CaptureException("no capture journal at " + directory + " (no *"
                    + SingleChronicleQueue.SUFFIX + " files: record one with 'synack demo --capture DIR')");
            }
            for (final Path cycle : cycles)
            {
                checkHeader(cycle, directory);
            }
        }
        catch (final IOException ex)
        {
            throw new CaptureException("cannot list " + directory + ": " + ex.getMessage(), ex);
        }
        final List<CapturedFrame> frames = new ArrayList<>();
        try (ChronicleQueue queue = SingleChronicleQueueBuilder.single(directory.toFile()).readOnly(true).build();
            ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    frames.add(frame(dc.wire(), directory, frames.size() + 1));
                }
            }
        }
        catch (final CaptureException ex)
        {
            throw ex;
        }
        catch (final RuntimeException | Error ex)
        {
            if (ex instanceof OutOfMemoryError)
            {
                throw ex;
            }
            // InternalError included: a truncated file faults inside an Unsafe read of the mapping
            throw new CaptureException("corrupt capture journal in " + directory + " after " + frames.size()
                + " frames: " + ex, ex);
        }
        if (frames.isEmpty())
        {
            throw new CaptureException("the capture journal in " + directory + " holds no frames");
        }
        return frames;
    }

    /**
     * Chronicle waits (seconds) on a file whose header it cannot read: look at it first. A queue file starts
     * with a metadata document whose first field is {@code header: !SCQStore}.
     */
    private static void checkHeader(final Path cycle, final Path directory) throws IOException
    {
        final byte[] head = new byte[32];
        final int n;
        try (java.io.InputStream in = Files.newInputStream(cycle))
        {
            n = in.readNBytes(head, 0, head.length);
        }
        final String text = new String(head, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (n < head.length || (head[3] & 0x40) == 0 || !text.contains("header") || !text.contains("SCQStore"))
        {
            throw new CaptureException("corrupt capture journal in " + directory + ": " + cycle.getFileName()
                + " is not a Chronicle Queue file");
        }
    }

    private static CapturedFrame frame(final Wire wire, final Path directory, final int number)
    {
        final long time = wire.read(TIME).int64();
        final String direction = wire.read(DIRECTION).text();
        final String stack = wire.read(STACK).text();
        final ValueIn frameIn = wire.read(FRAME);
        final byte[] bytes = frameIn.bytes();
        if (direction == null || stack == null || bytes == null || !(direction.equals("in") || direction.equals("out")))
        {
            throw new CaptureException("corrupt capture journal in " + directory + ": entry " + number
                + " is not a synack frame (t, dir, stack, frame)");
        }
        return new CapturedFrame(time, direction.equals("out"), stack, bytes);
    }
}
