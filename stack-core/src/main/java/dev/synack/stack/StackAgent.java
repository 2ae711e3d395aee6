package dev.synack.stack;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import dev.synack.arp.ArpService;
import dev.synack.arp.NeighbourTable;
import dev.synack.ip.IcmpService;
import dev.synack.ip.IpOutput;
import dev.synack.ip.Ipv4Address;
import dev.synack.ip.Ipv4Header;
import dev.synack.ip.Reassembly;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.tcp.TcpEngine;
import dev.synack.time.NanoClock;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.FrameTap;
import dev.synack.wire.MacAddress;

/**
 * The stack: an Agrona {@link Agent} that reads Ethernet frames from the rx ring, validates and
 * dispatches them (ARP, ICMP echo, TCP), runs the timers, and writes every reply straight into the tx
 * ring. Each frame is dropped with exactly one counted reason or handled; nothing is thrown for bad input.
 * <p>
 * Single-threaded: every method runs on the agent's thread (an {@code AgentRunner} of its own, or a
 * {@code CompositeAgent} with the NIC agent). Allocation-free after construction.
 */
public final class StackAgent implements Agent, MessageHandler
{
    private final StackConfig config;
    private final RingBuffer rx;
    private final NanoClock clock;
    private final StackCounters counters;
    private final FrameOutput out;
    private final NeighbourTable neighbours;
    private final ArpService arp;
    private final IpOutput ipOutput;
    private final IcmpService icmp;
    private final TcpEngine tcp;
    private final Reassembly reassembly;
    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Header ip = new Ipv4Header();
    private final long localMac;
    private final int localIp;
    private final int maxFrameLength;
    private final int rxBatchLimit;
    private long now;
    private FrameTap tap;

    /**
     * @param config addresses and sizes; validated here, its rings checked against the JVM's direct memory.
     * @param rx frames from the wire.
     * @param tx frames to the wire.
     * @param clock the time source.
     * @param counters where everything is counted.
     */
    public StackAgent(
        final StackConfig config, final RingBuffer rx, final RingBuffer tx, final NanoClock clock,
        final StackCounters counters)
    {
        this.config = config.validate();
        // Before the rings are allocated: a clear refusal, not an OutOfMemoryError half-way through construction.
        DirectMemory.requireRings(config, 1, DirectMemory.limit());
        this.rx = rx;
        this.clock = clock;
        this.counters = counters;
        this.localMac = config.mac();
        this.localIp = config.ip();
        this.maxFrameLength = config.maxFrameLength();
        this.rxBatchLimit = config.rxBatchLimit();
        out = new FrameOutput(tx, counters);
        neighbours = new NeighbourTable(config.neighbourCapacity(), config.maxFrameLength(), config.neighbourQueue());
        arp = new ArpService(
            neighbours, out, counters, localMac, localIp, config.arpRetryIntervalNs(), config.arpRetries());
        ipOutput = new IpOutput(out, neighbours, arp, counters, localMac, localIp, config.prefixLength(),
            config.gateway(), config.maxFrameLength());
        icmp = new IcmpService(ipOutput, counters);
        now = clock.nanoTime();
        tcp = new TcpEngine(config, ipOutput, counters, now);
        icmp.pathMtuListener(tcp::onFragmentationNeeded);
        reassembly = new Reassembly(config.reassemblySlots(), config.reassemblyTimeoutNs());
    }

    @Override
    public int doWork()
    {
        now = clock.nanoTime();
        // Received frames are handled as one batch: what the connections answer leaves after the batch, as full
        // segments (autocorking), before timers run.
        tcp.cork();
        int work = rx.read(this, rxBatchLimit);
        tcp.flushCorked();
        work += arp.poll(now);
        work += tcp.poll(now);
        work += expireFragments();
        return work;
    }

    @Override
    public String roleName()
    {
        return "synack-stack-" + config.name();
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        counters.increment(StackCounter.FRAMES_IN);
        final FrameTap tap = this.tap;
        if (tap != null)
        {
            tap.onFrame(false, buffer, index, length, clock.nanoTime());
        }
        counters.drop(onFrame(buffer, index, length));
    }

    private DropReason onFrame(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (length > maxFrameLength)
        {
            return DropReason.ETH_OVERSIZED;
        }
        DropReason reason = eth.wrapChecked(buffer, offset, length);
        if (reason != DropReason.NONE)
        {
            return reason;
        }
        final long destination = eth.destination();
        if (destination != localMac && destination != MacAddress.BROADCAST)
        {
            return DropReason.ETH_NOT_FOR_US;
        }
        switch (eth.etherType())
        {
            case EthernetFrame.TYPE_ARP:
                return arp.onArp(buffer, eth.payloadOffset(), eth.payloadLength(), now);
            case EthernetFrame.TYPE_IPV4:
                reason = ip.wrapChecked(buffer, eth.payloadOffset(), eth.payloadLength());
                return reason == DropReason.NONE || reason == DropReason.IP_FRAGMENT
                    ? onIpv4(buffer, reason == DropReason.IP_FRAGMENT) : reason;
            default:
                return DropReason.ETH_UNSUPPORTED_TYPE;
        }
    }

    private DropReason onIpv4(final MutableDirectBuffer buffer, final boolean fragment)
    {
        if (ip.destination() != localIp)
        {
            return DropReason.IP_NOT_FOR_US;
        }
        final int source = ip.source();
        if (source == localIp || Ipv4Address.isMartianSource(source))
        {
            return DropReason.IP_MARTIAN_SOURCE;
        }
        if (fragment)
        {
            return onFragment(buffer);
        }
        return deliver(ip.protocol(), buffer, ip.payloadOffset(), ip.payloadLength(), source);
    }

    private DropReason onFragment(final MutableDirectBuffer buffer)
    {
        // RFC 1122 §3.3.2: reassemble; a datagram goes up only when whole
        final DropReason reason = reassembly.onFragment(ip, buffer, now);
        if (reason != DropReason.NONE)
        {
            return reason;
        }
        counters.increment(StackCounter.IP_FRAGMENTS_IN);
        final int slot = reassembly.completed();
        if (slot < 0)
        {
            return DropReason.NONE;
        }
        counters.increment(StackCounter.IP_DATAGRAMS_REASSEMBLED);
        final DropReason delivered = deliver(reassembly.protocol(slot), reassembly.payload(slot), 0,
            reassembly.payloadLength(slot), reassembly.source(slot));
        reassembly.release(slot);
        return delivered;
    }

    private DropReason deliver(
        final int protocol, final MutableDirectBuffer buffer, final int offset, final int length, final int source)
    {
        switch (protocol)
        {
            case Ipv4Header.PROTOCOL_TCP:
                return tcp.onSegment(buffer, offset, length, source, now);
            case Ipv4Header.PROTOCOL_ICMP:
                return icmp.onIcmp(source, buffer, offset, length, now);
            default:
                return DropReason.IP_UNSUPPORTED_PROTOCOL;
        }
    }

    private int expireFragments()
    {
        final int expired = reassembly.poll(now, icmp);
        for (int i = 0; i < expired; i++)
        {
            counters.drop(DropReason.IP_REASSEMBLY_TIMEOUT);
        }
        return expired;
    }

    /**
     * Sends an ICMP echo request (operators' ping, the demo's first step).
     *
     * @param destination whom to ping.
     * @param identifier echo identifier.
     * @param sequence echo sequence number.
     * @param dataLength data bytes.
     * @return whether it was sent or parked waiting for ARP.
     */
    public boolean ping(final int destination, final int identifier, final int sequence, final int dataLength)
    {
        return icmp.ping(destination, identifier, sequence, dataLength, clock.nanoTime());
    }

    /**
     * Sets (or removes) the capture tap: told of every frame taken from the rx ring (before it is parsed, so
     * frames later dropped are seen too) and every frame committed to the tx ring (frames that waited for ARP
     * when they leave), in order, each stamped with this stack's clock. Off (null) by default; the cost when
     * off is one null check per frame. Call on the stack thread (or before it starts).
     *
     * @param tap the tap, or null to stop tapping.
     */
    public void tap(final FrameTap tap)
    {
        this.tap = tap;
        out.tap(tap, clock);
    }

    /** @return the ICMP service, to set an echo listener. */
    public IcmpService icmp()
    {
        return icmp;
    }

    /** @return IPv4 datagrams being reassembled now. */
    public int reassemblyInUse()
    {
        return reassembly.inUse();
    }

    /** @return the TCP engine: listen, connect, and the connection table. */
    public TcpEngine tcp()
    {
        return tcp;
    }

    /** @return the neighbour table (static entries, inspection). */
    public NeighbourTable neighbours()
    {
        return neighbours;
    }

    /** @return the counters. */
    public StackCounters counters()
    {
        return counters;
    }

    /** @return the configuration. */
    public StackConfig config()
    {
        return config;
    }
}
