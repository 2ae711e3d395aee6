package dev.synack.embed;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import dev.synack.nic.NicAgent;
import dev.synack.nic.RxSteering;

/**
 * One queue's receive steering when several queues' stacks share one address: most frames go to the queue's own
 * stack; two kinds go elsewhere, through the owner's handover ring (an Agrona many-to-one ring, drained on the
 * owner's thread by a {@link HandoverAgent}).
 * <ul>
 * <li>ARP replies go to every queue's stack: the reply to one stack's request lands on whatever queue the peer's
 *     NIC picks, and every stack keeps its own neighbour table. ARP requests are answered by the stack they reach.</li>
 * <li>With {@code byPort} (the NIC's RSS cannot be predicted: veth, or no key through ethtool), a TCP segment to an
 *     ephemeral port (an active open's return traffic) goes to the stack that owns the port: port modulo the
 *     number of queues, the partition {@link #ownsPort} gives each stack's active opens. Passive flows stay where
 *     they land. With RSS predicted, active opens choose ports whose hash lands on their own queue and no segment
 *     needs a hand-over.</li>
 * </ul>
 * Runs on the NIC agent's thread, for each frame, before the frame leaves the UMEM: reads four fields, at most one
 * copy per destination; allocation-free. Counts frames handed over, ARP replies copied, and frames lost to a full
 * ring (single writer, release stores).
 */
final class QueueSteering implements RxSteering
{
    static final int ETH_HEADER = 14;
    static final int TYPE_IPV4 = 0x0800;
    static final int TYPE_ARP = 0x0806;
    static final int ARP_REPLY = 2;
    static final int PROTOCOL_TCP = 6;

    private final int index;
    private final int count;
    private final RingBuffer own;
    private final RingBuffer[] handover;
    private final boolean byPort;
    private final AtomicCounter handedOver;
    private final AtomicCounter arpCopies;
    private final AtomicCounter ringFull;
    private final int ephemeralFirst;
    private final int ephemeralLast;

    /**
     * @param index this queue's stack among the stacks (0 .. count - 1).
     * @param own this queue's stack's rx ring.
     * @param handover every stack's handover ring, by index (this one's is not written).
     * @param byPort hand TCP segments to ephemeral ports over to the port's owner.
     * @param handedOver counts segments handed to another queue's stack.
     * @param arpCopies counts ARP replies copied to the other stacks.
     * @param ringFull counts frames lost because a handover ring was full.
     * @param ephemeralFirst the first port the stacks' active opens take.
     * @param ephemeralLast the last.
     */
    QueueSteering(final int index, final RingBuffer own, final RingBuffer[] handover, final boolean byPort,
        final AtomicCounter handedOver, final AtomicCounter arpCopies, final AtomicCounter ringFull,
        final int ephemeralFirst, final int ephemeralLast)
    {
        this.ephemeralFirst = ephemeralFirst;
        this.ephemeralLast = ephemeralLast;
        this.index = index;
        this.count = handover.length;
        this.own = own;
        this.handover = handover.clone();
        this.byPort = byPort;
        this.handedOver = handedOver;
        this.arpCopies = arpCopies;
        this.ringFull = ringFull;
    }

    /**
     * @param port a local port.
     * @param stacks how many stacks share the address.
     * @return the index of the stack whose active opens take {@code port}.
     */
    static int ownerOfPort(final int port, final int stacks)
    {
        return port % stacks;
    }

    /**
     * @param index a stack's index.
     * @param stacks how many stacks share the address.
     * @param port a candidate ephemeral port.
     * @return whether that stack's active opens may take it (the partition {@code byPort} steering relies on).
     */
    static boolean ownsPort(final int index, final int stacks, final int port)
    {
        return ownerOfPort(port, stacks) == index;
    }

    @Override
    public boolean onFrame(final UnsafeBuffer frame, final int offset, final int length)
    {
        final int target = target(frame, offset, length);
        if (target == index)
        {
            return own.write(NicAgent.MSG_TYPE_FRAME, frame, offset, length);
        }
        if (target >= 0)
        {
            handedOver.incrementRelease();
            return hand(target, frame, offset, length);
        }
        // an ARP reply: every stack learns the peer's address
        for (int i = 0; i < count; i++)
        {
            if (i != index)
            {
                arpCopies.incrementRelease();
                hand(i, frame, offset, length);
            }
        }
        return own.write(NicAgent.MSG_TYPE_FRAME, frame, offset, length);
    }

    private boolean hand(final int target, final UnsafeBuffer frame, final int offset, final int length)
    {
        if (handover[target].write(NicAgent.MSG_TYPE_FRAME, frame, offset, length))
        {
            return true;
        }
        ringFull.incrementRelease();
        return false;
    }

    /**
     * @return the index of the stack that takes the frame, or -1 for every stack (an ARP reply). Frames too short
     *     or malformed stay on this queue: its stack drops and counts them.
     */
    int target(final UnsafeBuffer frame, final int offset, final int length)
    {
        if (length < ETH_HEADER + 8)
        {
            return index;
        }
        final int etherType = frame.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (etherType == TYPE_ARP)
        {
            // RFC 826: the operation is at byte 6 of the ARP packet
            return (frame.getShort(offset + ETH_HEADER + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF) == ARP_REPLY && count > 1
                ? -1 : index;
        }
        if (!byPort || etherType != TYPE_IPV4 || length < ETH_HEADER + 20 + 4)
        {
            return index;
        }
        final int versionIhl = frame.getByte(offset + ETH_HEADER) & 0xFF;
        final int headerLength = (versionIhl & 0x0F) * 4;
        if ((versionIhl >>> 4) != 4 || headerLength < 20 || length < ETH_HEADER + headerLength + 4
            || (frame.getByte(offset + ETH_HEADER + 9) & 0xFF) != PROTOCOL_TCP
            || (frame.getShort(offset + ETH_HEADER + 6, ByteOrder.BIG_ENDIAN) & 0x1FFF) != 0)
        {
            return index; // not TCP, or a fragment after the first (no ports): the stack decides
        }
        final int destinationPort = frame.getShort(offset + ETH_HEADER + headerLength + 2, ByteOrder.BIG_ENDIAN)
            & 0xFFFF;
        return destinationPort >= ephemeralFirst && destinationPort <= ephemeralLast
            ? ownerOfPort(destinationPort, count) : index;
    }
}
