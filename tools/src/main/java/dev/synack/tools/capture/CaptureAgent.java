package dev.synack.tools.capture;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;

import dev.synack.wire.RingFrameTap;

/**
 * Drains one or more stacks' capture rings ({@link RingFrameTap}) into a capture journal ({@link CaptureJournal},
 * a Chronicle Queue): the only place frames touch the disk, on its own thread (an {@code AgentRunner}) or on
 * whatever thread calls {@link #doWork()}, never on a stack thread. Each stack's tap counts the frames it had
 * to drop when this agent fell behind; {@link #summary()} reports both.
 * <p>
 * Not thread-safe: one thread runs it. Sources are added before it starts.
 */
public final class CaptureAgent implements Agent, MessageHandler
{
    private static final int BATCH = 256;

    private final Path directory;
    private final long epochOffsetNs;
    private final List<Source> sources = new ArrayList<>();
    private ChronicleQueue queue;
    private ExcerptAppender appender;
    private Bytes<byte[]> frame;
    private Source current;
    private long written;

    /** One stack's tap and its name in the journal. */
    private record Source(String stack, RingFrameTap tap)
    {
    }

    /**
     * @param directory the journal's directory (created if needed; an existing journal is appended to).
     * @param epochOffsetNs added to each frame's stack-clock time before it is written (the wall-clock ns of the
     *     stack clock's zero, so a pcap made from the journal shows real dates), or 0 to keep the stack's clock.
     */
    public CaptureAgent(final Path directory, final long epochOffsetNs)
    {
        this.directory = directory;
        this.epochOffsetNs = epochOffsetNs;
    }

    /**
     * @param stack the stack's name, written with each of its frames.
     * @param tap the tap set on that stack ({@code StackAgent.tap}).
     * @return this.
     */
    public CaptureAgent source(final String stack, final RingFrameTap tap)
    {
        sources.add(new Source(stack, tap));
        return this;
    }

    @Override
    public void onStart()
    {
        if (queue == null)
        {
            queue = CaptureJournal.openForWriting(directory);
            appender = queue.createAppender();
            frame = Bytes.allocateElasticOnHeap(2048);
        }
    }

    @Override
    public int doWork()
    {
        onStart();
        int work = 0;
        for (final Source source : sources)
        {
            current = source;
            work += source.tap().ring().read(this, BATCH);
        }
        return work;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        frame.clear();
        for (int i = index + RingFrameTap.FRAME_OFFSET, end = index + length; i < end; i++)
        {
            frame.writeByte(buffer.getByte(i));
        }
        CaptureJournal.append(appender, buffer.getLong(index + RingFrameTap.TIME_OFFSET) + epochOffsetNs,
            msgTypeId == RingFrameTap.MSG_OUTBOUND, current.stack(), frame);
        written++;
    }

    /**
     * Drains what is left in every ring, then closes the journal. Also when the agent's thread never ran: an
     * {@code AgentRunner} closed before its thread starts (a short capture on a loaded machine) calls this on the
     * closing thread without {@link #onStart} — the journal is opened here, or every frame captured would be lost.
     */
    @Override
    public void onClose()
    {
        onStart();
        while (doWork() > 0)
        {
            // drain to the end: the stacks have stopped tapping
        }
        appender.close();
        queue.close();
        queue = null;
    }

    /** @return frames written to the journal so far. */
    public long written()
    {
        return written;
    }

    /** @return one line per stack: frames captured and dropped by its tap. */
    public String summary()
    {
        final StringBuilder s = new StringBuilder();
        for (final Source source : sources)
        {
            s.append(String.format("%s: %,d frames captured, %,d dropped (capture ring full)%n", source.stack(),
                source.tap().captured(), source.tap().dropped()));
        }
        return s.toString();
    }

    @Override
    public String roleName()
    {
        return "synack-capture";
    }
}
