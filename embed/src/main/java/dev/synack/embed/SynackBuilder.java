package dev.synack.embed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersManager;

import dev.synack.ip.Ipv4Address;
import dev.synack.nic.bpf.XskRedirectProgram;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.stack.DirectMemory;
import dev.synack.stack.StackConfig;
import dev.synack.wire.FrameTap;
import dev.synack.wire.MacAddress;

/**
 * Everything one synack stack on one NIC queue needs, then {@link #start()}. Made by {@link Synack#builder()}.
 * <p>
 * Required: where ({@link #device} — with {@link #namespace} and {@link #queue} — or {@link #memoryWire} for tests
 * and examples) and {@link #address}. Everything else has a default: the interface's own MAC, no gateway (on-link
 * only), generic (skb) XDP in copy mode, 1024 connections with 16 KiB buffers each way, one thread backing off when
 * idle, unpinned, counters on the heap, no capture tap, one {@code StackChannel}.
 * <p>
 * {@link #validate()} checks the arguments alone; {@link #start()} checks them and the host (the interface, its rx
 * queues, the process's capabilities, the CPUs) before it opens anything. Either throws one
 * {@link SynackConfigException} whose one line names the bad value. The setters only record; a builder may start
 * several stacks in turn (one at a time per queue). Not thread-safe: configure on one thread.
 * <p>
 * Several queues ({@link #queues} or {@link #queueCount}): one share-nothing stack per queue (DESIGN.md §3), each on
 * its own thread(s) with its own AF_XDP socket, connection table, timers, buffers and counters; they share the XDP
 * program and the address. Use native (drv) XDP on veth, where generic (skb) mode delivers every frame on queue 0.
 */
public final class SynackBuilder
{
    /** Default connection table capacity. */
    public static final int DEFAULT_CONNECTIONS = 1024;
    /** Default per-connection send and receive buffer (bytes). */
    public static final int DEFAULT_BUFFER_BYTES = 16 * 1024;
    /** The largest IP packet sent (a 1514-byte frame, MSS 1460), even on a jumbo-MTU interface. */
    public static final int MAX_MTU = 1500;
    /** The least MTU synack runs on. */
    public static final int MIN_MTU = 576;
    private static final int NO_BAD_COUNT = Integer.MIN_VALUE;

    String device;
    String namespace;
    int queue;
    int[] queues;
    int badQueueCount = NO_BAD_COUNT;
    MemoryLink link;
    MemoryLink.Side side;
    String address;
    String mac;
    String gateway;
    XdpMode xdpMode = XdpMode.GENERIC;
    boolean zeroCopy;
    int connections = DEFAULT_CONNECTIONS;
    int sendBufferBytes = DEFAULT_BUFFER_BYTES;
    int receiveBufferBytes = DEFAULT_BUFFER_BYTES;
    Threading threading = Threading.ONE_THREAD;
    boolean busySpin;
    IdleStrategy stackIdle;
    IdleStrategy nicIdle;
    int[] cpus = new int[0];
    Path countersFile;
    FrameTap tap;
    String name = "";
    int channels = 1;
    int eventRingBytes = 1 << 20;
    Function<CountersManager, Agent> agentFactory;
    Consumer<StackConfig> tuning;
    ErrorHandler errorHandler;

    // Where the host is read: fixed paths, replaced only by tests of the messages.
    Path sysNet = Path.of("/sys/class/net");
    Path procStatus = Path.of("/proc/self/status");
    Path cpusOnline = Path.of("/sys/devices/system/cpu/online");
    StartHook hook = StartHook.NONE;

    SynackBuilder()
    {
    }

    /**
     * @param interfaceName the interface whose queue the stack owns, e.g. "eth1".
     * @return this.
     */
    public SynackBuilder device(final String interfaceName)
    {
        this.device = interfaceName;
        return this;
    }

    /**
     * @param netns the network namespace the interface is in (a name from {@code ip netns list}); null for ours.
     * @return this.
     */
    public SynackBuilder namespace(final String netns)
    {
        this.namespace = netns;
        return this;
    }

    /**
     * @param queueId the interface's rx queue the stack owns (default 0); steer its flows there (RSS, ethtool -N).
     * @return this.
     */
    public SynackBuilder queue(final int queueId)
    {
        this.queue = queueId;
        this.queues = null;
        this.badQueueCount = NO_BAD_COUNT;
        return this;
    }

    /**
     * One stack per queue, share-nothing: each queue gets its own AF_XDP socket, NIC agent, stack, connection table,
     * timers, buffers, counters and thread(s) (with {@link #cpus}, one CPU per thread, queue after queue). Passive
     * opens are served on whatever queue the NIC puts a flow; active opens take source ports whose return traffic
     * reaches their own queue (chosen by the NIC's Toeplitz RSS when ethtool reports it, otherwise handed over
     * between the queues' stacks). Replaces {@link #queue}.
     *
     * @param queueIds the NIC's rx queue ids, distinct; one id is the same as {@link #queue}.
     * @return this.
     */
    public SynackBuilder queues(final int... queueIds)
    {
        this.badQueueCount = NO_BAD_COUNT;
        this.queues = queueIds.clone();
        if (queueIds.length == 1)
        {
            this.queue = queueIds[0];
        }
        return this;
    }

    /**
     * @param count how many queues, 0 .. count - 1: {@code queues(0, 1, ..., count - 1)}.
     * @return this.
     */
    public SynackBuilder queueCount(final int count)
    {
        final int[] ids = new int[Math.max(1, Math.min(count, XskRedirectProgram.MAX_QUEUES))];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = i;
        }
        queues(ids);
        this.badQueueCount = count < 1 || count > XskRedirectProgram.MAX_QUEUES ? count : NO_BAD_COUNT;
        return this;
    }

    /**
     * Runs on one side of an in-memory cable instead of a NIC: no interface, no privilege, any machine.
     *
     * @param memoryLink the cable.
     * @param end which end; side A carries the wire on its thread.
     * @return this.
     */
    public SynackBuilder memoryWire(final MemoryLink memoryLink, final MemoryLink.Side end)
    {
        this.link = memoryLink;
        this.side = end;
        return this;
    }

    /**
     * @param cidr the stack's IPv4 address with its prefix length, e.g. "198.18.0.1/24". The kernel must not also
     *     hold it on the interface.
     * @return this.
     */
    public SynackBuilder address(final String cidr)
    {
        this.address = cidr;
        return this;
    }

    /**
     * @param macAddress the stack's MAC, "02:00:00:00:00:01"; default the interface's own (on the memory wire
     *     02:00:00:00:00:0A or :0B by side).
     * @return this.
     */
    public SynackBuilder mac(final String macAddress)
    {
        this.mac = macAddress;
        return this;
    }

    /**
     * @param router the default gateway, on the address's subnet; default none (on-link peers only).
     * @return this.
     */
    public SynackBuilder gateway(final String router)
    {
        this.gateway = router;
        return this;
    }

    /**
     * @param mode {@link XdpMode#GENERIC} (skb, works everywhere; the default) or {@link XdpMode#NATIVE} (drv).
     * @return this.
     */
    public SynackBuilder xdpMode(final XdpMode mode)
    {
        this.xdpMode = mode;
        return this;
    }

    /**
     * @param zeroCopyBind bind in zero-copy mode (native mode and driver support needed); default copy mode.
     * @return this.
     */
    public SynackBuilder zeroCopy(final boolean zeroCopyBind)
    {
        this.zeroCopy = zeroCopyBind;
        return this;
    }

    /**
     * @param count the connection table's capacity (TIME-WAIT included), fixed at start.
     * @return this.
     */
    public SynackBuilder connections(final int count)
    {
        this.connections = count;
        return this;
    }

    /**
     * @param sendBytes each connection's send buffer, a power of two of at least 1024.
     * @param receiveBytes each connection's receive buffer (its largest window), a power of two of at least 1024.
     * @return this.
     */
    public SynackBuilder bufferBytes(final int sendBytes, final int receiveBytes)
    {
        this.sendBufferBytes = sendBytes;
        this.receiveBufferBytes = receiveBytes;
        return this;
    }

    /**
     * @param shape one thread for the whole duty cycle (the default) or the NIC agent and the stack on two.
     * @return this.
     */
    public SynackBuilder threading(final Threading shape)
    {
        this.threading = shape;
        return this;
    }

    /**
     * Idle by spinning: the lowest latency, a whole core per thread even with no traffic.
     *
     * @return this.
     */
    public SynackBuilder busySpin()
    {
        this.busySpin = true;
        this.stackIdle = null;
        this.nicIdle = null;
        return this;
    }

    /**
     * Idle by backing off (the default): spin a little, yield a little, then park up to 100 µs.
     *
     * @return this.
     */
    public SynackBuilder backoff()
    {
        this.busySpin = false;
        this.stackIdle = null;
        this.nicIdle = null;
        return this;
    }

    /**
     * Idle as the given strategy says. An {@code IdleStrategy} keeps per-thread state: with
     * {@link Threading#TWO_THREADS} give the NIC thread its own with {@link #nicIdleStrategy}.
     *
     * @param strategy the stack thread's (with one thread, the only thread's).
     * @return this.
     */
    public SynackBuilder idleStrategy(final IdleStrategy strategy)
    {
        this.stackIdle = strategy;
        return this;
    }

    /**
     * @param strategy the NIC thread's idle strategy, with {@link Threading#TWO_THREADS} and
     *     {@link #idleStrategy}; another instance than the stack thread's.
     * @return this.
     */
    public SynackBuilder nicIdleStrategy(final IdleStrategy strategy)
    {
        this.nicIdle = strategy;
        return this;
    }

    /**
     * Pins the threads: one CPU id with {@link Threading#ONE_THREAD}, two (NIC, then stack) with
     * {@link Threading#TWO_THREADS}. Pinning is best effort: {@link SynackStack#pinned()} says whether it took.
     *
     * @param cpuIds CPU ids, 0-based; none to leave the threads unpinned (the default).
     * @return this.
     */
    public SynackBuilder cpus(final int... cpuIds)
    {
        this.cpus = cpuIds.clone();
        return this;
    }

    /**
     * @param path a memory-mapped file for the counters, for {@code synack stat PATH} from another process; its
     *     directory must exist; it is replaced at start and kept after close. Default: counters on the heap.
     * @return this.
     */
    public SynackBuilder countersFile(final Path path)
    {
        this.countersFile = path;
        return this;
    }

    /**
     * @param frameTap told of every frame in and out on the stack thread (capture, tracing); default none.
     * @return this.
     */
    public SynackBuilder tap(final FrameTap frameTap)
    {
        this.tap = frameTap;
        return this;
    }

    /**
     * @param stackName names the threads, and prefixes the counters' labels ("name: ..."); default none.
     * @return this.
     */
    public SynackBuilder name(final String stackName)
    {
        this.name = stackName;
        return this;
    }

    /**
     * @param count how many {@code StackChannel}s other threads may use (each one polling thread); default 1.
     * @param ringBytes each channel's event ring, a power of two; a DATA event carries up to an eighth of it.
     * @return this.
     */
    public SynackBuilder channels(final int count, final int ringBytes)
    {
        this.channels = count;
        this.eventRingBytes = ringBytes;
        return this;
    }

    /**
     * An application agent on the stack thread, run after the stack in every duty cycle (timers, workloads,
     * publishing its own figures). Made once at start, with the counters' manager so it can add counters.
     *
     * @param factory makes the agent.
     * @return this.
     */
    public SynackBuilder agent(final Function<CountersManager, Agent> factory)
    {
        this.agentFactory = factory;
        return this;
    }

    /**
     * @param stackConfig sets anything else {@link StackConfig} has (timers, backlog, options), applied after the
     *     builder's own values and validated with them.
     * @return this.
     */
    public SynackBuilder tune(final Consumer<StackConfig> stackConfig)
    {
        this.tuning = stackConfig;
        return this;
    }

    /**
     * @param handler told of what an agent threw on a synack thread (the thread goes on); default: printed to
     *     standard error. Every such error is also counted ("errors on synack threads").
     * @return this.
     */
    public SynackBuilder errorHandler(final ErrorHandler handler)
    {
        this.errorHandler = handler;
        return this;
    }

    /**
     * Checks the arguments alone (no system calls), and that every queue's connection rings fit the JVM's direct
     * memory: the same checks {@link #start()} begins with.
     *
     * @return this.
     * @throws SynackConfigException naming the first bad value.
     */
    public SynackBuilder validate()
    {
        final StackConfig config = stackConfig(MacAddress.parse("02:00:00:00:00:01"), MAX_MTU);
        try
        {
            // Every queue's stack preallocates its rings in this JVM: all of them must fit its direct memory.
            DirectMemory.requireRings(config, link != null ? 1 : queueIds().length, DirectMemory.limit());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SynackConfigException(ex.getMessage());
        }
        return this;
    }

    /**
     * Checks the arguments and the host, opens the queue (or takes the memory wire's side), starts the threads and
     * returns once they run. A failure half-way releases what was made before it throws.
     *
     * @return the running stack; close it to stop.
     * @throws SynackConfigException naming the bad value, the missing privilege, or the failed call.
     */
    public SynackStack start()
    {
        validate();
        final BitSet online = HostCheck.onlineCpus(cpusOnline);
        for (final int cpu : cpus)
        {
            if (online != null && !online.get(cpu))
            {
                throw new SynackConfigException("cpus: CPU " + cpu + " is not online (online: " + online + ", from "
                    + cpusOnline + ")");
            }
        }
        if (link != null)
        {
            final long ourMac = mac != null ? MacAddress.parse(mac) : side == MemoryLink.Side.A ? 0x02_00_00_00_00_0AL
                : 0x02_00_00_00_00_0BL;
            return SynackStack.start(this, stackConfig(ourMac, MAX_MTU), "memory wire, side " + side);
        }
        final HostCheck.Nic nic = HostCheck.nic(sysNet, device, namespace);
        for (final int id : queueIds())
        {
            if (id >= nic.rxQueues())
            {
                throw new SynackConfigException("queue " + id + ": " + device + " has " + nic.rxQueues() + " rx queue"
                    + (nic.rxQueues() == 1 ? "" : "s") + " (0.." + (nic.rxQueues() - 1) + ", from " + nic.source()
                    + ")");
            }
        }
        if (nic.mtu() < MIN_MTU)
        {
            throw new SynackConfigException(device + " has MTU " + nic.mtu() + ": synack needs at least " + MIN_MTU);
        }
        HostCheck.requireAfXdpCapabilities(procStatus, device);
        final long ourMac = mac != null ? MacAddress.parse(mac) : nic.mac();
        final int[] ids = queueIds();
        if (ids.length == 1)
        {
            return SynackStack.start(this, stackConfig(ourMac, Math.min(nic.mtu(), MAX_MTU)), null);
        }
        final StackConfig[] configs = new StackConfig[ids.length];
        final String base = name.isEmpty() ? "synack" : name;
        for (int i = 0; i < ids.length; i++)
        {
            configs[i] = stackConfig(ourMac, Math.min(nic.mtu(), MAX_MTU)).name(base + "-q" + ids[i]);
        }
        return SynackStack.startQueues(this, configs, ids);
    }

    /** @return the queue ids asked for: {@link #queues}, or the one {@link #queue}. */
    int[] queueIds()
    {
        return queues != null && queues.length > 0 ? queues.clone() : new int[] {queue};
    }

    /** Checks every argument and makes the stack's configuration; throws naming the first bad value. */
    StackConfig stackConfig(final long ourMac, final int mtu)
    {
        checkWhere();
        final StackConfig config = new StackConfig().name(name.isEmpty() ? "synack" : name).mac(ourMac)
            .maxFrameLength(14 + mtu).isnSecret(new SecureRandom().nextLong());
        checkAddress(config);
        checkXdp();
        if (connections <= 0 || connections > (1 << 22))
        {
            throw new SynackConfigException("connections " + connections + ": must be 1.." + (1 << 22));
        }
        checkBuffer("send", sendBufferBytes);
        checkBuffer("receive", receiveBufferBytes);
        config.maxConnections(connections).listenBacklog(Math.min(connections, 4096))
            .sendBufferSize(sendBufferBytes).receiveBufferSize(receiveBufferBytes);
        checkThreads();
        checkObservability();
        if (tuning != null)
        {
            tuning.accept(config);
        }
        try
        {
            return config.validate();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SynackConfigException(ex.getMessage());
        }
    }

    private void checkWhere()
    {
        if (link != null)
        {
            if (device != null)
            {
                throw new SynackConfigException("device '" + device + "' and memoryWire(...) exclude each other:"
                    + " give one");
            }
            if (side == null)
            {
                throw new SynackConfigException("memoryWire side is null: give MemoryLink.Side.A or B");
            }
            if (queues != null && queues.length > 1)
            {
                throw new SynackConfigException("queues " + Arrays.toString(queues) + ": the memory wire has one"
                    + " queue");
            }
            return;
        }
        if (device == null)
        {
            throw new SynackConfigException("device is required: the interface whose queue the stack owns, e.g."
                + " device(\"eth1\") (or memoryWire(...) for tests)");
        }
        final String badName = HostCheck.badInterfaceName(device);
        if (badName != null)
        {
            throw new SynackConfigException(badName);
        }
        if (namespace != null && (namespace.isEmpty() || namespace.contains("/")))
        {
            throw new SynackConfigException("namespace '" + namespace + "': must be a name from `ip netns list`");
        }
        if (badQueueCount != NO_BAD_COUNT)
        {
            throw new SynackConfigException("queueCount " + badQueueCount + ": must be 1.."
                + XskRedirectProgram.MAX_QUEUES);
        }
        if (queues != null && queues.length == 0)
        {
            throw new SynackConfigException("queues []: give at least one queue id");
        }
        final BitSet seen = new BitSet();
        for (final int id : queueIds())
        {
            if (id < 0 || id >= XskRedirectProgram.MAX_QUEUES)
            {
                throw new SynackConfigException("queue " + id + ": must be 0.." + (XskRedirectProgram.MAX_QUEUES - 1));
            }
            if (seen.get(id))
            {
                throw new SynackConfigException("queues " + Arrays.toString(queues) + ": queue " + id + " is given"
                    + " twice (one stack per queue)");
            }
            seen.set(id);
        }
    }

    private void checkAddress(final StackConfig config)
    {
        if (address == null)
        {
            throw new SynackConfigException("address is required: the stack's IPv4 address and prefix, e.g."
                + " address(\"198.18.0.1/24\")");
        }
        final int slash = address.indexOf('/');
        if (slash < 0)
        {
            throw new SynackConfigException("address '" + address + "' needs a prefix length, e.g. " + address
                + "/24");
        }
        final int prefix;
        final int ip;
        try
        {
            prefix = Integer.parseInt(address.substring(slash + 1));
            ip = Ipv4Address.parse(address.substring(0, slash));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SynackConfigException("address '" + address + "': " + ex.getMessage());
        }
        if (prefix < 1 || prefix > 30)
        {
            throw new SynackConfigException("address '" + address + "': the prefix length must be 1..30");
        }
        if (Ipv4Address.isMartianSource(ip))
        {
            throw new SynackConfigException("address '" + address + "': not a unicast host address");
        }
        config.ip(address);
        if (mac != null)
        {
            final long parsed;
            try
            {
                parsed = MacAddress.parse(mac);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new SynackConfigException("mac '" + mac + "': " + ex.getMessage());
            }
            if (parsed == 0 || MacAddress.isMulticast(parsed))
            {
                throw new SynackConfigException("mac '" + mac + "': must be a unicast address");
            }
        }
        if (gateway != null)
        {
            final int router;
            try
            {
                router = Ipv4Address.parse(gateway);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new SynackConfigException("gateway '" + gateway + "': " + ex.getMessage());
            }
            final int mask = Ipv4Address.mask(prefix);
            if ((router & mask) != (ip & mask) || router == ip)
            {
                throw new SynackConfigException("gateway '" + gateway + "': must be another address on " + address
                    + "'s subnet");
            }
            config.gateway(gateway);
        }
    }

    private void checkXdp()
    {
        if (link != null)
        {
            return;
        }
        if (xdpMode == null)
        {
            throw new SynackConfigException("xdpMode is null: give XdpMode.GENERIC (skb) or XdpMode.NATIVE (drv)");
        }
        if (zeroCopy && xdpMode != XdpMode.NATIVE)
        {
            throw new SynackConfigException("zeroCopy needs xdpMode NATIVE (drv): generic (skb) mode copies");
        }
    }

    private static void checkBuffer(final String which, final int bytes)
    {
        if (bytes < 1024 || (bytes & (bytes - 1)) != 0 || bytes > (1 << 30))
        {
            throw new SynackConfigException(which + " buffer " + bytes + " bytes: must be a power of two in"
                + " 1024..2^30");
        }
    }

    private void checkThreads()
    {
        if (threading == null)
        {
            throw new SynackConfigException("threading is null: give Threading.ONE_THREAD or TWO_THREADS");
        }
        final boolean two = threads() == 2;
        if (two && stackIdle != null && (nicIdle == null || nicIdle == stackIdle))
        {
            throw new SynackConfigException("idleStrategy: TWO_THREADS needs another IdleStrategy instance for the"
                + " NIC thread (an IdleStrategy keeps per-thread state): give nicIdleStrategy(...)");
        }
        final int queueCount = link != null ? 1 : queueIds().length;
        if (cpus.length != 0 && cpus.length != threads() * queueCount)
        {
            throw new SynackConfigException("cpus " + Arrays.toString(cpus) + ": " + (queueCount > 1 ? queueCount
                + " queues with " + (two ? "TWO_THREADS need " + 2 * queueCount + " CPU ids (NIC, stack for each"
                + " queue in turn)" : "one thread each need " + queueCount + " CPU ids (one per queue)")
                : two ? "TWO_THREADS needs 2 CPU ids (NIC, stack)" : "one thread needs 1 CPU id")
                + ", or none for no pinning");
        }
        if (queueCount > 1 && (stackIdle != null || nicIdle != null))
        {
            throw new SynackConfigException("idleStrategy: with " + queueCount + " queues every thread needs its own"
                + " IdleStrategy instance (it keeps per-thread state): use busySpin() or backoff()");
        }
        for (final int cpu : cpus)
        {
            if (cpu < 0 || cpu >= 1024)
            {
                throw new SynackConfigException("cpus: CPU " + cpu + " must be 0..1023");
            }
        }
        if (two && cpus.length == 2 && cpus[0] == cpus[1])
        {
            throw new SynackConfigException("cpus " + Arrays.toString(cpus) + ": the NIC and stack threads on one"
                + " CPU would take turns: give two CPUs, or ONE_THREAD");
        }
        final BitSet taken = new BitSet();
        for (final int cpu : cpus)
        {
            if (queueCount > 1 && taken.get(cpu))
            {
                throw new SynackConfigException("cpus " + Arrays.toString(cpus) + ": CPU " + cpu + " is given twice:"
                    + " share-nothing queues need a CPU per thread");
            }
            taken.set(cpu);
        }
    }

    private void checkObservability()
    {
        if (countersFile != null)
        {
            final Path dir = countersFile.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir))
            {
                throw new SynackConfigException("countersFile " + countersFile + ": directory " + dir
                    + " does not exist");
            }
        }
        Objects.requireNonNull(name, "name");
        if (channels < 0 || channels > 64)
        {
            throw new SynackConfigException("channels " + channels + ": must be 0..64");
        }
        if (eventRingBytes < 1024 || (eventRingBytes & (eventRingBytes - 1)) != 0)
        {
            throw new SynackConfigException("channel event ring " + eventRingBytes + " bytes: must be a power of"
                + " two of at least 1024");
        }
    }

    /** @return how many threads the stack runs on. */
    int threads()
    {
        return threading == Threading.TWO_THREADS && !(link != null && side == MemoryLink.Side.B) ? 2 : 1;
    }

    /** @return a new idle strategy for the stack thread. */
    IdleStrategy stackIdleStrategy()
    {
        return stackIdle != null ? stackIdle : defaultIdle();
    }

    /** @return a new idle strategy for the NIC thread. */
    IdleStrategy nicIdleStrategy()
    {
        return nicIdle != null ? nicIdle : defaultIdle();
    }

    private IdleStrategy defaultIdle()
    {
        return busySpin ? new BusySpinIdleStrategy() : new BackoffIdleStrategy(100, 10,
            TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
    }

    /** @return how idling is described to operators. */
    String idleDescription()
    {
        if (stackIdle != null)
        {
            return "idling with " + stackIdle.getClass().getSimpleName();
        }
        return busySpin ? "busy-spinning" : "backing off when idle (spin, yield, park up to 100 us)";
    }

    /** A seam for tests: told of each start-up stage; throwing from it makes start-up fail there. */
    interface StartHook
    {
        /** Does nothing. */
        StartHook NONE = stage -> {};

        /**
         * @param stage the stage just reached.
         */
        void reached(Stage stage);
    }

    /** Start-up stages, in order. */
    enum Stage
    {
        /** The AF_XDP socket is open and bound, the XDP program attached (or the memory side taken). */
        ATTACHED,
        /** Every thread has started. */
        RUNNING
    }
}
