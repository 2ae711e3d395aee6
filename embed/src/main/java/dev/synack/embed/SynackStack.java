package dev.synack.embed;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import dev.synack.api.TcpHandler;
import dev.synack.channel.ChannelAgent;
import dev.synack.channel.StackChannel;
import dev.synack.ip.Ipv4Address;
import dev.synack.nic.DutyCycleAgent;
import dev.synack.nic.NicAgent;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.CountersFile;
import dev.synack.stat.StackCounters;
import dev.synack.time.SystemNanoClock;

/**
 * A running synack stack on one NIC queue (or one side of a {@link MemoryLink}), made by
 * {@link SynackBuilder#start()}: the AF_XDP socket and its XDP program, the NIC agent, the stack, its channels and
 * the application's agent, on one or two {@code AgentRunner} threads.
 * <p>
 * Two ways in. On the stack thread (inside a {@link TcpHandler} callback, or an agent) call {@link #stack()}
 * directly: allocation-free, as fast as synack goes. From any other thread, {@link #listen}, {@link #connect},
 * {@link #unlisten} and {@link #call} hand the work to the stack thread and wait for it (set-up and control: they
 * allocate); and each {@link #channel} carries commands and events through rings without allocating, for
 * application threads that move data.
 * <p>
 * {@link #close()} stops the threads (joined), detaches the XDP program, closes the socket and unmaps the counters
 * file, in that order; {@link #stop()} does all but the last, so the final counters can still be read. Both are
 * idempotent and safe from any thread, once. Do not read {@link #counters()} after {@code close()}.
 */
public final class SynackStack implements AutoCloseable
{
    /** Agrona type id of the embedding's own counters (errors on its threads). */
    public static final int TYPE_EMBED = 1005;
    /** Counters left free in the counters file for the application (through {@link SynackBuilder#agent}). */
    public static final int APPLICATION_COUNTERS = 64;

    private static final int FRAME_RING_BYTES = 4 * 1024 * 1024;
    private static final long START_TIMEOUT_S = 10;
    private static final long CALL_TIMEOUT_S = 10;

    private final StackConfig config;
    private final String prefix;
    private final MemoryLink link;
    private final MemoryLink.Side side;
    private CountersFile countersFile;
    private CountersManager manager;
    private CountersReader reader;
    private StackCounters counters;
    private StackAgent stack;
    private ChannelAgent channelAgent;
    private final List<StackChannel> channels = new ArrayList<>();
    private final ControlAgent control = new ControlAgent();
    private XdpSocket socket;
    private NicAgent nic;
    private NicCounters nicCounters;
    private boolean sideTaken;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<ThreadAgent> threads = new ArrayList<>();
    private String wire;
    private String threadsDescription;
    private volatile boolean stopped;
    private boolean closed;

    private SynackStack(final SynackBuilder builder, final StackConfig config)
    {
        this.config = config;
        this.prefix = builder.name.isEmpty() ? "" : builder.name + ": ";
        this.link = builder.link;
        this.side = builder.side;
    }

    /**
     * Starts a stack; on any failure releases what was made and throws.
     *
     * @param builder the checked arguments.
     * @param config the stack's configuration, validated.
     * @param memoryWire how the memory wire is described, or null for AF_XDP.
     * @return the running stack.
     */
    static SynackStack start(final SynackBuilder builder, final StackConfig config, final String memoryWire)
    {
        final SynackStack stack = new SynackStack(builder, config);
        try
        {
            stack.launch(builder, memoryWire);
            return stack;
        }
        catch (final RuntimeException | Error ex)
        {
            try
            {
                stack.close();
            }
            catch (final RuntimeException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            if (ex instanceof SynackConfigException)
            {
                throw ex;
            }
            throw new SynackConfigException("start-up failed: " + oneLine(ex), ex);
        }
    }

    private void launch(final SynackBuilder builder, final String memoryWire)
    {
        final int capacity = StackCounters.COUNT + NicCounters.COUNT + 1 + APPLICATION_COUNTERS;
        if (builder.countersFile != null)
        {
            try
            {
                countersFile = CountersFile.create(builder.countersFile.toAbsolutePath(), capacity);
            }
            catch (final RuntimeException ex)
            {
                throw new SynackConfigException("countersFile " + builder.countersFile + ": cannot create it: "
                    + oneLine(ex), ex);
            }
            manager = countersFile.newManager();
            reader = countersFile.newReader();
        }
        else
        {
            manager = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * CountersReader.METADATA_LENGTH)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * CountersReader.COUNTER_LENGTH)),
                StandardCharsets.US_ASCII);
            reader = manager;
        }
        final AtomicCounter errors = manager.newCounter(prefix + "errors on synack threads", TYPE_EMBED);
        counters = new StackCounters(manager, prefix);

        final RingBuffer rx;
        final RingBuffer tx;
        if (link != null)
        {
            if (!link.take(side))
            {
                throw new SynackConfigException("memoryWire side " + side + " is already taken by a running stack");
            }
            sideTaken = true;
            rx = link.rx(side);
            tx = link.tx(side);
        }
        else
        {
            rx = frameRing();
            tx = frameRing();
        }
        stack = new StackAgent(config, rx, tx, SystemNanoClock.INSTANCE, counters);
        stack.tap(builder.tap);
        if (builder.channels > 0)
        {
            channelAgent = new ChannelAgent(stack, ChannelAgent.commandRing(ChannelAgent.DEFAULT_COMMAND_RING_BYTES));
            for (int i = 0; i < builder.channels; i++)
            {
                channels.add(channelAgent.newChannel(ChannelAgent.eventRing(builder.eventRingBytes)));
            }
        }
        final Agent application = builder.agentFactory == null ? null : builder.agentFactory.apply(manager);

        final Agent nicSide;
        if (link != null)
        {
            wire = memoryWire;
            nicSide = side == MemoryLink.Side.A ? link.wireAgent() : null;
        }
        else
        {
            openSocket(builder, rx, tx);
            nicSide = nic;
        }
        builder.hook.reached(SynackBuilder.Stage.ATTACHED);

        final List<Agent> stackAgents = new ArrayList<>(List.of(stack));
        if (channelAgent != null)
        {
            stackAgents.add(channelAgent);
        }
        stackAgents.add(control);
        if (application != null)
        {
            stackAgents.add(application);
        }
        final CountDownLatch started = new CountDownLatch(builder.threads());
        final ErrorHandler onError = builder.errorHandler != null ? builder.errorHandler : SynackStack::printError;
        if (builder.threads() == 2)
        {
            // The NIC thread carries the NIC agent and publishes its figures; the stack thread everything else.
            final Agent nicThread = nicCounters == null ? nicSide : new CompositeAgent(nicSide, nicCounters);
            run(new ThreadAgent(nicThread, stack.roleName() + "-nic", cpu(builder, 0), started),
                builder.nicIdleStrategy(), onError, errors);
            run(new ThreadAgent(composite(stackAgents), stack.roleName(), cpu(builder, 1), started),
                builder.stackIdleStrategy(), onError, errors);
            threadsDescription = "NIC agent and stack on two threads";
        }
        else
        {
            final Agent one;
            if (nic != null)
            {
                stackAgents.add(nicCounters);
                one = new DutyCycleAgent(nic, composite(stackAgents)); // one TX kick per duty cycle
            }
            else
            {
                if (nicSide != null)
                {
                    stackAgents.add(0, nicSide);
                }
                one = composite(stackAgents);
            }
            run(new ThreadAgent(one, stack.roleName(), cpu(builder, 0), started), builder.stackIdleStrategy(),
                onError, errors);
            threadsDescription = nicSide == null ? "stack on one thread" : "NIC agent and stack on one thread";
        }
        threadsDescription += ", " + builder.idleDescription();
        awaitStart(started);
        builder.hook.reached(SynackBuilder.Stage.RUNNING);
    }

    private void openSocket(final SynackBuilder builder, final RingBuffer rx, final RingBuffer tx)
    {
        final XdpConfig xdp = XdpConfig.builder(builder.device).namespace(builder.namespace).queue(builder.queue)
            .mode(builder.xdpMode).zeroCopy(builder.zeroCopy).build();
        try
        {
            socket = XdpSocket.open(xdp);
        }
        catch (final NativeException ex)
        {
            throw new SynackConfigException(oneLine(ex), ex);
        }
        wire = socket.mode();
        nic = new NicAgent(socket, rx, tx);
        nicCounters = new NicCounters(manager, nic, socket, SystemNanoClock.INSTANCE);
    }

    private static Agent composite(final List<Agent> agents)
    {
        return agents.size() == 1 ? agents.get(0) : new CompositeAgent(agents);
    }

    private static int cpu(final SynackBuilder builder, final int index)
    {
        return builder.cpus.length > index ? builder.cpus[index] : -1;
    }

    private void run(final ThreadAgent agent, final IdleStrategy idle,
        final ErrorHandler onError, final AtomicCounter errors)
    {
        final AgentRunner runner = new AgentRunner(idle, onError, errors, agent);
        threads.add(agent);
        runners.add(runner);
        AgentRunner.startOnThread(runner);
    }

    private void awaitStart(final CountDownLatch started)
    {
        try
        {
            if (!started.await(START_TIMEOUT_S, TimeUnit.SECONDS))
            {
                throw new SynackConfigException("the stack's threads did not start within " + START_TIMEOUT_S + " s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SynackConfigException("interrupted while the stack's threads started", ex);
        }
        for (final ThreadAgent thread : threads)
        {
            if (thread.failure() != null)
            {
                throw new SynackConfigException("thread " + thread.roleName() + " failed to start: "
                    + oneLine(thread.failure()), thread.failure());
            }
        }
    }

    private static RingBuffer frameRing()
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(FRAME_RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    private static void printError(final Throwable error)
    {
        final PrintStream err = System.err;
        err.print("synack: error on a stack thread (it goes on): ");
        error.printStackTrace(err);
    }

    private static String oneLine(final Throwable ex)
    {
        final String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    // ------------------------------------------------------------------------------------------------
    // Control from any thread
    // ------------------------------------------------------------------------------------------------

    /**
     * Passive open: accept connections on a port, each one told to {@code handler} on the stack thread.
     *
     * @param port the local port, 1..65535.
     * @param handler the connections' handler (one instance may serve them all).
     * @return this.
     * @throws IllegalArgumentException for a bad port or one already listening.
     */
    public SynackStack listen(final int port, final TcpHandler handler)
    {
        return listenOn(port, handler);
    }

    /**
     * Passive open with a one-method handler, so a service can be a lambda:
     * {@code listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length))}.
     *
     * @param port the local port, 1..65535.
     * @param handler the connections' handler; see {@link DataHandler} for its defaults.
     * @return this.
     * @throws IllegalArgumentException for a bad port or one already listening.
     */
    public SynackStack listen(final int port, final DataHandler handler)
    {
        return listenOn(port, handler);
    }

    private SynackStack listenOn(final int port, final TcpHandler handler)
    {
        call(s ->
        {
            s.tcp().listen(port, handler);
            return null;
        });
        return this;
    }

    /**
     * Stops accepting on a port; connections already open go on.
     *
     * @param port the local port.
     * @return whether it was listening.
     */
    public boolean unlisten(final int port)
    {
        return call(s -> s.tcp().unlisten(port));
    }

    /**
     * Active open: sends a SYN; {@code handler.onOpen} follows on the stack thread when it is ESTABLISHED.
     *
     * @param ip the peer's address, dotted quad.
     * @param port its port.
     * @param handler the connection's handler.
     * @return the connection's handle, or -1 when the table is full or no local port is free.
     */
    public long connect(final String ip, final int port, final TcpHandler handler)
    {
        final int remote = Ipv4Address.parse(ip);
        return call(s -> s.tcp().connect(remote, port, handler));
    }

    /**
     * Runs a function of the stack on the stack thread and waits for it (at once when called on that thread).
     * Allocates: for control and inspection, not for data.
     *
     * @param function what to run; it may use the stack freely.
     * @param <T> its result type.
     * @return its result.
     * @throws IllegalStateException when the stack is stopped or the function did not finish within 10 s; a
     *     runtime exception the function threw is rethrown as it was.
     */
    public <T> T call(final Function<StackAgent, T> function)
    {
        if (Thread.currentThread() == control.thread())
        {
            return function.apply(stack);
        }
        if (stopped)
        {
            throw new IllegalStateException("the stack is stopped");
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Runnable command = () ->
        {
            try
            {
                result.complete(function.apply(stack));
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        };
        if (!control.offer(command))
        {
            throw new IllegalStateException("the stack's control queue is full (is the stack thread stuck?)");
        }
        try
        {
            return result.get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException)
            {
                throw (RuntimeException)ex.getCause();
            }
            throw new IllegalStateException("stack command failed: " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("the stack did not run the command within " + CALL_TIMEOUT_S
                + " s (stopped, or its thread stuck?)", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the stack", ex);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Access
    // ------------------------------------------------------------------------------------------------

    /** @return the stack; touch it only on the stack thread (in callbacks and agents, or through {@link #call}). */
    public StackAgent stack()
    {
        return stack;
    }

    /** @return the first channel, for application threads (see {@link StackChannel} for who may call what). */
    public StackChannel channel()
    {
        return channel(0);
    }

    /**
     * @param index 0 .. channels - 1.
     * @return that channel.
     * @throws IndexOutOfBoundsException when the builder made fewer channels.
     */
    public StackChannel channel(final int index)
    {
        return channels.get(index);
    }

    /** @return the channels' agent, for its figures (errors, backpressure) only; null without channels. */
    public ChannelAgent channelAgent()
    {
        return channelAgent;
    }

    /** @return the stack's counters, readable from any thread while the stack is not closed. */
    public StackCounters counters()
    {
        return counters;
    }

    /** @return a reader over every counter (stack, NIC, application), from any thread until close. */
    public CountersReader countersReader()
    {
        return reader;
    }

    /** @return the NIC agent (its figures may be read from any thread as approximate), or null on the memory wire. */
    public NicAgent nic()
    {
        return nic;
    }

    /** @return the stack's configuration: addresses, sizes, timers. */
    public StackConfig config()
    {
        return config;
    }

    /** @return how frames travel: the XDP mode in use ("generic (skb), copy"...) or the memory wire's side. */
    public String wire()
    {
        return wire;
    }

    /** @return the threads and how they idle, for operators. */
    public String threads()
    {
        return threadsDescription;
    }

    /** @return whether every thread that was given a CPU is pinned to it (false when none was given). */
    public boolean pinned()
    {
        boolean any = false;
        for (final ThreadAgent thread : threads)
        {
            if (thread.cpu() >= 0)
            {
                if (!thread.pinned())
                {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** @return whether the threads run (false once {@link #stop()} began). */
    public boolean isRunning()
    {
        return !stopped;
    }

    // ------------------------------------------------------------------------------------------------
    // Stop and close
    // ------------------------------------------------------------------------------------------------

    /**
     * Stops and joins the threads, publishes the NIC's last figures, detaches the XDP program and closes the socket
     * (or frees the memory wire's side). The counters stay readable until {@link #close()}. Idempotent.
     */
    public synchronized void stop()
    {
        if (stopped && runners.isEmpty() && socket == null && !sideTaken)
        {
            return;
        }
        stopped = true;
        RuntimeException failure = null;
        for (final AgentRunner runner : runners)
        {
            try
            {
                runner.close();
            }
            catch (final RuntimeException ex)
            {
                failure = ex;
            }
        }
        runners.clear();
        try
        {
            if (nicCounters != null)
            {
                nicCounters.publish(true); // the threads are gone: this thread is the socket's only user now
            }
        }
        finally
        {
            if (socket != null)
            {
                socket.close();
                socket = null;
            }
            if (sideTaken)
            {
                link.release(side);
                sideTaken = false;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /** {@link #stop()}, then unmaps the counters file (which stays on disk). Idempotent. */
    @Override
    public synchronized void close()
    {
        try
        {
            stop();
        }
        finally
        {
            if (!closed)
            {
                closed = true;
                if (countersFile != null)
                {
                    countersFile.close();
                }
            }
        }
    }

    @Override
    public String toString()
    {
        return "synack " + Ipv4Address.toString(config.ip()) + "/" + config.prefixLength() + " on " + wire + ", "
            + threadsDescription;
    }
}
