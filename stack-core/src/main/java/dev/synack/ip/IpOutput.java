package dev.synack.ip;

import org.agrona.MutableDirectBuffer;

import dev.synack.arp.ArpService;
import dev.synack.arp.NeighbourTable;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounters;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;

/**
 * Builds outgoing IPv4 packets in place: picks the next hop (on-link or the gateway), finds its MAC and
 * writes Ethernet + IPv4 headers straight into the tx ring; the caller writes the transport payload at
 * the returned offset and calls {@link #commit()}. A packet whose next hop is not yet resolved is built
 * in the neighbour's waiting queue instead and leaves, in order, when ARP answers.
 * <p>
 * Stack thread only; one packet at a time (begin, write, commit). Never allocates.
 */
public final class IpOutput
{
    private static final int HEADERS = EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_HEADER_LENGTH;

    private final FrameOutput out;
    private final NeighbourTable neighbours;
    private final ArpService arp;
    private final StackCounters counters;
    private final long localMac;
    private final int localIp;
    private final int netmask;
    private final int gateway;
    private final int maxFrameLength;

    private int identification;
    private int claimedIndex = -1;
    private int pendingEntry = -1;
    private int frameLength;
    private MutableDirectBuffer buffer;

    /**
     * @param out the tx ring.
     * @param neighbours the ARP table.
     * @param arp resolves unknown next hops.
     * @param counters drop counters.
     * @param localMac our MAC.
     * @param localIp our address.
     * @param prefixLength our subnet.
     * @param gateway default gateway, 0 for none.
     * @param maxFrameLength largest frame.
     */
    public IpOutput(
        final FrameOutput out, final NeighbourTable neighbours, final ArpService arp, final StackCounters counters,
        final long localMac, final int localIp, final int prefixLength, final int gateway, final int maxFrameLength)
    {
        this.out = out;
        this.neighbours = neighbours;
        this.arp = arp;
        this.counters = counters;
        this.localMac = localMac;
        this.localIp = localIp;
        this.netmask = Ipv4Address.mask(prefixLength);
        this.gateway = gateway;
        this.maxFrameLength = maxFrameLength;
    }

    /** @return the largest IP payload a frame can carry. */
    public int maxPayload()
    {
        return maxFrameLength - HEADERS;
    }

    /**
     * Starts a packet.
     *
     * @param destination destination address.
     * @param protocol IP protocol.
     * @param payloadLength transport bytes that will follow the IP header.
     * @param now the time (for ARP).
     * @return offset of the payload in {@link #buffer()}, or -1 when the packet cannot be sent (counted).
     */
    public int begin(final int destination, final int protocol, final int payloadLength, final long now)
    {
        final int length = HEADERS + payloadLength;
        if (length > maxFrameLength)
        {
            throw new IllegalArgumentException("IP payload " + payloadLength + " exceeds " + maxPayload());
        }
        final int nextHop = (destination & netmask) == (localIp & netmask) || gateway == 0 ? destination : gateway;
        final long mac = neighbours.lookup(nextHop);
        int frame;
        if (mac >= 0)
        {
            frame = out.claim(length);
            if (frame < 0)
            {
                return -1;
            }
            claimedIndex = frame;
            buffer = out.buffer();
        }
        else
        {
            final int entry = arp.resolve(nextHop, now);
            if (entry < 0)
            {
                counters.drop(DropReason.NEIGHBOUR_UNRESOLVED);
                return -1;
            }
            frame = neighbours.nextPendingOffset(entry);
            if (frame < 0)
            {
                // The neighbour's queue is full: this frame is lost, as past Linux's unres_qlen.
                counters.drop(DropReason.NEIGHBOUR_UNRESOLVED);
                return -1;
            }
            pendingEntry = entry;
            buffer = neighbours.pendingBuffer();
        }
        frameLength = length;
        final int ipOffset = EthernetFrame.writeHeader(
            buffer, frame, mac >= 0 ? mac : 0L, localMac, EthernetFrame.TYPE_IPV4);
        identification = (identification + 1) & 0xFFFF;
        return Ipv4Header.writeHeader(
            buffer, ipOffset, localIp, destination, protocol, payloadLength, identification, Ipv4Header.DEFAULT_TTL);
    }

    /** @return where the current packet is being built. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /** Sends (or parks, until ARP answers) the packet started by {@link #begin}. */
    public void commit()
    {
        if (claimedIndex >= 0)
        {
            out.commit(claimedIndex);
            claimedIndex = -1;
        }
        else if (pendingEntry >= 0)
        {
            neighbours.addPending(pendingEntry, frameLength);
            pendingEntry = -1;
        }
    }

    /** @return our address. */
    public int localIp()
    {
        return localIp;
    }
}
