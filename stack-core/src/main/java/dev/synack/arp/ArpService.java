package dev.synack.arp;

import org.agrona.MutableDirectBuffer;

import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;
import dev.synack.wire.EthernetFrame;
import dev.synack.wire.FrameOutput;
import dev.synack.wire.MacAddress;

/**
 * ARP for one address (RFC 826): answers requests for it, learns senders, resolves next hops with
 * broadcast requests and bounded retries, and releases the frame that waited for each resolution.
 * <p>
 * Stack thread only. Never allocates.
 */
public final class ArpService
{
    private final NeighbourTable table;
    private final FrameOutput out;
    private final StackCounters counters;
    private final long localMac;
    private final int localIp;
    private final long retryIntervalNs;
    private final int retries;
    private final ArpPacket arp = new ArpPacket();
    private int resolving;

    /**
     * @param table the neighbour table.
     * @param out the tx ring.
     * @param counters counters.
     * @param localMac our MAC.
     * @param localIp our address.
     * @param retryIntervalNs time between requests.
     * @param retries requests after the first.
     */
    public ArpService(
        final NeighbourTable table, final FrameOutput out, final StackCounters counters, final long localMac,
        final int localIp, final long retryIntervalNs, final int retries)
    {
        this.table = table;
        this.out = out;
        this.counters = counters;
        this.localMac = localMac;
        this.localIp = localIp;
        this.retryIntervalNs = retryIntervalNs;
        this.retries = retries;
    }

    /**
     * Handles an ARP packet.
     *
     * @param buffer the frame's buffer.
     * @param offset where the ARP packet starts.
     * @param length bytes available.
     * @param now the time.
     * @return why it was dropped, or {@link DropReason#NONE}.
     */
    public DropReason onArp(final MutableDirectBuffer buffer, final int offset, final int length, final long now)
    {
        final DropReason reason = arp.wrapChecked(buffer, offset, length);
        if (reason != DropReason.NONE)
        {
            return reason;
        }
        final int senderIp = arp.senderIp();
        final long senderMac = arp.senderMac();
        if (MacAddress.isMulticast(senderMac) || senderIp == localIp)
        {
            return DropReason.ARP_UNSUPPORTED;
        }
        final boolean forUs = arp.targetIp() == localIp;
        // RFC 826 "merge": update a known sender always; add a new one only when the packet is for us.
        final boolean wasResolving = isResolving(senderIp);
        final int entry = table.learn(senderIp, senderMac, now, forUs);
        if (entry >= 0 && wasResolving)
        {
            resolving--;
            counters.increment(StackCounter.ARP_LEARNED);
            release(entry);
        }
        else if (entry >= 0 && forUs)
        {
            counters.increment(StackCounter.ARP_LEARNED);
        }
        if (!forUs)
        {
            return DropReason.ARP_NOT_FOR_US;
        }
        if (arp.operation() == ArpPacket.OP_REQUEST)
        {
            send(ArpPacket.OP_REPLY, senderMac, senderMac, senderIp);
            counters.increment(StackCounter.ARP_REPLIES_SENT);
        }
        return DropReason.NONE;
    }

    private boolean isResolving(final int address)
    {
        if (resolving == 0)
        {
            return false;
        }
        final int i = table.find(address);
        return i >= 0 && table.state(i) == NeighbourTable.INCOMPLETE;
    }

    /**
     * Starts resolving a next hop (or finds the resolution running).
     *
     * @param nextHop the address.
     * @param now the time.
     * @return the neighbour entry, or -1 when the table has no room.
     */
    public int resolve(final int nextHop, final long now)
    {
        final int existing = table.find(nextHop);
        if (existing >= 0)
        {
            return existing;
        }
        final int entry = table.beginResolve(nextHop, now, now + retryIntervalNs, retries);
        if (entry >= 0)
        {
            resolving++;
            request(nextHop);
        }
        return entry;
    }

    /**
     * Retries or abandons resolutions whose deadline passed.
     *
     * @param now the time.
     * @return work done.
     */
    public int poll(final long now)
    {
        if (resolving == 0)
        {
            return 0;
        }
        int work = 0;
        for (int i = 0, n = table.capacity(); i < n; i++)
        {
            if (table.state(i) == NeighbourTable.INCOMPLETE && table.deadline(i) - now <= 0)
            {
                work++;
                if (table.retry(i, now + retryIntervalNs))
                {
                    request(table.ip(i));
                }
                else
                {
                    for (int k = table.pendingCount(i); k > 0; k--)
                    {
                        counters.drop(DropReason.NEIGHBOUR_UNRESOLVED);
                    }
                    counters.increment(StackCounter.ARP_FAILED);
                    table.remove(i);
                    resolving--;
                }
            }
        }
        return work;
    }

    private void request(final int targetIp)
    {
        send(ArpPacket.OP_REQUEST, MacAddress.BROADCAST, MacAddress.ZERO, targetIp);
        counters.increment(StackCounter.ARP_REQUESTS_SENT);
    }

    private void send(final int operation, final long ethDestination, final long targetMac, final int targetIp)
    {
        final int length = EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH;
        final int index = out.claim(length);
        if (index >= 0)
        {
            final MutableDirectBuffer b = out.buffer();
            final int at = EthernetFrame.writeHeader(b, index, ethDestination, localMac, EthernetFrame.TYPE_ARP);
            ArpPacket.write(b, at, operation, localMac, localIp, targetMac, targetIp);
            out.commit(index);
        }
    }

    private void release(final int entry)
    {
        final MutableDirectBuffer pending = table.pendingBuffer();
        for (int k = 0, n = table.pendingCount(entry); k < n; k++)
        {
            final int at = table.pendingOffset(entry, k);
            MacAddress.write(pending, at + EthernetFrame.DESTINATION_OFFSET, table.mac(entry));
            out.write(pending, at, table.pendingLength(entry, k));
        }
        table.clearPending(entry);
    }
}
