package dev.synack.ip;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.stat.DropReason;

/**
 * IPv4 reassembly (RFC 791 §3.2, RFC 1122 §3.3.2: a host MUST reassemble) into a bounded pool of preallocated
 * slots, one datagram each, with a timeout.
 * <p>
 * Every slot owns a 64 KiB payload buffer and a bitmap of the 8-byte units received, so a fragment costs one copy
 * and no allocation. Rules a hostile sender meets:
 * <ul>
 * <li>a fragment that would end past 65,535 bytes of datagram ("ping of death") is dropped;</li>
 * <li>a fragment other than the last whose length is not a multiple of 8 is dropped (RFC 791: "fragment offset
 *     is measured in units of 8 octets");</li>
 * <li>an exact duplicate of a fragment already held is dropped and the datagram kept; any other overlap, or a
 *     second "last fragment" that disagrees on the length, discards the whole datagram — as Linux has done since
 *     2018 (overlapping fragments are the classic way to slip bytes past an inspecting middlebox, RFC 5722);</li>
 * <li>a datagram not complete within the timeout is discarded (RFC 1122 §3.3.2: the timeout is bounded) and, when
 *     its fragment zero had arrived, the sender hears ICMP Time Exceeded, code 1 (RFC 792; RFC 1122 §3.3.2 SHOULD);
 *     fragment zero's header is kept for that quote;</li>
 * <li>when every slot is busy, the oldest datagram is evicted for the new one, so a flood of never-completed
 *     fragments cannot lock genuine datagrams out for a whole timeout.</li>
 * </ul>
 * Single-threaded (the stack's thread); allocation-free after construction.
 */
public final class Reassembly
{
    /** Largest datagram, header included (RFC 791 total length field). */
    public static final int MAX_DATAGRAM = 0xFFFF;

    private static final int UNIT = 8;
    /** Longest IPv4 header (IHL 15). */
    private static final int MAX_HEADER = 60;
    private static final int BITMAP_WORDS = (MAX_DATAGRAM + UNIT) / UNIT / 64 + 1;

    private final int slots;
    private final long timeoutNs;
    private final UnsafeBuffer[] payload;
    private final long[] bitmap;
    private final int[] source;
    private final int[] destination;
    private final int[] identification;
    private final int[] protocol;
    private final int[] totalLength;
    private final int[] received;
    private final long[] started;
    private final boolean[] inUse;
    private final UnsafeBuffer firstHeaders;
    private final int[] firstHeaderLength;
    private int inUseCount;
    private int completed = -1;
    private long evictions;

    /**
     * @param slots datagrams held at once (each costs 64 KiB + 1 KiB); 0 refuses every fragment.
     * @param timeoutNs how long an incomplete datagram is held.
     */
    public Reassembly(final int slots, final long timeoutNs)
    {
        if (slots < 0 || timeoutNs <= 0)
        {
            throw new IllegalArgumentException("reassembly slots must be >= 0 and the timeout positive: " + slots
                + ", " + timeoutNs + " ns");
        }
        this.slots = slots;
        this.timeoutNs = timeoutNs;
        payload = new UnsafeBuffer[slots];
        for (int i = 0; i < slots; i++)
        {
            payload[i] = new UnsafeBuffer(new byte[MAX_DATAGRAM + UNIT]);
        }
        bitmap = new long[slots * BITMAP_WORDS];
        source = new int[slots];
        destination = new int[slots];
        identification = new int[slots];
        protocol = new int[slots];
        totalLength = new int[slots];
        received = new int[slots];
        started = new long[slots];
        inUse = new boolean[slots];
        firstHeaders = new UnsafeBuffer(new byte[Math.max(1, slots) * MAX_HEADER]);
        firstHeaderLength = new int[slots];
    }

    /** @return whether fragments are reassembled at all. */
    public boolean enabled()
    {
        return slots > 0;
    }

    /**
     * Takes one fragment. After {@link DropReason#NONE}, {@link #completed()} says whether it finished a datagram.
     *
     * @param ip the fragment's validated header, wrapped over {@code buffer}.
     * @param buffer the frame.
     * @param now the stack's clock.
     * @return why the fragment was dropped, or {@link DropReason#NONE} when it was taken.
     */
    public DropReason onFragment(final Ipv4Header ip, final DirectBuffer buffer, final long now)
    {
        completed = -1;
        if (slots == 0)
        {
            return DropReason.IP_FRAGMENT;
        }
        final int flags = ip.flagsFragment();
        final boolean more = (flags & Ipv4Header.FLAG_MF) != 0;
        final int offset = (flags & 0x1FFF) * UNIT;
        final int length = ip.payloadLength();
        if (offset + length > MAX_DATAGRAM - ip.headerLength())
        {
            return DropReason.IP_FRAGMENT_TOO_BIG;
        }
        if (more && (length == 0 || (length & (UNIT - 1)) != 0))
        {
            return DropReason.IP_FRAGMENT_BAD_LENGTH;
        }
        int slot = find(ip);
        if (slot < 0)
        {
            slot = claim(ip, now);
        }
        final int end = offset + length;
        final int known = totalLength[slot];
        if (known >= 0 && (end > known || !more && end != known))
        {
            discard(slot);
            return DropReason.IP_FRAGMENT_OVERLAP;
        }
        final int firstUnit = offset / UNIT;
        final int endUnit = (end + UNIT - 1) / UNIT;
        final int held = unitsHeld(slot, firstUnit, endUnit);
        final UnsafeBuffer data = payload[slot];
        if (held != 0)
        {
            if (held == endUnit - firstUnit && sameBytes(data, offset, buffer, ip.payloadOffset(), length))
            {
                return DropReason.IP_FRAGMENT_DUPLICATE;
            }
            discard(slot);
            return DropReason.IP_FRAGMENT_OVERLAP;
        }
        data.putBytes(offset, buffer, ip.payloadOffset(), length);
        markUnits(slot, firstUnit, endUnit);
        if (offset == 0)
        {
            final int headerLength = ip.headerLength();
            firstHeaders.putBytes(slot * MAX_HEADER, buffer, ip.payloadOffset() - headerLength, headerLength);
            firstHeaderLength[slot] = headerLength;
        }
        received[slot] += length;
        if (!more)
        {
            totalLength[slot] = end;
        }
        if (totalLength[slot] >= 0 && received[slot] == totalLength[slot])
        {
            completed = slot;
        }
        return DropReason.NONE;
    }

    /** @return the slot of the datagram the last fragment completed, or -1. */
    public int completed()
    {
        return completed;
    }

    /**
     * @param slot a completed slot.
     * @return the reassembled payload, from offset 0.
     */
    public UnsafeBuffer payload(final int slot)
    {
        return payload[slot];
    }

    /**
     * @param slot a completed slot.
     * @return the payload length.
     */
    public int payloadLength(final int slot)
    {
        return totalLength[slot];
    }

    /**
     * @param slot a slot.
     * @return the datagram's IP protocol.
     */
    public int protocol(final int slot)
    {
        return protocol[slot];
    }

    /**
     * @param slot a slot.
     * @return the datagram's source address.
     */
    public int source(final int slot)
    {
        return source[slot];
    }

    /**
     * Frees a slot once its datagram was delivered.
     *
     * @param slot the slot.
     */
    public void release(final int slot)
    {
        discard(slot);
        if (completed == slot)
        {
            completed = -1;
        }
    }

    /**
     * Discards datagrams older than the timeout, telling the sender of each whose fragment zero arrived.
     *
     * @param now the stack's clock.
     * @param icmp where the Time Exceeded messages go.
     * @return datagrams discarded (each to be counted as {@link DropReason#IP_REASSEMBLY_TIMEOUT}).
     */
    public int poll(final long now, final IcmpService icmp)
    {
        if (inUseCount == 0)
        {
            return 0;
        }
        int expired = 0;
        for (int i = 0; i < slots; i++)
        {
            if (inUse[i] && now - started[i] >= timeoutNs)
            {
                if (firstHeaderLength[i] > 0)
                {
                    // a fragment other than the last carries at least 8 bytes: the quote RFC 792 asks for
                    icmp.reassemblyTimeExceeded(source[i], firstHeaders, i * MAX_HEADER, firstHeaderLength[i],
                        payload[i], now);
                }
                discard(i);
                expired++;
            }
        }
        return expired;
    }

    /** @return datagrams being reassembled now. */
    public int inUse()
    {
        return inUseCount;
    }

    /** @return datagrams evicted for room since the start. */
    public long evictions()
    {
        return evictions;
    }

    private int find(final Ipv4Header ip)
    {
        if (inUseCount == 0)
        {
            return -1;
        }
        final int src = ip.source();
        final int dst = ip.destination();
        final int id = ip.identification();
        final int proto = ip.protocol();
        for (int i = 0; i < slots; i++)
        {
            // RFC 791 §3.2: source, destination, protocol and identification name the datagram
            if (inUse[i] && identification[i] == id && source[i] == src && destination[i] == dst
                && protocol[i] == proto)
            {
                return i;
            }
        }
        return -1;
    }

    private int claim(final Ipv4Header ip, final long now)
    {
        int slot = -1;
        int oldest = -1;
        for (int i = 0; i < slots; i++)
        {
            if (!inUse[i])
            {
                slot = i;
                break;
            }
            if (oldest < 0 || started[i] - started[oldest] < 0)
            {
                oldest = i;
            }
        }
        if (slot < 0)
        {
            evictions++;
            discard(oldest);
            slot = oldest;
        }
        inUse[slot] = true;
        inUseCount++;
        source[slot] = ip.source();
        destination[slot] = ip.destination();
        identification[slot] = ip.identification();
        protocol[slot] = ip.protocol();
        totalLength[slot] = -1;
        received[slot] = 0;
        started[slot] = now;
        return slot;
    }

    private void discard(final int slot)
    {
        if (inUse[slot])
        {
            inUse[slot] = false;
            inUseCount--;
            firstHeaderLength[slot] = 0;
            Arrays.fill(bitmap, slot * BITMAP_WORDS, (slot + 1) * BITMAP_WORDS, 0L);
        }
    }

    private int unitsHeld(final int slot, final int firstUnit, final int endUnit)
    {
        final int base = slot * BITMAP_WORDS;
        int held = 0;
        for (int u = firstUnit; u < endUnit; u++)
        {
            if ((bitmap[base + (u >>> 6)] & (1L << u)) != 0)
            {
                held++;
            }
        }
        return held;
    }

    private void markUnits(final int slot, final int firstUnit, final int endUnit)
    {
        final int base = slot * BITMAP_WORDS;
        for (int u = firstUnit; u < endUnit; u++)
        {
            bitmap[base + (u >>> 6)] |= 1L << u;
        }
    }

    private static boolean sameBytes(
        final DirectBuffer held, final int heldOffset, final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (held.getByte(heldOffset + i) != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }
}
