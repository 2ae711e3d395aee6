package dev.synack.tools.xdp;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import dev.synack.nic.NicAgent;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounters;
import dev.synack.time.SystemNanoClock;

/**
 * One synack stack on one AF_XDP queue: interface → {@link XdpSocket} → {@link NicAgent} ⇄ two Agrona rings ⇄
 * {@link StackAgent}, run either as one {@link CompositeAgent} on one {@link AgentRunner} thread or on two
 * threads (NIC and stack).
 * <p>
 * Other threads reach the stack only through {@link #execute(Runnable)} / {@link #call(Function)}: the commands
 * go through a {@link ManyToOneConcurrentArrayQueue} drained on the stack thread. That path allocates (a lambda,
 * a future) and is meant for set-up and test control, not for the data path. An optional extra {@link Agent}
 * (a workload, a responder's timers) runs on the stack thread after the stack in every duty cycle.
 * <p>
 * {@link #close()} stops the threads, then closes the socket (which detaches the XDP program).
 * <p>
 * The lab's harness, for tools and tests that hand over a raw {@link XdpConfig} and {@link StackConfig} (the HTTP lab,
 * the interop tests). Services — {@code synack serve} among them — use the embedding API instead
 * ({@code dev.synack.embed.Synack.builder()}): validated options, idle strategy, pinning, counters file, channels.
 */
public final class XdpStack implements AutoCloseable
{
    /** Default size of each frame ring between the NIC agent and the stack (bytes, a power of two). */
    public static final int DEFAULT_RING_BYTES = 4 * 1024 * 1024;

    private final XdpSocket socket;
    private final NicAgent nic;
    private final StackAgent stack;
    private final StackCounters counters;
    private final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(1024);
    private final AgentRunner[] runners;
    private volatile Thread stackThread;

    private XdpStack(
        final XdpConfig xdp, final StackConfig config, final boolean twoThreads, final Agent extra,
        final IdleStrategy nicIdle, final IdleStrategy stackIdle)
    {
        final RingBuffer rx = ring(DEFAULT_RING_BYTES);
        final RingBuffer tx = ring(DEFAULT_RING_BYTES);
        counters = StackCounters.onHeap(config.name());
        stack = new StackAgent(config, rx, tx, SystemNanoClock.INSTANCE, counters);
        socket = XdpSocket.open(xdp);
        try
        {
            nic = new NicAgent(socket, rx, tx);
            final Agent commandAgent = new CommandAgent(extra);
            if (twoThreads)
            {
                runners = new AgentRunner[] {
                    new AgentRunner(nicIdle, XdpStack::onError, null, nic),
                    new AgentRunner(stackIdle, XdpStack::onError, null, new CompositeAgent(stack, commandAgent)),
                };
            }
            else
            {
                runners = new AgentRunner[] {
                    new AgentRunner(stackIdle, XdpStack::onError, null, new CompositeAgent(nic, stack, commandAgent)),
                };
            }
            for (final AgentRunner runner : runners)
            {
                AgentRunner.startOnThread(runner);
            }
        }
        catch (final RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * Opens the socket and starts the stack.
     *
     * @param xdp the AF_XDP socket to open (interface, namespace, queue, mode).
     * @param config the stack's addresses and sizes.
     * @param twoThreads NIC and stack on two threads (true) or one composite thread (false).
     * @param extra an agent run on the stack thread every duty cycle, or null.
     * @return the running stack.
     */
    public static XdpStack start(
        final XdpConfig xdp, final StackConfig config, final boolean twoThreads, final Agent extra)
    {
        return new XdpStack(xdp, config, twoThreads, extra, idle(), idle());
    }

    /**
     * Opens the socket and starts the stack on one composite thread.
     *
     * @param xdp the AF_XDP socket to open.
     * @param config the stack's configuration.
     * @return the running stack.
     */
    public static XdpStack start(final XdpConfig xdp, final StackConfig config)
    {
        return start(xdp, config, false, null);
    }

    /** @return spin a little, yield a little, then park up to 100 µs: low latency without burning a core. */
    private static IdleStrategy idle()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
    }

    private static RingBuffer ring(final int bytes)
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    private static void onError(final Throwable error)
    {
        error.printStackTrace();
    }

    /**
     * Runs a command on the stack thread (later). Allocation-heavy: for control, not for data.
     *
     * @param command the command.
     * @throws IllegalStateException when the queue is full.
     */
    public void execute(final Runnable command)
    {
        if (!commands.offer(command))
        {
            throw new IllegalStateException("stack command queue full");
        }
    }

    /**
     * Runs a function of the stack agent on the stack thread and waits for its result.
     *
     * @param function what to run; it may use the stack agent freely (it is on the stack's thread).
     * @param <T> the result type.
     * @return its result.
     * @throws IllegalStateException when it threw or did not finish within 10 s.
     */
    public <T> T call(final Function<StackAgent, T> function)
    {
        if (Thread.currentThread() == stackThread)
        {
            return function.apply(stack);
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        execute(() ->
        {
            try
            {
                result.complete(function.apply(stack));
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        });
        try
        {
            return result.get(10, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("stack command failed: " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("stack command did not run within 10 s (stack thread stuck?)", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the stack", ex);
        }
    }

    /**
     * Runs a command on the stack thread and waits for it.
     *
     * @param command what to run.
     */
    public void run(final Runnable command)
    {
        call(s ->
        {
            command.run();
            return null;
        });
    }

    /** @return the stack agent; touch it only on the stack thread (see {@link #call}). */
    public StackAgent stack()
    {
        return stack;
    }

    /** @return the NIC agent; its counters may be read from any thread as approximate figures. */
    public NicAgent nic()
    {
        return nic;
    }

    /** @return the socket (mode, statistics). */
    public XdpSocket socket()
    {
        return socket;
    }

    /** @return the stack's counters (read from any thread as approximate figures). */
    public StackCounters counters()
    {
        return counters;
    }

    @Override
    public void close()
    {
        try
        {
            for (final AgentRunner runner : runners)
            {
                runner.close();
            }
        }
        finally
        {
            socket.close();
        }
    }

    /** Drains the command queue, then runs the extra agent. */
    private final class CommandAgent implements Agent
    {
        private final Agent extra;

        CommandAgent(final Agent extra)
        {
            this.extra = extra;
        }

        @Override
        public void onStart()
        {
            stackThread = Thread.currentThread();
            if (extra != null)
            {
                extra.onStart();
            }
        }

        @Override
        public int doWork() throws Exception
        {
            int work = commands.drain(Runnable::run, 64);
            if (extra != null)
            {
                work += extra.doWork();
            }
            return work;
        }

        @Override
        public void onClose()
        {
            if (extra != null)
            {
                extra.onClose();
            }
        }

        @Override
        public String roleName()
        {
            return "synack-commands";
        }
    }
}
