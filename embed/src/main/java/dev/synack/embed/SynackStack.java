package dev.synack.embed;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
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
import dev.synack.nic.bpf.XskRedirectProgram;
import dev.synack.nic.ffi.Native;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.ffi.NetNamespace;
import dev.synack.nic.rss.Ethtool;
import dev.synack.nic.rss.RssSteering;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.stack.StackAgent;
import dev.synack.stack.StackConfig;
import dev.synack.stat.CountersFile;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.tcp.LocalPortFilter;
import dev.synack.time.SystemNanoClock;
import dev.synack.wire.FrameRing;

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
 * <p>
 * <b>Several queues</b> ({@link SynackBuilder#queues}): one stack per queue, share-nothing — each {@link #queue(int)}
 * is a whole one-queue {@code SynackStack} (its AF_XDP socket, NIC agent, stack, connection table, timers, buffers,
 * counters and threads); they share the XDP program with its XSKMAP, the counters file (each queue's labels start
 * with "qN: ") and the address. {@link #listen} and {@link #unlisten} act on every queue, {@link #connect} opens on
 * the queues in turn; {@link #counters()} sums them; what belongs to one stack thread ({@link #stack()},
 * {@link #call}, {@link #channel}, {@link #nic()}) is asked of {@code queue(i)}.
 */
public final class SynackStack implements AutoCloseable
{
    /** Agrona type id of the embedding's own counters (errors on its threads). */
    public static final int TYPE_EMBED = 1005;
    /** Counters left free in the counters file for the application (through {@link SynackBuilder#agent}). */
    public static final int APPLICATION_COUNTERS = 64;

    private static final int FRAME_RING_BYTES = 4 * 1024 * 1024;
    private static final int HANDOVER_RING_BYTES = 1024 * 1024;
    /** Counters one queue of a multi-queue stack allocates beyond the stack's, the NIC's and the errors. */
    private static final int SHARD_COUNTERS = 4;
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

    // Several queues: the group holds the members and what they share; a member knows its shard.
    private final boolean group;
    private final Shard shard;
    private final int queueId;
    private final List<SynackStack> members = new ArrayList<>();
    private final AtomicInteger nextQueue = new AtomicInteger();
    private XskRedirectProgram program;
    private String steering = "one queue";
    private int statsBaseId = -1;
    private HandoverAgent handoverAgent;
    private AtomicCounter handedOver;
    private AtomicCounter takenOver;
    private AtomicCounter arpCopies;
    private AtomicCounter handoverFull;

    /**
     * What one queue's stack of a multi-queue stack is given.
     *
     * @param index its place among the queues (0 .. count - 1).
     * @param queue the NIC queue id.
     * @param manager the counters shared by every queue.
     * @param reader their reader.
     * @param program the XDP program every queue's socket registers in.
     * @param handover every queue's handover ring, by index.
     * @param rss the NIC's RSS, when it can be predicted; null to hand active opens' segments over by port.
     */
    record Shard(int index, int queue, CountersManager manager, CountersReader reader, XskRedirectProgram program,
        RingBuffer[] handover, RssSteering rss)
    {
        int count()
        {
            return handover.length;
        }
    }

    private SynackStack(final SynackBuilder builder, final StackConfig config, final boolean group, final Shard shard)
    {
        this.config = config;
        final String base = builder.name.isEmpty() ? "" : builder.name + " ";
        this.prefix = shard != null ? base + "q" + shard.queue() + ": " : builder.name.isEmpty() ? ""
            : builder.name + ": ";
        this.link = builder.link;
        this.side = builder.side;
        this.group = group;
        this.shard = shard;
        this.queueId = shard != null ? shard.queue() : builder.link != null ? -1 : builder.queue;
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
        final SynackStack stack = new SynackStack(builder, config, false, null);
        try
        {
            stack.launch(builder, memoryWire);
            return stack;
        }
        catch (final RuntimeException | Error ex)
        {
            throw startFailed(stack, ex);
        }
    }

    /**
     * Starts one stack per queue sharing one XDP program; on any failure releases what was made (threads joined,
     * sockets closed, the program detached, the counters file unmapped) and throws.
     *
     * @param builder the checked arguments, with two or more queues.
     * @param configs each queue's stack configuration, validated, in the order of {@code queues}.
     * @param queues the NIC queue ids.
     * @return the running multi-queue stack.
     */
    static SynackStack startQueues(final SynackBuilder builder, final StackConfig[] configs, final int[] queues)
    {
        final SynackStack stack = new SynackStack(builder, configs[0], true, null);
        try
        {
            stack.launchQueues(builder, configs, queues);
            return stack;
        }
        catch (final RuntimeException | Error ex)
        {
            throw startFailed(stack, ex);
        }
    }

    private void launchQueues(final SynackBuilder builder, final StackConfig[] configs, final int[] queues)
    {
        final int count = queues.length;
        openCounters(builder, count * perQueueCounters());
        try
        {
            attachProgram(builder);
        }
        catch (final NativeException ex)
        {
            throw new SynackConfigException(oneLine(ex), ex);
        }
        final RssSteering rss = predictableRss(builder, queues);
        final RingBuffer[] handover = new RingBuffer[count];
        for (int i = 0; i < count; i++)
        {
            handover[i] = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(HANDOVER_RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
        }
        for (int i = 0; i < count; i++)
        {
            final SynackStack member = new SynackStack(builder, configs[i], false,
                new Shard(i, queues[i], manager, reader, program, handover, rss));
            member.steering = steering;
            members.add(member); // before it starts: a failure half-way closes it with the others
            member.launch(builder, null);
        }
        wire = members.get(0).wire + "; " + count + " queues " + Arrays.toString(queues) + ", " + steering;
        threadsDescription = count + " queues, each: " + members.get(0).threadsDescription;
    }

    private void attachProgram(final SynackBuilder builder)
    {
        final NetNamespace inside = NetNamespace.enter(builder.namespace);
        try
        {
            final int ifindex = Native.LIBC.if_nametoindex(builder.device);
            if (ifindex == 0)
            {
                throw new SynackConfigException("no such interface " + builder.device + (builder.namespace == null
                    ? "" : " in network namespace " + builder.namespace) + ": check `ip link`");
            }
            program = XskRedirectProgram.attach(builder.device, ifindex, builder.xdpMode.attachFlags());
        }
        finally
        {
            inside.close();
        }
    }

    /** The NIC's RSS when active opens can choose ports by it; otherwise null, and {@link #steering} says why. */
    private RssSteering predictableRss(final SynackBuilder builder, final int[] queues)
    {
        RssSteering rss;
        try
        {
            rss = Ethtool.rss(builder.device, builder.namespace);
        }
        catch (final NativeException ex)
        {
            rss = null;
        }
        if (rss == null)
        {
            steering = "active opens' return traffic handed over between queues by port (" + builder.device
                + " does not report a Toeplitz RSS key and table: ETHTOOL_GRSSH)";
            return null;
        }
        for (final int queue : queues)
        {
            if (rss.entriesFor(queue) == 0)
            {
                throw new SynackConfigException("queue " + queue + ": " + builder.device + "'s RSS indirection table"
                    + " sends no flow there (" + rss + "): spread it over the queues, e.g. `ethtool -X "
                    + builder.device + " equal " + queues.length + "`");
            }
        }
        steering = "active opens choose ports whose RSS hash lands on their queue (" + rss + ")";
        return rss;
    }

    private static int perQueueCounters()
    {
        return StackCounters.COUNT + NicCounters.COUNT + 1 + SHARD_COUNTERS + APPLICATION_COUNTERS;
    }

    private void openCounters(final SynackBuilder builder, final int capacity)
    {
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
    }

    private void launch(final SynackBuilder builder, final String memoryWire)
    {
        if (shard != null)
        {
            manager = shard.manager();
            reader = shard.reader();
        }
        else
        {
            openCounters(builder, StackCounters.COUNT + NicCounters.COUNT + 1 + APPLICATION_COUNTERS);
        }
        final AtomicCounter errors = manager.newCounter(prefix + "errors on synack threads", TYPE_EMBED);
        statsBaseId = errors.id() + 1; // a fresh manager hands out ids in order: the stack's counters come next
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
        if (shard != null)
        {
            handedOver = manager.newCounter(prefix + "frames handed over to another queue's stack", TYPE_EMBED);
            takenOver = manager.newCounter(prefix + "frames taken over from another queue's stack", TYPE_EMBED);
            arpCopies = manager.newCounter(prefix + "ARP replies copied to another queue's stack", TYPE_EMBED);
            handoverFull = manager.newCounter(prefix + "frames lost: handover ring full", TYPE_EMBED);
            stack.tcp().localPortFilter(portFilter(shard, config.ip()));
            handoverAgent = new HandoverAgent(shard.handover()[shard.index()], stack, takenOver);
        }
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
        if (handoverAgent != null)
        {
            stackAgents.add(handoverAgent);
        }
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
        final XdpConfig xdp = XdpConfig.builder(builder.device).namespace(builder.namespace)
            .queue(shard != null ? shard.queue() : builder.queue).program(shard != null ? shard.program() : null)
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
        if (shard != null)
        {
            nic.steering(new QueueSteering(shard.index(), rx, shard.handover(), shard.rss() == null, handedOver,
                arpCopies, handoverFull, config.ephemeralFirst(), config.ephemeralLast()));
        }
        nicCounters = new NicCounters(manager, nic, socket, SystemNanoClock.INSTANCE, shard == null ? "" : prefix);
    }

    private static Agent composite(final List<Agent> agents)
    {
        return agents.size() == 1 ? agents.get(0) : new CompositeAgent(agents);
    }

    /**
     * Which ephemeral ports this queue's active opens take: those whose return traffic reaches this queue — by the
     * NIC's RSS when it can be predicted, otherwise the port partition {@link QueueSteering} hands segments over by.
     */
    static LocalPortFilter portFilter(final Shard shard, final int localIp)
    {
        final RssSteering rss = shard.rss();
        final int index = shard.index();
        final int count = shard.count();
        final int queue = shard.queue();
        if (rss != null)
        {
            return (remoteIp, remotePort, localPort) -> rss.queueOf(remoteIp, localIp, remotePort, localPort) == queue;
        }
        return (remoteIp, remotePort, localPort) -> QueueSteering.ownsPort(index, count, localPort);
    }

    private int cpu(final SynackBuilder builder, final int index)
    {
        final int at = (shard == null ? 0 : shard.index() * builder.threads()) + index;
        return builder.cpus.length > at ? builder.cpus[at] : -1;
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
        return FrameRing.allocate(FRAME_RING_BYTES);
    }

    private static void printError(final Throwable error)
    {
        final PrintStream err = System.err;
        err.print("synack: error on a stack thread (it goes on): ");
        error.printStackTrace(err);
    }

    /**
     * Releases what a failed start made (threads joined, sockets closed, the program detached, the counters file
     * unmapped) and says why in one line.
     *
     * @param stack the half-started stack.
     * @param ex why it failed.
     * @return the exception to throw: {@code ex} itself when it already is a configuration error.
     */
    private static SynackConfigException startFailed(final SynackStack stack, final Throwable ex)
    {
        try
        {
            stack.close();
        }
        catch (final RuntimeException suppressed)
        {
            ex.addSuppressed(suppressed);
        }
        return ex instanceof SynackConfigException config ? config
            : new SynackConfigException("start-up failed: " + oneLine(ex), ex);
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
     * Passive open: accept connections on a port, each one told to {@code handler} on the stack thread. With several
     * queues the one handler is called on every queue's thread: it must keep no state (or use {@link #listenEach}).
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

    /**
     * Passive open with a handler per queue: with several queues each queue's stack thread gets its own (a handler
     * that keeps state must not be shared between threads). With one queue, {@code handlerForQueue.apply(0)}.
     *
     * @param port the local port, 1..65535.
     * @param handlerForQueue makes queue {@code i}'s handler (i = 0 .. {@link #queueCount()} - 1).
     * @return this.
     * @throws IllegalArgumentException for a bad port or one already listening.
     */
    public SynackStack listenEach(final int port, final IntFunction<? extends TcpHandler> handlerForQueue)
    {
        if (group)
        {
            for (int i = 0; i < members.size(); i++)
            {
                members.get(i).listenOn(port, handlerForQueue.apply(i));
            }
            return this;
        }
        return listenOn(port, handlerForQueue.apply(0));
    }

    private SynackStack listenOn(final int port, final TcpHandler handler)
    {
        if (group)
        {
            // one handler on every queue's thread: the caller's choice (a stateless handler, as the echo lambda)
            for (final SynackStack member : members)
            {
                member.listenOn(port, handler);
            }
            return this;
        }
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
        if (group)
        {
            boolean any = false;
            for (final SynackStack member : members)
            {
                any |= member.unlisten(port);
            }
            return any;
        }
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
        if (group)
        {
            // the queues in turn; the handle is that queue's (queue(i).connect to choose the queue)
            return members.get(Math.floorMod(nextQueue.getAndIncrement(), members.size())).connect(ip, port, handler);
        }
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
        requireOneQueue("call(...)");
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
        requireOneQueue("stack()");
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
        requireOneQueue("channel(...)");
        return channels.get(index);
    }

    /** @return the channels' agent, for its figures (errors, backpressure) only; null without channels. */
    public ChannelAgent channelAgent()
    {
        requireOneQueue("channelAgent()");
        return channelAgent;
    }

    /**
     * @return the stack's counters, readable from any thread while the stack is not closed. With several queues, a
     *     snapshot of their sums taken now (it allocates; {@link #total} does not, and {@code queue(i).counters()}
     *     is one queue's, live).
     */
    public StackCounters counters()
    {
        if (!group)
        {
            return counters;
        }
        final CountersManager sums = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(StackCounters.COUNT * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(StackCounters.COUNT * CountersReader.COUNTER_LENGTH)),
            StandardCharsets.US_ASCII);
        final StackCounters snapshot = new StackCounters(sums, "");
        for (int i = 0; i < StackCounters.COUNT; i++)
        {
            long sum = 0;
            for (final SynackStack member : members)
            {
                sum += reader.getCounterValue(member.statsBaseId + i);
            }
            sums.setCounterValue(i, sum);
        }
        return snapshot;
    }

    /**
     * @param counter a stack counter.
     * @return its value, summed over the queues; allocation-free, any thread.
     */
    public long total(final StackCounter counter)
    {
        if (!group)
        {
            return counters.get(counter);
        }
        long sum = 0;
        for (final SynackStack member : members)
        {
            sum += member.counters.get(counter);
        }
        return sum;
    }

    /** @return how many NIC queues (and stacks) this runs: 1 unless the builder was given several queues. */
    public int queueCount()
    {
        return group ? members.size() : 1;
    }

    /**
     * One queue's stack: a whole one-queue {@code SynackStack} (its own stack thread, connection table, counters).
     * Start and close it only through this one.
     *
     * @param index 0 .. {@link #queueCount()} - 1, in the order the queues were given.
     * @return that queue's stack; this stack itself when it runs one queue.
     */
    public SynackStack queue(final int index)
    {
        if (!group)
        {
            if (index != 0)
            {
                throw new IndexOutOfBoundsException("queue " + index + ": this stack runs one queue (index 0)");
            }
            return this;
        }
        return members.get(index);
    }

    /** @return the NIC queue id this stack reads (with several queues, the first one's; -1 on the memory wire). */
    public int queueId()
    {
        return group ? members.get(0).queueId() : queueId;
    }

    /**
     * @return frames this queue's NIC agent handed to another queue's stack (active opens' return traffic that
     *     arrived on the wrong queue), summed over the queues for a multi-queue stack; 0 with one queue.
     */
    public long handedOver()
    {
        return sum(s -> s.handedOver);
    }

    /** @return frames this queue's stack took over from other queues (summed for a multi-queue stack). */
    public long takenOver()
    {
        return sum(s -> s.takenOver);
    }

    /** @return ARP replies copied to other queues' stacks, so each neighbour table learns (summed). */
    public long arpCopies()
    {
        return sum(s -> s.arpCopies);
    }

    /** @return frames lost because a handover ring was full (summed). */
    public long handoverLost()
    {
        return sum(s -> s.handoverFull);
    }

    private long sum(final Function<SynackStack, AtomicCounter> which)
    {
        if (!group)
        {
            final AtomicCounter counter = which.apply(this);
            return counter == null ? 0 : counter.get();
        }
        long total = 0;
        for (final SynackStack member : members)
        {
            total += member.sum(which);
        }
        return total;
    }

    /** @return how flows are kept on their stack's queue, for operators ("one queue" with one). */
    public String steering()
    {
        return steering;
    }

    private void requireOneQueue(final String what)
    {
        if (group)
        {
            throw new IllegalStateException(what + ": this stack runs " + members.size() + " queues, each on its own"
                + " thread: ask queue(i)." + what);
        }
    }

    /** @return a reader over every counter (stack, NIC, application), from any thread until close. */
    public CountersReader countersReader()
    {
        return reader;
    }

    /** @return the NIC agent (its figures may be read from any thread as approximate), or null on the memory wire. */
    public NicAgent nic()
    {
        requireOneQueue("nic()");
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
        if (group)
        {
            for (final SynackStack member : members)
            {
                if (!member.pinned())
                {
                    return false;
                }
            }
            return true;
        }
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
        if (group)
        {
            stopQueues();
            return;
        }
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

    /** Stops every queue's stack (each closes its socket), then detaches the shared XDP program. */
    private void stopQueues()
    {
        stopped = true;
        RuntimeException failure = null;
        for (final SynackStack member : members)
        {
            try
            {
                member.stop();
            }
            catch (final RuntimeException ex)
            {
                failure = ex;
            }
        }
        if (program != null)
        {
            program.close();
            program = null;
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
                for (final SynackStack member : members)
                {
                    member.close(); // they share this stack's counters: nothing of theirs to unmap
                }
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
