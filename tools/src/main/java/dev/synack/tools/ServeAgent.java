package dev.synack.tools;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import dev.synack.nic.NicAgent;
import dev.synack.nic.ffi.Affinity;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.nic.xdp.XdpStatistics;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.tools.http.HttpResponder;
import dev.synack.workload.EchoServer;

/**
 * {@code synack serve}'s agent on the stack thread (the extra agent of its {@code XdpStack}): every 10 ms it
 * copies the stack's counters, the HTTP responder's and echo server's figures and the NIC agent's counters into
 * the counters file, and every second the socket's XDP_STATISTICS, so {@code synack stat FILE} and the status
 * line read them from another thread or process. It also pins the stack thread ({@code --cpu}) and keeps it from
 * backing off ({@code --busy-spin}: it reports work every duty cycle, so the runner's idle strategy never idles).
 * <p>
 * Why a copy: {@code XdpStack} keeps its stack's counters on the heap. The copy costs one clock read per duty
 * cycle and a few dozen stores every 10 ms; it allocates nothing. The file's counters have one writer at a time:
 * the stack thread while it runs, then (after it stopped) the thread that calls {@link #publish(boolean)}.
 */
final class ServeAgent implements Agent
{
    /** Agrona type id of serve's own counters (HTTP, echo, NIC, XDP). */
    static final int TYPE_SERVE = 1003;
    /** Counters the file needs room for. */
    static final int CAPACITY = StackCounters.COUNT + 12;

    private static final StackCounter[] STACK = StackCounter.values();
    private static final DropReason[] DROPS = DropReason.values();
    private static final long PUBLISH_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long XDP_STATISTICS_NS = TimeUnit.SECONDS.toNanos(1);

    private final boolean busySpin;
    private final int cpu;
    private final AtomicCounter[] stack = new AtomicCounter[STACK.length];
    private final AtomicCounter[] drops = new AtomicCounter[DROPS.length];
    private final AtomicCounter httpResponses;
    private final AtomicCounter echoBytes;
    private final AtomicCounter nicRx;
    private final AtomicCounter nicTx;
    private final AtomicCounter nicRingFull;
    private final AtomicCounter nicFillStarved;
    private final AtomicCounter xdpRxDropped;
    private final AtomicCounter xdpRxRingFull;
    private final AtomicCounter xdpFillEmpty;
    private final AtomicCounter xdpRxInvalid;
    private final AtomicCounter xdpTxInvalid;
    private final AtomicCounter xdpTxRingEmpty;
    private final XdpStatistics xdpStatistics = new XdpStatistics();
    private StackCounters source;
    private HttpResponder http;
    private EchoServer echo;
    private NicAgent nic;
    private XdpSocket socket;
    private long nextPublish;
    private long nextXdpStatistics;
    private volatile boolean pinned;

    /**
     * @param manager  the counters file's manager, with room for {@link #CAPACITY} counters.
     * @param busySpin report work every duty cycle, so the stack thread never idles.
     * @param cpu      the CPU to pin the stack thread to, or -1.
     */
    ServeAgent(final CountersManager manager, final boolean busySpin, final int cpu)
    {
        this.busySpin = busySpin;
        this.cpu = cpu;
        for (final StackCounter c : STACK)
        {
            stack[c.ordinal()] = manager.newCounter(c.label(), StackCounters.TYPE_STACK);
        }
        for (final DropReason r : DROPS)
        {
            drops[r.ordinal()] = manager.newCounter("drop: " + r.label(), StackCounters.TYPE_DROP);
        }
        httpResponses = manager.newCounter("HTTP responses sent", TYPE_SERVE);
        echoBytes = manager.newCounter("echo bytes sent back", TYPE_SERVE);
        nicRx = manager.newCounter("NIC frames received (AF_XDP RX ring)", TYPE_SERVE);
        nicTx = manager.newCounter("NIC frames sent (AF_XDP TX ring)", TYPE_SERVE);
        nicRingFull = manager.newCounter("NIC frames lost: stack rx ring full", TYPE_SERVE);
        nicFillStarved = manager.newCounter("NIC fill ring starved (no free frame)", TYPE_SERVE);
        xdpRxDropped = manager.newCounter("XDP_STATISTICS rx_dropped", TYPE_SERVE);
        xdpRxRingFull = manager.newCounter("XDP_STATISTICS rx_ring_full", TYPE_SERVE);
        xdpFillEmpty = manager.newCounter("XDP_STATISTICS rx_fill_ring_empty_descs", TYPE_SERVE);
        xdpRxInvalid = manager.newCounter("XDP_STATISTICS rx_invalid_descs", TYPE_SERVE);
        xdpTxInvalid = manager.newCounter("XDP_STATISTICS tx_invalid_descs", TYPE_SERVE);
        xdpTxRingEmpty = manager.newCounter("XDP_STATISTICS tx_ring_empty_descs", TYPE_SERVE);
    }

    /**
     * Tells the agent what to copy from. Call on the stack thread (through {@code XdpStack.run}).
     *
     * @param counters the stack's counters.
     * @param responder the HTTP responder, or null.
     * @param echoServer the echo server, or null.
     * @param nicAgent the NIC agent.
     * @param xdpSocket the socket (for XDP_STATISTICS, read on this thread only).
     */
    void attach(final StackCounters counters, final HttpResponder responder, final EchoServer echoServer,
        final NicAgent nicAgent, final XdpSocket xdpSocket)
    {
        this.source = counters;
        this.http = responder;
        this.echo = echoServer;
        this.nic = nicAgent;
        this.socket = xdpSocket;
        publish(true);
    }

    @Override
    public void onStart()
    {
        if (cpu >= 0)
        {
            pinned = Affinity.pinCurrentThread(cpu);
        }
    }

    @Override
    public int doWork()
    {
        if (source != null)
        {
            final long now = System.nanoTime();
            if (now - nextPublish >= 0)
            {
                nextPublish = now + PUBLISH_NS;
                final boolean withXdp = now - nextXdpStatistics >= 0;
                if (withXdp)
                {
                    nextXdpStatistics = now + XDP_STATISTICS_NS;
                }
                publish(withXdp);
            }
        }
        return busySpin ? 1 : 0;
    }

    /**
     * Copies every figure into the counters file. Call on the stack thread while it runs, or from one other thread
     * after it stopped (then without XDP statistics: the socket may be closed).
     *
     * @param withXdpStatistics also read the socket's XDP_STATISTICS (a getsockopt).
     */
    void publish(final boolean withXdpStatistics)
    {
        if (source == null)
        {
            return;
        }
        for (int i = 0; i < STACK.length; i++)
        {
            stack[i].setRelease(source.get(STACK[i]));
        }
        for (int i = 0; i < DROPS.length; i++)
        {
            drops[i].setRelease(source.get(DROPS[i]));
        }
        httpResponses.setRelease(http == null ? 0 : http.responses());
        echoBytes.setRelease(echo == null ? 0 : echo.bytesEchoed());
        nicRx.setRelease(nic.rxFrames());
        nicTx.setRelease(nic.txFrames());
        nicRingFull.setRelease(nic.rxDropRingFull());
        nicFillStarved.setRelease(nic.fillStarved());
        if (withXdpStatistics && socket != null)
        {
            try
            {
                socket.statistics(xdpStatistics);
            }
            catch (final NativeException ex)
            {
                socket = null; // keep the last figures; the socket is going away
                return;
            }
            xdpRxDropped.setRelease(xdpStatistics.rxDropped());
            xdpRxRingFull.setRelease(xdpStatistics.rxRingFull());
            xdpFillEmpty.setRelease(xdpStatistics.rxFillRingEmptyDescs());
            xdpRxInvalid.setRelease(xdpStatistics.rxInvalidDescs());
            xdpTxInvalid.setRelease(xdpStatistics.txInvalidDescs());
            xdpTxRingEmpty.setRelease(xdpStatistics.txRingEmptyDescs());
        }
    }

    /**
     * @param counter a stack counter.
     * @return its value as last copied.
     */
    long get(final StackCounter counter)
    {
        return stack[counter.ordinal()].get();
    }

    /** @return HTTP responses sent, as last copied. */
    long httpResponses()
    {
        return httpResponses.get();
    }

    /** @return echo bytes sent back, as last copied. */
    long echoBytes()
    {
        return echoBytes.get();
    }

    /** @return whether {@code --cpu} pinning succeeded (known once the stack thread started). */
    boolean pinned()
    {
        return pinned;
    }

    @Override
    public String roleName()
    {
        return "synack-serve";
    }
}
