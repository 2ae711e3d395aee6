package dev.synack.embed;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import dev.synack.nic.NicAgent;
import dev.synack.nic.ffi.NativeException;
import dev.synack.nic.xdp.XdpSocket;
import dev.synack.nic.xdp.XdpStatistics;
import dev.synack.time.NanoClock;

/**
 * Publishes the NIC agent's figures (every 10 ms) and the socket's XDP_STATISTICS (every second) as counters, so
 * {@code synack stat} and the application read them from any thread or process. Runs on the NIC agent's thread,
 * right after it: the NIC agent keeps its counters in plain fields (no store barrier on the data path), and
 * XDP_STATISTICS is a getsockopt that belongs to the data-path thread.
 * <p>
 * Costs one clock read per duty cycle and a dozen ordered stores per publication; allocates nothing. After the
 * thread stopped, {@link #publish(boolean)} may be called once more from the closing thread, before the socket closes.
 */
final class NicCounters implements Agent
{
    /** Agrona type id of these counters. */
    static final int TYPE_NIC = 1004;
    /** How many counters it allocates. */
    static final int COUNT = 12;

    private static final long PUBLISH_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long XDP_STATISTICS_NS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Duty cycles between two reads of the clock: a read costs 70-240 ns on a kvm-clock guest, a busy-polled duty
     * cycle well under a microsecond, so reading it every cycle for a 10 ms deadline was a tenth of an idle cycle.
     * At 64, a busy thread still publishes within tens of microseconds of the deadline, a thread sleeping 1 ms per
     * idle cycle within 64 ms.
     */
    private static final int CYCLES_PER_CLOCK_READ = 64;

    private final NicAgent nic;
    private final NanoClock clock;
    private final XdpStatistics statistics = new XdpStatistics();
    private final AtomicCounter rxFrames;
    private final AtomicCounter txFrames;
    private final AtomicCounter rxRingFull;
    private final AtomicCounter fillStarved;
    private final AtomicCounter txKicks;
    private final AtomicCounter fillWakeups;
    private final AtomicCounter xdpRxDropped;
    private final AtomicCounter xdpRxRingFull;
    private final AtomicCounter xdpFillEmpty;
    private final AtomicCounter xdpRxInvalid;
    private final AtomicCounter xdpTxInvalid;
    private final AtomicCounter xdpTxRingEmpty;
    private XdpSocket socket;
    private long nextPublish;
    private long nextStatistics;
    private int cycles;

    NicCounters(final CountersManager manager, final NicAgent nic, final XdpSocket socket, final NanoClock clock,
        final String prefix)
    {
        this.nic = nic;
        this.socket = socket;
        this.clock = clock;
        rxFrames = manager.newCounter(prefix + "NIC frames received (AF_XDP RX ring)", TYPE_NIC);
        txFrames = manager.newCounter(prefix + "NIC frames sent (AF_XDP TX ring)", TYPE_NIC);
        rxRingFull = manager.newCounter(prefix + "NIC frames lost: stack rx ring full", TYPE_NIC);
        fillStarved = manager.newCounter(prefix + "NIC fill ring starved (no free frame)", TYPE_NIC);
        txKicks = manager.newCounter(prefix + "NIC TX kicks (sendto)", TYPE_NIC);
        fillWakeups = manager.newCounter(prefix + "NIC fill wake-ups (recvfrom)", TYPE_NIC);
        xdpRxDropped = manager.newCounter(prefix + "XDP_STATISTICS rx_dropped", TYPE_NIC);
        xdpRxRingFull = manager.newCounter(prefix + "XDP_STATISTICS rx_ring_full", TYPE_NIC);
        xdpFillEmpty = manager.newCounter(prefix + "XDP_STATISTICS rx_fill_ring_empty_descs", TYPE_NIC);
        xdpRxInvalid = manager.newCounter(prefix + "XDP_STATISTICS rx_invalid_descs", TYPE_NIC);
        xdpTxInvalid = manager.newCounter(prefix + "XDP_STATISTICS tx_invalid_descs", TYPE_NIC);
        xdpTxRingEmpty = manager.newCounter(prefix + "XDP_STATISTICS tx_ring_empty_descs", TYPE_NIC);
    }

    @Override
    public int doWork()
    {
        if ((++cycles & (CYCLES_PER_CLOCK_READ - 1)) != 0)
        {
            return 0;
        }
        final long now = clock.nanoTime();
        if (now - nextPublish >= 0)
        {
            nextPublish = now + PUBLISH_NS;
            final boolean withStatistics = now - nextStatistics >= 0;
            if (withStatistics)
            {
                nextStatistics = now + XDP_STATISTICS_NS;
            }
            publish(withStatistics);
        }
        return 0; // bookkeeping, not work: it must not keep an idle thread from idling
    }

    /**
     * Copies every figure into the counters.
     *
     * @param withStatistics also read XDP_STATISTICS (a getsockopt).
     */
    void publish(final boolean withStatistics)
    {
        rxFrames.setRelease(nic.rxFrames());
        txFrames.setRelease(nic.txFrames());
        rxRingFull.setRelease(nic.rxDropRingFull());
        fillStarved.setRelease(nic.fillStarved());
        txKicks.setRelease(nic.txKicks());
        fillWakeups.setRelease(nic.fillWakeups());
        if (withStatistics && socket != null)
        {
            try
            {
                socket.statistics(statistics);
            }
            catch (final NativeException ex)
            {
                socket = null; // the socket is going away: keep the last figures
                return;
            }
            xdpRxDropped.setRelease(statistics.rxDropped());
            xdpRxRingFull.setRelease(statistics.rxRingFull());
            xdpFillEmpty.setRelease(statistics.rxFillRingEmptyDescs());
            xdpRxInvalid.setRelease(statistics.rxInvalidDescs());
            xdpTxInvalid.setRelease(statistics.txInvalidDescs());
            xdpTxRingEmpty.setRelease(statistics.txRingEmptyDescs());
        }
    }

    @Override
    public String roleName()
    {
        return "synack-nic-counters";
    }
}
