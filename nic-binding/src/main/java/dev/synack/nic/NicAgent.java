package dev.synack.nic;

import dev.synack.nic.xdp.ConsumerRing;
import dev.synack.nic.xdp.ProducerRing;
import dev.synack.nic.xdp.XdpSocket;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The NIC agent: moves Ethernet frames between one AF_XDP socket's rings and two Agrona {@link RingBuffer}s —
 * {@code rx} (frames from the wire, written with msgTypeId {@link #MSG_TYPE_FRAME}) and {@code tx} (frames to
 * the wire, any msgTypeId, each message one whole Ethernet frame without FCS).
 *
 * <p>Each {@link #doWork()}: {@link #receivePhase()} (reap the completion ring into the free list, drain the RX
 * ring into {@code rx}, top up the fill ring a batch at a time), then {@link #transmitPhase()} (move up to a
 * batch of {@code tx} messages onto the TX ring and kick the kernel, only if it asked, and only as often as it
 * takes to drain the TX ring). {@link DutyCycleAgent} runs a stack between the two phases on one thread. UMEM
 * frames are recycled through a primitive stack of addresses; nothing is allocated after construction. The
 * fill ring is filled in {@link #onStart()} and kept within one batch of full, because on veth a transmit can
 * run the peer's reply straight into our RX ring (AF_XDP.md pitfall 3).
 *
 * <p>Who calls it: an Agrona {@code AgentRunner} (its own thread) or a {@code CompositeAgent} sharing a
 * thread with the stack agent; the application builds it over an open {@link XdpSocket}. Thread-safety: the
 * agent is the only user of the socket's rings; the rings' other ends may be on any thread (Agrona rings are
 * thread-safe for their declared producer/consumer counts). Counters are plain fields written by the agent:
 * read them from other threads only as approximate, monotonic figures. Caveat: {@link #onClose()} does not
 * close the socket — its owner does, after the agent has stopped.
 */
public final class NicAgent implements Agent
{
    /** msgTypeId of a received Ethernet frame in the rx ring. */
    public static final int MSG_TYPE_FRAME = 1;
    /** Default most descriptors handled per ring per doWork(). */
    public static final int DEFAULT_BATCH = 64;
    private static final int MAX_KICKS_PER_ROUND = 16;

    private final XdpSocket socket;
    private final RingBuffer rxRing;
    private final RingBuffer txRing;
    private final int batch;
    private final UnsafeBuffer umem;
    private final ProducerRing fill;
    private final ConsumerRing completion;
    private final ConsumerRing rx;
    private final ProducerRing tx;
    private final int frameSize;
    private final long[] freeFrames;
    private int freeCount;
    private final TxHandler txHandler = new TxHandler();
    private final String roleName;
    private RxSteering steering;

    private long rxFrames;
    private long txFrames;
    private long rxDropRingFull;
    private long txDropOversized;
    private long txDropNoFrame;
    private long fillStarved;
    private long txKicks;
    private long fillWakeups;

    /**
     * An agent over an open socket, with the default batch.
     *
     * @param socket the socket (its rings become this agent's alone).
     * @param rx     frames from the wire go here.
     * @param tx     frames to the wire come from here.
     */
    public NicAgent(final XdpSocket socket, final RingBuffer rx, final RingBuffer tx)
    {
        this(socket, rx, tx, DEFAULT_BATCH);
    }

    /**
     * An agent over an open socket.
     *
     * @param socket the socket (its rings become this agent's alone).
     * @param rx     frames from the wire go here.
     * @param tx     frames to the wire come from here.
     * @param batch  most descriptors handled per ring per doWork().
     */
    public NicAgent(final XdpSocket socket, final RingBuffer rx, final RingBuffer tx, final int batch)
    {
        if (batch <= 0)
        {
            throw new IllegalArgumentException("batch must be positive: " + batch);
        }
        this.socket = socket;
        this.rxRing = rx;
        this.txRing = tx;
        this.batch = batch;
        this.umem = socket.umem();
        this.fill = socket.fill();
        this.completion = socket.completion();
        this.rx = socket.rx();
        this.tx = socket.tx();
        this.frameSize = socket.config().frameSize();
        final int frames = socket.config().frameCount();
        this.freeFrames = new long[frames];
        for (int i = frames - 1; i >= 0; i--)
        {
            freeFrames[freeCount++] = (long)i * frameSize;
        }
        this.roleName = "nic-" + socket.config().ifName() + "-q" + socket.config().queue();
    }

    /**
     * Hands every received frame to {@code rxSteering} instead of writing it to the rx ring (one queue feeding
     * several stacks: the steering writes each frame to the ring of the stack that owns it). Set before the agent
     * starts.
     *
     * @param rxSteering where received frames go, or null for the rx ring (the default).
     * @return this.
     */
    public NicAgent steering(final RxSteering rxSteering)
    {
        this.steering = rxSteering;
        return this;
    }

    @Override
    public void onStart()
    {
        refill();
    }

    @Override
    public int doWork()
    {
        return receivePhase() + transmitPhase();
    }

    /**
     * The first half of a duty cycle: reap the completion ring, move received frames into the rx ring, and give
     * the fill ring back whole batches of frames. A stack sharing the thread runs next, then
     * {@link #transmitPhase()}, so that everything the received frames caused leaves with one kick.
     *
     * @return descriptors handled.
     */
    public int receivePhase()
    {
        int work = reapCompletions();
        work += receive();
        if (fill.free(batch) >= batch)
        {
            // Touch the shared producer index once per batch of returned frames, not once per frame. The fill
            // ring stays within a batch of full, so the kernel never waits for it (and a transmit on veth, which
            // can run the peer's reply straight into our RX ring, finds room: AF_XDP.md pitfall 3).
            refill();
        }
        return work;
    }

    /**
     * The second half of a duty cycle: move what the stack wrote to the tx ring onto the TX ring, then one kick
     * (more only while copy mode's 32-frame budget per sendto() leaves frames behind).
     *
     * @return frames put on the TX ring.
     */
    public int transmitPhase()
    {
        return transmit();
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    private int reapCompletions()
    {
        final int count = completion.peek(batch);
        if (count > 0)
        {
            final int first = completion.peekedIndex();
            for (int i = 0; i < count; i++)
            {
                freeFrames[freeCount++] = frameStart(completion.addr(first + i));
            }
            completion.release(count);
        }
        return count;
    }

    private void refill()
    {
        final int wanted = Math.min(freeCount, fill.free(freeCount));
        if (wanted > 0 && fill.reserve(wanted) == wanted)
        {
            final int first = fill.reservedIndex();
            for (int i = 0; i < wanted; i++)
            {
                fill.addr(first + i, freeFrames[--freeCount]);
            }
            fill.submit(wanted);
        }
        else if (freeCount == 0 && fill.free(1) > 0)
        {
            fillStarved++;
        }
    }

    private int receive()
    {
        final int count = rx.peek(batch);
        if (count == 0)
        {
            // the kernel may be asleep waiting for fill entries we already gave it (XDP_USE_NEED_WAKEUP)
            if (fill.needsWakeup())
            {
                fillWakeups++;
                socket.wakeFill();
            }
            return 0;
        }
        final int first = rx.peekedIndex();
        for (int i = 0; i < count; i++)
        {
            final int index = first + i;
            final long address = rx.descAddr(index);
            final boolean written = steering == null ? rxRing.write(MSG_TYPE_FRAME, umem, (int)address,
                rx.descLen(index)) : steering.onFrame(umem, (int)address, rx.descLen(index));
            if (written)
            {
                rxFrames++;
            }
            else
            {
                rxDropRingFull++;
            }
            freeFrames[freeCount++] = frameStart(address);
        }
        rx.release(count);
        return count;
    }

    private int transmit()
    {
        final int limit = Math.min(batch, Math.min(freeCount, tx.free(batch)));
        int sent = 0;
        // bounded by free frames and TX slots, so a read message always fits; the rest waits in the Agrona ring
        if (limit > 0)
        {
            txHandler.submitted = 0;
            txRing.read(txHandler, limit);
            sent = txHandler.submitted;
            if (sent > 0)
            {
                tx.submit(sent);
                txFrames += sent;
            }
        }
        // copy mode moves TX only inside sendto(), at most 32 frames per call: kick until the ring is drained
        txKicks += socket.drainTx(MAX_KICKS_PER_ROUND);
        return sent;
    }

    private long frameStart(final long address)
    {
        // aligned UMEM: the chunk is the address rounded down to the frame size (the kernel may add headroom)
        return address - (address % frameSize);
    }

    /** @return frames written to the rx ring (or taken by the steering). */
    public long rxFrames()
    {
        return rxFrames;
    }

    /** @return frames put on the TX ring. */
    public long txFrames()
    {
        return txFrames;
    }

    /** @return received frames dropped because the Agrona rx ring (or the steering's target ring) was full. */
    public long rxDropRingFull()
    {
        return rxDropRingFull;
    }

    /** @return tx messages dropped because they did not fit a UMEM frame. */
    public long txDropOversized()
    {
        return txDropOversized;
    }

    /** @return tx messages dropped for want of a free UMEM frame (should stay 0: reads are bounded by frames). */
    public long txDropNoFrame()
    {
        return txDropNoFrame;
    }

    /** @return rounds where the fill ring had room but no UMEM frame was free. */
    public long fillStarved()
    {
        return fillStarved;
    }

    /** @return sendto() TX kicks made. */
    public long txKicks()
    {
        return txKicks;
    }

    /** @return recvfrom() fill wake-ups made. */
    public long fillWakeups()
    {
        return fillWakeups;
    }

    /** @return UMEM frames on the free list now. */
    public int freeFrames()
    {
        return freeCount;
    }

    /** Copies one tx message into a free UMEM frame and describes it on the TX ring; allocated once. */
    private final class TxHandler implements MessageHandler
    {
        private int submitted;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (length > frameSize)
            {
                txDropOversized++;
                return;
            }
            if (freeCount == 0 || tx.reserve(1) == 0)
            {
                // cannot happen while transmit() bounds the read by free frames and free TX slots
                txDropNoFrame++;
                return;
            }
            final long address = freeFrames[--freeCount];
            umem.putBytes((int)address, buffer, index, length);
            tx.desc(tx.reservedIndex(), address, length);
            submitted++;
        }
    }
}
