package dev.synack.nic.tool;

import dev.synack.nic.xdp.ConsumerRing;
import dev.synack.nic.xdp.ProducerRing;
import dev.synack.nic.xdp.XdpSocket;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Bounces every received frame straight back out of the same socket with the Ethernet source and destination
 * swapped — no stack, no copy: the RX descriptor's UMEM frame becomes the TX descriptor, and comes back to
 * the fill ring through the completion ring. The ceiling any TCP figure over the same link is held against.
 *
 * <p>Who calls it: {@link Reflect} (and the reflect test) on its own thread. Thread-safety: one thread drives
 * it; {@link #reflected()} may be read from any thread. Allocation-free after construction.
 */
public final class ReflectAgent implements Agent
{
    private static final int MAX_KICKS_PER_ROUND = 16;

    private final XdpSocket socket;
    private final UnsafeBuffer umem;
    private final ConsumerRing rx;
    private final ProducerRing tx;
    private final ProducerRing fill;
    private final ConsumerRing completion;
    private final int batch;
    private final long[] spare;
    private int spareCount;
    private long count;
    private volatile long reflected;

    /**
     * @param socket an open socket whose rings become this agent's.
     * @param batch  most frames per ring per doWork().
     */
    public ReflectAgent(final XdpSocket socket, final int batch)
    {
        this.socket = socket;
        this.umem = socket.umem();
        this.rx = socket.rx();
        this.tx = socket.tx();
        this.fill = socket.fill();
        this.completion = socket.completion();
        this.batch = batch;
        this.spare = new long[socket.config().frameCount()];
    }

    @Override
    public void onStart()
    {
        // every UMEM frame starts on the spare stack; topUp() moves as many as fit onto the fill ring
        final int frames = socket.config().frameCount();
        for (int i = frames - 1; i >= 0; i--)
        {
            spare[spareCount++] = (long)i * socket.config().frameSize();
        }
        topUp();
    }

    private void topUp()
    {
        final int n = Math.min(spareCount, fill.free(spareCount));
        if (n > 0 && fill.reserve(n) == n)
        {
            final int first = fill.reservedIndex();
            for (int i = 0; i < n; i++)
            {
                fill.addr(first + i, spare[--spareCount]);
            }
            fill.submit(n);
        }
    }

    @Override
    public int doWork()
    {
        int work = recycleCompletions();
        final int received = rx.peek(Math.min(batch, tx.free(batch)));
        if (received > 0)
        {
            tx.reserve(received);
            final int rxFirst = rx.peekedIndex();
            final int txFirst = tx.reservedIndex();
            for (int i = 0; i < received; i++)
            {
                final long address = rx.descAddr(rxFirst + i);
                swapMacs((int)address);
                tx.desc(txFirst + i, address, rx.descLen(rxFirst + i));
            }
            rx.release(received);
            tx.submit(received);
            count += received;
            reflected = count;
            work += received;
        }
        else if (fill.needsWakeup())
        {
            socket.wakeFill();
        }
        socket.drainTx(MAX_KICKS_PER_ROUND);
        return work;
    }

    private int recycleCompletions()
    {
        // sent frames go back to the fill ring; the spare stack absorbs bursts while RX/TX hold many frames
        final int done = completion.peek(batch);
        if (done > 0)
        {
            final int from = completion.peekedIndex();
            for (int i = 0; i < done; i++)
            {
                spare[spareCount++] = completion.addr(from + i);
            }
            completion.release(done);
        }
        topUp();
        return done;
    }

    private void swapMacs(final int frame)
    {
        final int dstHigh = umem.getInt(frame);
        final short dstLow = umem.getShort(frame + 4);
        umem.putInt(frame, umem.getInt(frame + 6));
        umem.putShort(frame + 4, umem.getShort(frame + 10));
        umem.putInt(frame + 6, dstHigh);
        umem.putShort(frame + 10, dstLow);
    }

    /** @return frames reflected so far. */
    public long reflected()
    {
        return reflected;
    }

    @Override
    public String roleName()
    {
        return "reflect-" + socket.config().ifName();
    }
}
