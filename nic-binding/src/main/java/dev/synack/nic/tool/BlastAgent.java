package dev.synack.nic.tool;

import java.nio.ByteOrder;

import dev.synack.nic.xdp.ConsumerRing;
import dev.synack.nic.xdp.ProducerRing;
import dev.synack.nic.xdp.XdpSocket;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The traffic source for the reflect measurement: blasts minimum-size (60-byte) Ethernet frames of a local
 * experimental EtherType at the reflector's MAC, keeps at most a window of them in flight, and counts the
 * frames that come back.
 *
 * <p>Who calls it: {@link Reflect}, on the far end of the veth (its own AF_XDP socket), on its own thread.
 * Thread-safety: one thread drives it; {@link #sent()} and {@link #received()} may be read from any thread.
 * Allocation-free after construction. A lost frame would hold a window slot forever, so after a long silence
 * what is in flight is written off; a written-off frame that comes back late cancels its write-off, so the
 * window is exact: never more than {@code window} frames between the two ends ({@link #maxInFlight()} shows it).
 */
public final class BlastAgent implements Agent
{
    /** Frame length without FCS: the Ethernet minimum. */
    public static final int FRAME_LENGTH = 60;
    private static final short ETHERTYPE_LOCAL_EXPERIMENTAL = (short)0x88B5;
    private static final int STALL_ROUNDS = 100_000;

    private static final int MAX_KICKS_PER_ROUND = 16;

    private final XdpSocket socket;
    private final ConsumerRing rx;
    private final ProducerRing tx;
    private final ProducerRing fill;
    private final ConsumerRing completion;
    private final long[] txFree;
    private int txFreeCount;
    private final int batch;
    private final int window;
    private long sentCount;
    private long receivedCount;
    private long writtenOff;
    private long maxInFlightCount;
    private int idleRounds;
    private volatile long sent;
    private volatile long received;
    private volatile long maxInFlight;

    /**
     * @param socket the far end's socket.
     * @param dstMac the reflector's MAC.
     * @param srcMac our MAC.
     * @param batch  most frames per ring per doWork().
     * @param window most frames in flight.
     */
    public BlastAgent(
        final XdpSocket socket, final byte[] dstMac, final byte[] srcMac, final int batch, final int window)
    {
        this.socket = socket;
        this.rx = socket.rx();
        this.tx = socket.tx();
        this.fill = socket.fill();
        this.completion = socket.completion();
        this.batch = batch;
        this.window = window;
        final int frames = socket.config().frameCount();
        final int frameSize = socket.config().frameSize();
        final int rxFrames = Math.min(fill.size(), frames / 2);
        final UnsafeBuffer umem = socket.umem();
        this.txFree = new long[frames - rxFrames];
        // frames [rxFrames, frames) carry the prebuilt probe; [0, rxFrames) go to the fill ring on start
        for (int i = frames - 1; i >= rxFrames; i--)
        {
            final int at = i * frameSize;
            umem.setMemory(at, FRAME_LENGTH, (byte)0);
            umem.putBytes(at, dstMac);
            umem.putBytes(at + 6, srcMac);
            umem.putShort(at + 12, ETHERTYPE_LOCAL_EXPERIMENTAL, ByteOrder.BIG_ENDIAN);
            txFree[txFreeCount++] = at;
        }
    }

    @Override
    public void onStart()
    {
        final int frames = socket.config().frameCount() - txFree.length;
        if (fill.reserve(frames) == frames)
        {
            final int first = fill.reservedIndex();
            for (int i = 0; i < frames; i++)
            {
                fill.addr(first + i, (long)i * socket.config().frameSize());
            }
            fill.submit(frames);
        }
    }

    @Override
    public int doWork()
    {
        int work = 0;
        final int done = completion.peek(batch);
        if (done > 0)
        {
            final int first = completion.peekedIndex();
            for (int i = 0; i < done; i++)
            {
                txFree[txFreeCount++] = completion.addr(first + i);
            }
            completion.release(done);
            work += done;
        }
        final int got = rx.peek(Math.min(batch, fill.free(batch)));
        if (got > 0)
        {
            fill.reserve(got);
            final int from = rx.peekedIndex();
            final int to = fill.reservedIndex();
            for (int i = 0; i < got; i++)
            {
                fill.addr(to + i, rx.descAddr(from + i));
            }
            rx.release(got);
            fill.submit(got);
            receivedCount += got;
            received = receivedCount;
            work += got;
        }
        else if (fill.needsWakeup())
        {
            socket.wakeFill();
        }
        work += send();
        if (work == 0 && ++idleRounds > STALL_ROUNDS)
        {
            // nothing moved for a long while: whatever is still "in flight" was dropped somewhere
            writtenOff = sentCount - receivedCount;
            idleRounds = 0;
        }
        else if (work > 0)
        {
            idleRounds = 0;
        }
        return work;
    }

    private long inFlight()
    {
        long inFlight = sentCount - receivedCount - writtenOff;
        if (inFlight < 0)
        {
            // frames written off as lost came back after all: they are no longer lost, and must not buy the
            // window extra slots (which once let a "window 1" run keep five frames in flight)
            writtenOff += inFlight;
            inFlight = 0;
        }
        return inFlight;
    }

    private int send()
    {
        final long inFlight = inFlight();
        final int n = (int)Math.min(Math.min(batch, txFreeCount), Math.min(window - inFlight, tx.free(batch)));
        if (n > 0 && tx.reserve(n) == n)
        {
            final int first = tx.reservedIndex();
            for (int i = 0; i < n; i++)
            {
                tx.desc(first + i, txFree[--txFreeCount], FRAME_LENGTH);
            }
            tx.submit(n);
            sentCount += n;
            sent = sentCount;
            // counted from what is certainly in flight, so that a miscounted (negative) backlog cannot hide a burst
            final long nowInFlight = Math.max(inFlight, 0) + n;
            if (nowInFlight > maxInFlightCount)
            {
                maxInFlightCount = nowInFlight;
                maxInFlight = maxInFlightCount;
            }
        }
        socket.drainTx(MAX_KICKS_PER_ROUND);
        return Math.max(n, 0);
    }

    /** @return frames sent. */
    public long sent()
    {
        return sent;
    }

    /** @return the most frames ever in flight at once (at most the window). */
    public long maxInFlight()
    {
        return maxInFlight;
    }

    /** @return reflected frames received back. */
    public long received()
    {
        return received;
    }

    @Override
    public String roleName()
    {
        return "blast-" + socket.config().ifName();
    }
}
