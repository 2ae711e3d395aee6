package dev.synack.tools;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import dev.synack.nic.NicAgent;
import dev.synack.nic.tool.Reflect;
import dev.synack.nic.xdp.XdpConfig;
import dev.synack.nic.xdp.XdpMode;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.stack.StackAgent;

/**
 * The two stacks on the two ends of a veth pair made by {@code tools/bin/lab-net up NAME --bare}: an AF_XDP
 * socket and a {@link NicAgent} per end, all four agents on one thread (NIC A, stack A, NIC B, stack B).
 * Each stack's tx ring goes through a relay that narrates frames when asked and copies them into the NIC
 * agent's tx ring — one extra copy of each outgoing frame, the price of seeing them; disclosed in
 * {@link #describe()}.
 * <p>
 * {@link #close()} closes the sockets and always runs {@code lab-net down NAME}; a shutdown hook does the
 * same if the JVM is interrupted. Not thread-safe.
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
    private Relay relayA;
    private Relay relayB;
    private String mode = "";
    private Reflect.Result ceiling;
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
        final RingBuffer nicTxA = ring();
        final RingBuffer nicTxB = ring();
        nicA = new NicAgent(a, stacks.aRx, nicTxA);
        nicB = new NicAgent(b, stacks.bRx, nicTxB);
        relayA = new Relay(true, stacks.aTx, nicTxA, printer);
        relayB = new Relay(false, stacks.bTx, nicTxB, printer);
        nicA.onStart();
        nicB.onStart();
    }

    /**
     * The link's ceiling in this run, before the stacks open their sockets: the raw reflect tool bounces 60-byte
     * frames back from dev_a to a blaster on dev_b (no stack, MACs swapped), one busy thread per end.
     */
    private static Reflect.Result measureCeiling(final Map<String, String> lab)
    {
        final boolean twoCpus = Runtime.getRuntime().availableProcessors() > 1;
        try
        {
            return Reflect.bench(lab.get("ns_a"), lab.get("dev_a"), lab.get("ns_b"), lab.get("dev_b"),
                XdpMode.GENERIC, 1.0, 1024, 64, 512, twoCpus ? 0 : -1, twoCpus ? 1 : -1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted measuring the link ceiling", ex);
        }
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
        return ceiling == null ? 0 : (ceiling.sent() + ceiling.reflected()) / ceiling.seconds();
    }

    @Override
    public String ceilingDetail()
    {
        return ceiling == null ? null : ceiling.line();
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
        int work = nicA.doWork();
        work += stacks.a.doWork();
        work += relayA.doWork();
        work += nicB.doWork();
        work += stacks.b.doWork();
        work += relayB.doWork();
        return work;
    }

    @Override
    public String describe()
    {
        return "xdp (AF_XDP on a veth pair: " + mode + "; 4 agents on one thread; +1 copy per tx frame for"
            + " narration)";
    }

    @Override
    public void close()
    {
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

    private static RingBuffer ring()
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(DemoStacks.RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** Moves frames from a stack's tx ring to its NIC agent's tx ring, narrating them when asked. */
    private static final class Relay implements MessageHandler
    {
        private final boolean fromA;
        private final RingBuffer from;
        private final RingBuffer to;
        private final FramePrinter printer;

        Relay(final boolean fromA, final RingBuffer from, final RingBuffer to, final FramePrinter printer)
        {
            this.fromA = fromA;
            this.from = from;
            this.to = to;
            this.printer = printer;
        }

        int doWork()
        {
            return from.read(this, 256);
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            printer.frame(fromA, buffer, index, length);
            // the NIC's tx ring is as big as the stack's: it can only be full if the NIC agent stopped
            to.write(msgTypeId, buffer, index, length);
        }
    }
}
