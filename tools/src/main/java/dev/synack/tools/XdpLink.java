package dev.synack.tools;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.synack.nic.DutyCycleAgent;
import dev.synack.nic.NicAgent;
import dev.synack.nic.ffi.Affinity;
import dev.synack.nic.tool.Reflect;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.stack.StackAgent;
import dev.synack.wire.FrameTap;

/**
 * The two stacks on the two ends of a veth pair made by {@code tools/bin/lab-net up NAME --bare}: an AF_XDP
 * socket, a {@link NicAgent} and a stack per end, each end one {@link DutyCycleAgent} (NIC receive, stack, NIC
 * transmit with one kick). Both ends run on the calling thread by default; {@link #threadPerEnd(boolean)} moves B's
 * end to a thread of its own, pinned and busy-polling, as a service deploys one stack per core. Each frame is
 * copied once in user space per direction (UMEM to the stack's rx ring, the stack's tx ring to UMEM): the
 * narrated parts of the demo see frames through stack B's {@link dev.synack.wire.FrameTap}, not a relay.
 * <p>
 * {@link #close()} closes the sockets and always runs {@code lab-net down NAME}; a shutdown hook does the
 * same if the JVM is interrupted. Not thread-safe: one driving thread.
 */
public final class XdpLink implements Link
{
    private final DemoStacks stacks;
    private final Path labNet;
    private final String name;
    private final List<XdpSocket> sockets = new ArrayList<>();
    private final Thread hook;
    private NicAgent nicA;
    private NicAgent nicB;
    private DutyCycleAgent endA;
    private DutyCycleAgent endB;
    private FrameTap narration;
    private EndThread endThread;
    private String mode = "";
    private static final int[] CEILING_WINDOWS = {1, 16, 512};
    private Reflect.Result[] ceiling;
    private boolean closed;

    private XdpLink(final DemoStacks stacks, final Path labNet, final String name)
    {
        this.stacks = stacks;
        this.labNet = labNet;
        this.name = name;
        this.hook = new Thread(this::down, "synack-lab-net-down");
    }

    /**
     * Makes the lab network and opens both ends.
     *
     * @param stacks the two stacks.
     * @param printer told of every outgoing frame.
     * @return the link.
     * @throws NotAvailableException when not root, lab-net is missing, or a socket cannot be opened.
     */
    public static XdpLink open(final DemoStacks stacks, final FramePrinter printer)
    {
        if (!Main.isRoot())
        {
            throw new NotAvailableException("--wire xdp needs root (network namespaces, veth, AF_XDP): run as root",
                null);
        }
        final Path script = LabNet.find();
        final XdpLink link = new XdpLink(stacks, script, "demo" + ProcessHandle.current().pid() % 100000);
        Runtime.getRuntime().addShutdownHook(link.hook);
        try
        {
            link.up(printer);
            return link;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            link.close();
            throw new NotAvailableException("AF_XDP link could not be opened: " + ex.getMessage(), ex);
        }
    }

    private void up(final FramePrinter printer)
    {
        final Map<String, String> lab = LabNet.up(labNet, name, "--bare");
        ceiling = measureCeiling(lab);
        final XdpSocket a = XdpSocket.open(XdpConfig.builder(lab.get("dev_a")).namespace(lab.get("ns_a")).build());
        sockets.add(a);
        final XdpSocket b = XdpSocket.open(XdpConfig.builder(lab.get("dev_b")).namespace(lab.get("ns_b")).build());
        sockets.add(b);
        mode = lab.get("dev_a") + " in " + lab.get("ns_a") + " ↔ " + lab.get("dev_b") + " in " + lab.get("ns_b")
            + ", " + a.mode();
        nicA = new NicAgent(a, stacks.aRx, stacks.aTx);
        nicB = new NicAgent(b, stacks.bRx, stacks.bTx);
        endA = new DutyCycleAgent(nicA, stacks.a);
        endB = new DutyCycleAgent(nicB, stacks.b);
        // B's tap sees every frame on this two-stack link once: in from A, out to A.
        narration = (outbound, buffer, offset, length, timeNs) -> printer.frame(!outbound, buffer, offset, length);
        stacks.b.tap(narration);
        nicA.onStart();
        nicB.onStart();
    }

    /**
     * The link's ceiling in this run, before the stacks open their sockets: the raw reflect tool bounces 60-byte
     * frames back from dev_a to a blaster on dev_b (no stack, MACs swapped), one pinned busy thread per end — with
     * a window of 1 and 16 frames (the keep-alive workloads' depths, for the per-window comparison) and of 512 (the
     * deep ceiling).
     */
    private static Reflect.Result[] measureCeiling(final Map<String, String> lab)
    {
        final boolean twoCpus = Runtime.getRuntime().availableProcessors() > 1;
        final Reflect.Result[] results = new Reflect.Result[CEILING_WINDOWS.length];
        try
        {
            for (int i = 0; i < CEILING_WINDOWS.length; i++)
            {
                results[i] = Reflect.bench(lab.get("ns_a"), lab.get("dev_a"), lab.get("ns_b"), lab.get("dev_b"),
                    XdpMode.GENERIC, 1.0, 1024, 64, CEILING_WINDOWS[i], twoCpus ? 0 : -1, twoCpus ? 1 : -1);
            }
            return results;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted measuring the link ceiling", ex);
        }
    }

    @Override
    public double reflectRoundTrips(final int window)
    {
        for (int i = 0; ceiling != null && i < CEILING_WINDOWS.length; i++)
        {
            if (CEILING_WINDOWS[i] == window)
            {
                return ceiling[i].framesPerSecond();
            }
        }
        return 0;
    }

    @Override
    public String nicCounters()
    {
        return nic("A", nicA) + System.lineSeparator() + nic("B", nicB);
    }

    private static String nic(final String name, final NicAgent nic)
    {
        return String.format("NIC %s: rx %,d, tx %,d, tx kicks (sendto) %,d, fill wake-ups (recvfrom) %,d,"
            + " rx ring full %,d, fill starved %,d", name, nic.rxFrames(), nic.txFrames(), nic.txKicks(),
            nic.fillWakeups(), nic.rxDropRingFull(), nic.fillStarved());
    }

    @Override
    public double ceilingFramesPerSecond()
    {
        final Reflect.Result deep = ceiling == null ? null : ceiling[ceiling.length - 1];
        return deep == null ? 0 : (deep.sent() + deep.reflected()) / deep.seconds();
    }

    @Override
    public String ceilingDetail()
    {
        if (ceiling == null)
        {
            return null;
        }
        final StringBuilder lines = new StringBuilder();
        for (int i = 0; i < ceiling.length; i++)
        {
            lines.append(i == 0 ? "" : System.lineSeparator() + "            ").append("window ")
                .append(CEILING_WINDOWS[i]).append(": ").append(ceiling[i].line());
        }
        return lines.toString();
    }

    @Override
    public StackAgent a()
    {
        return stacks.a;
    }

    @Override
    public StackAgent b()
    {
        return stacks.b;
    }

    @Override
    public int round()
    {
        try
        {
            final long now = stacks.clockA.tick();
            int work = endA.doWork();
            if (endThread == null)
            {
                stacks.clockB.set(now); // one thread drives both: one clock read for the round
                work += endB.doWork();
            }
            return work;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("duty cycle failed: " + ex.getMessage(), ex);
        }
        finally
        {
            stacks.clockA.endRound();
            if (endThread == null)
            {
                stacks.clockB.endRound();
            }
        }
    }

    @Override
    public void quiet()
    {
        stacks.b.tap(null);
    }

    @Override
    public boolean supportsThreadPerEnd()
    {
        return true;
    }

    @Override
    public void threadPerEnd(final boolean on)
    {
        if (on == (endThread != null))
        {
            return;
        }
        if (on)
        {
            Affinity.pinCurrentThread(0);
            endThread = new EndThread(endB, stacks.b, stacks.clockB);
            endThread.start();
        }
        else
        {
            endThread.halt();
            endThread = null;
            Affinity.unpinCurrentThread();
        }
    }

    @Override
    public int connectionsInUseB()
    {
        return endThread == null ? stacks.b.tcp().connectionsInUse() : endThread.connectionsInUse;
    }

    @Override
    public String describe()
    {
        return "xdp (AF_XDP on a veth pair: " + mode + "; each end NIC receive → stack → NIC transmit, one kick per"
            + " cycle; both ends on one thread, or one pinned busy-polling thread per end)";
    }

    @Override
    public void close()
    {
        if (endThread != null)
        {
            threadPerEnd(false);
        }
        for (final XdpSocket s : sockets)
        {
            try
            {
                s.close();
            }
            catch (final RuntimeException ex)
            {
                System.err.println("synack demo: closing an AF_XDP socket failed: " + ex.getMessage());
            }
        }
        sockets.clear();
        down();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // already shutting down: the hook is running or has run
        }
        stacks.close();
    }

    private synchronized void down()
    {
        if (!closed)
        {
            closed = true;
            try
            {
                LabNet.down(labNet, name);
            }
            catch (final RuntimeException ex)
            {
                System.err.println("synack demo: " + ex.getMessage() + ": remove it with `" + labNet + " down "
                    + name + "`");
            }
        }
    }

    /**
     * B's end on a thread of its own: pinned to CPU 1, busy-polling its duty cycle until halted. B's connection count
     * is published for the driving thread (the only thing it reads of B while B runs); {@link #halt()} joins, so
     * everything B did is visible afterwards.
     */
    private static final class EndThread extends Thread
    {
        private final DutyCycleAgent end;
        private final StackAgent stack;
        private final RoundClock clock;
        private volatile boolean running = true;
        private volatile int connectionsInUse;
        private volatile Throwable failure;

        EndThread(final DutyCycleAgent end, final StackAgent stack, final RoundClock clock)
        {
            super("synack-demo-end-B");
            setDaemon(true);
            this.clock = clock;
            this.end = end;
            this.stack = stack;
            this.connectionsInUse = stack.tcp().connectionsInUse();
        }

        @Override
        public void run()
        {
            Affinity.pinCurrentThread(1);
            try
            {
                while (running)
                {
                    clock.tick();
                    end.doWork();
                    clock.endRound();
                    final int inUse = stack.tcp().connectionsInUse();
                    if (inUse != connectionsInUse)
                    {
                        // a volatile store is a full fence: only when the count moved, not on every idle spin
                        connectionsInUse = inUse;
                    }
                }
            }
            catch (final Exception | Error ex)
            {
                failure = ex;
            }
        }

        void halt()
        {
            running = false;
            try
            {
                join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            if (failure != null)
            {
                throw new IllegalStateException("B's end failed: " + failure, failure);
            }
        }
    }
}
