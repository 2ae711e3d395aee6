package dev.synack.stack;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

/**
 * The JVM's limit on direct memory, against which a stack's connection rings are checked before they are allocated:
 * every connection's send and receive rings are preallocated as direct buffers, so a configuration that asks for more
 * than the JVM allows would otherwise fail with an OutOfMemoryError deep inside construction. (The UMEM and the AF_XDP
 * rings are mmap'ed, outside this limit.)
 */
public final class DirectMemory
{
    /** The JVM flag that sets the limit. */
    public static final String FLAG = "-XX:MaxDirectMemorySize";

    private DirectMemory()
    {
    }

    /**
     * What {@code ByteBuffer.allocateDirect} may hold in all: {@code -XX:MaxDirectMemorySize} when given, else the
     * maximum heap (the JDK's default for it). Read through the supported HotSpot diagnostic bean; on a JVM without
     * it the maximum heap is taken, the same default.
     *
     * @return bytes.
     */
    public static long limit()
    {
        final HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (hotSpot != null)
        {
            // Given on the command line, 0 too is a limit; only the default (origin DEFAULT) means the maximum heap.
            final VMOption option = hotSpot.getVMOption(FLAG.substring(4));
            if (option.getOrigin() != VMOption.Origin.DEFAULT)
            {
                return Long.parseLong(option.getValue());
            }
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Refuses connection rings that the JVM may not allocate, naming the sizes and the flag to raise.
     *
     * @param config the (validated) configuration of each stack.
     * @param stacks how many stacks of that configuration share this JVM (one per NIC queue).
     * @param limit the JVM's direct memory limit ({@link #limit()}).
     * @throws IllegalArgumentException when {@code stacks} × (maxConnections × send ring + receive pool) passes it.
     */
    public static void requireRings(final StackConfig config, final int stacks, final long limit)
    {
        final long connections = (long)stacks * config.maxConnections();
        // At most 2^8 stacks × 2^22 connections × 2^31 bytes = 2^61: no overflow.
        final long needed = connections * config.sendBufferSize() + stacks * config.receivePoolBytes();
        if (needed > limit)
        {
            // The default pool is every connection's whole ring: said per connection, as before there was a pool.
            final boolean fullPool =
                config.receivePoolBytes() == (long)config.maxConnections() * config.receiveBufferSize();
            final String sizes = fullPool
                ? (stacks > 1 ? stacks + " stacks × " : "") + config.maxConnections() + " connections × ("
                    + config.sendBufferSize() + " send + " + config.receiveBufferSize() + " receive ring bytes)"
                : (stacks > 1 ? stacks + " stacks × (" : "(") + config.maxConnections() + " connections × "
                    + config.sendBufferSize() + " send ring bytes + " + config.receivePoolBytes()
                    + " receive pool bytes)";
            throw new IllegalArgumentException("stack config: " + sizes + " = " + needed + " bytes of direct memory,"
                + " more than this JVM may allocate (" + limit + " bytes): raise " + FLAG + " (to " + needed
                + " and a few MiB more), or lower maxConnections, sendBufferSize or "
                + (fullPool ? "receiveBufferSize" : "receivePoolBytes"));
        }
    }
}
