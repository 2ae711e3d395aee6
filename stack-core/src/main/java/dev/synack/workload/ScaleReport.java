package dev.synack.workload;

import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link ScaleRun} saw: connections established, held, closed, the tables afterwards, time per phase, memory
 * per connection slot, and every check that failed (in words). {@link #ok()} is the verdict.
 * <p>
 * Filled in by the run, on its thread; read when it is done.
 */
public final class ScaleReport
{
    /** The phases, in the order they run. */
    public enum Phase
    {
        /** Both stacks built: connection tables, rings and timers preallocated. */
        BUILD("build"),
        /** Every connection opened: three-way handshakes. */
        CONNECT("connect"),
        /** A few bytes there and back on a sample of the connections. */
        EXCHANGE("exchange"),
        /** All of them idle, ESTABLISHED, while manual time passes. */
        HOLD("hold"),
        /** Every connection closed by the client: four-way closes, the client ends in TIME-WAIT. */
        CLOSE("close"),
        /** 2MSL passes on the manual clock; the client's TIME-WAITs end. */
        TIME_WAIT("time-wait");

        private final String label;

        Phase(final String label)
        {
            this.label = label;
        }

        /** @return the name printed. */
        public String label()
        {
            return label;
        }
    }

    final int connections;
    final int serverPorts;
    final int sendBufferSize;
    final int receiveBufferSize;
    final long[] phaseNs = new long[Phase.values().length];
    final long[] phaseCpuNs = new long[Phase.values().length];
    final List<String> problems = new ArrayList<>();
    long heapBytes;
    long directBytes;
    long ringBytes;
    long established;
    long held;
    long sampled;
    long echoed;
    long clientClosed;
    long serverClosed;
    long timeWaitPeak;
    int clientInUse = -1;
    int serverInUse = -1;

    ScaleReport(final int connections, final int serverPorts, final int sendBufferSize, final int receiveBufferSize)
    {
        this.connections = connections;
        this.serverPorts = serverPorts;
        this.sendBufferSize = sendBufferSize;
        this.receiveBufferSize = receiveBufferSize;
    }

    void check(final boolean condition, final String problem)
    {
        if (!condition)
        {
            problems.add(problem);
        }
    }

    /** @return whether every check passed. */
    public boolean ok()
    {
        return problems.isEmpty();
    }

    /** @return every failed check, in words. */
    public List<String> problems()
    {
        return problems;
    }

    /** @return connections asked for. */
    public int connections()
    {
        return connections;
    }

    /** @return connections both ends saw open (the lesser of the client's and the server's count). */
    public long established()
    {
        return established;
    }

    /** @return connections still ESTABLISHED at both ends after the hold. */
    public long held()
    {
        return held;
    }

    /** @return connections that exchanged bytes. */
    public long sampled()
    {
        return sampled;
    }

    /** @return echoes that came back intact. */
    public long echoed()
    {
        return echoed;
    }

    /** @return connections closed normally at both ends (the lesser of the two counts). */
    public long closed()
    {
        return Math.min(clientClosed, serverClosed);
    }

    /** @return the client's connections in use at the end (TIME-WAIT included), or -1 before the end. */
    public int clientInUse()
    {
        return clientInUse;
    }

    /** @return the server's connections in use at the end, or -1 before the end. */
    public int serverInUse()
    {
        return serverInUse;
    }

    /** @return whether both tables ended empty. */
    public boolean tablesEmpty()
    {
        return clientInUse == 0 && serverInUse == 0;
    }

    /**
     * @param phase a phase.
     * @return its wall-clock time in nanoseconds.
     */
    public long phaseNs(final Phase phase)
    {
        return phaseNs[phase.ordinal()];
    }

    /**
     * @param phase a phase.
     * @return the CPU time the running thread spent in it, nanoseconds.
     */
    public long phaseCpuNs(final Phase phase)
    {
        return phaseCpuNs[phase.ordinal()];
    }

    /** @return heap bytes per connection slot, measured (both stacks' growth over both tables' slots). */
    public double heapBytesPerSlot()
    {
        return (double)heapBytes / (2.0 * connections);
    }

    /** @return direct bytes per connection slot, measured. */
    public double directBytesPerSlot()
    {
        return (double)directBytes / (2.0 * connections);
    }

    /** @return ring bytes per slot as configured: send plus receive buffer. */
    public int ringBytesPerSlot()
    {
        return sendBufferSize + receiveBufferSize;
    }

    /** @return the report for people, one figure a line. */
    public String format()
    {
        final StringBuilder s = new StringBuilder();
        line(s, "connections", String.format("%,d (client 198.18.0.1 -> server 198.18.0.2, %d server ports)",
            connections, serverPorts));
        line(s, "rings per connection", String.format("%,d B send + %,d B receive", sendBufferSize,
            receiveBufferSize));
        line(s, "established", String.format("%,d", established));
        line(s, "bytes exchanged on", String.format("%,d connections, %,d echoes intact", sampled, echoed));
        line(s, "held", String.format("%,d", held));
        line(s, "closed", String.format("%,d (client %,d, server %,d; TIME-WAIT peak %,d)", closed(), clientClosed,
            serverClosed, timeWaitPeak));
        line(s, "table empty", (tablesEmpty() ? "yes" : "no") + String.format(" (client %,d, server %,d in use)",
            clientInUse, serverInUse));
        for (final Phase phase : Phase.values())
        {
            final long ns = phaseNs[phase.ordinal()];
            final long cpuNs = phaseCpuNs[phase.ordinal()];
            final String rate = phase == Phase.CONNECT || phase == Phase.CLOSE
                ? String.format(", %,.0f connections per CPU second", connections * 1e9 / Math.max(1, cpuNs)) : "";
            line(s, "time " + phase.label(), String.format("%,.3f s (CPU %,.3f s%s)", ns / 1e9, cpuNs / 1e9, rate));
        }
        line(s, "bytes per connection", String.format("%,.0f heap + %,.0f direct = %,.0f B per slot, measured"
            + " (rings %,d B configured); a connection between two synack stacks takes a slot in each",
            heapBytesPerSlot(), directBytesPerSlot(), heapBytesPerSlot() + directBytesPerSlot(), ringBytesPerSlot()));
        line(s, "result", ok() ? "ok" : "FAILED");
        for (final String problem : problems)
        {
            s.append("  - ").append(problem).append(System.lineSeparator());
        }
        return s.toString();
    }

    private static void line(final StringBuilder s, final String label, final String value)
    {
        s.append(String.format("%-22s %s%n", label, value));
    }
}
