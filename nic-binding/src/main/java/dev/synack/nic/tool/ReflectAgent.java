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
    private final XdpSocket socket;
    private final UnsafeBuffer umem;
    private final ConsumerRing rx;
    private final ProducerRing tx;
    private final ProducerRing fill;
    private final ConsumerRing completion;
    private final int batch;
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
    }

    @Override
    public void onStart()
    {
        // the fill ring gets frames [0, fillSize); the rest of the UMEM is head-room for frames in TX flight
        final int frames = Math.min(fill.size(), socket.config().frameCount());
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
        if ((received > 0 || tx.pending() > 0) && tx.needsWakeup())
        {
            socket.kickTx();
        }
        return work;
    }

    private int recycleCompletions()
    {
        final int done = completion.peek(Math.min(batch, fill.free(batch)));
        if (done > 0)
        {
            fill.reserve(done);
            final int from = completion.peekedIndex();
            final int to = fill.reservedIndex();
            for (int i = 0; i < done; i++)
            {
                fill.addr(to + i, completion.addr(from + i));
            }
            completion.release(done);
            fill.submit(done);
        }
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
