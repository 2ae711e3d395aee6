package dev.synack.nic.lab;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Hand-built test frames (no stack-core here): an ARP request, and ARP reply recognition.
 */
public final class Frames
{
    /** synack-side MAC from lab-net. */
    public static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    /** peer MAC from lab-net. */
    public static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};
    /** 198.18.0.1. */
    public static final int IP_A = (198 << 24) | (18 << 16) | 1;
    /** 198.18.0.2. */
    public static final int IP_B = (198 << 24) | (18 << 16) | 2;
    /** An ARP frame padded to the Ethernet minimum (no FCS). */
    public static final int ARP_FRAME_LENGTH = 60;

    private Frames()
    {
    }

    /**
     * Writes "who-has targetIp tell senderIp" broadcast from senderMac.
     *
     * @param buffer    where.
     * @param offset    at.
     * @param senderMac our MAC.
     * @param senderIp  our IPv4.
     * @param targetIp  the address asked for.
     * @return the frame length.
     */
    public static int arpRequest(
        final MutableDirectBuffer buffer, final int offset, final byte[] senderMac, final int senderIp,
        final int targetIp)
    {
        buffer.setMemory(offset, ARP_FRAME_LENGTH, (byte)0);
        for (int i = 0; i < 6; i++)
        {
            buffer.putByte(offset + i, (byte)0xFF);
        }
        buffer.putBytes(offset + 6, senderMac);
        buffer.putShort(offset + 12, (short)0x0806, ByteOrder.BIG_ENDIAN);
        final int arp = offset + 14;
        buffer.putShort(arp, (short)1, ByteOrder.BIG_ENDIAN);          // htype Ethernet
        buffer.putShort(arp + 2, (short)0x0800, ByteOrder.BIG_ENDIAN); // ptype IPv4
        buffer.putByte(arp + 4, (byte)6);
        buffer.putByte(arp + 5, (byte)4);
        buffer.putShort(arp + 6, (short)1, ByteOrder.BIG_ENDIAN);      // request
        buffer.putBytes(arp + 8, senderMac);
        buffer.putInt(arp + 14, senderIp, ByteOrder.BIG_ENDIAN);
        buffer.putInt(arp + 24, targetIp, ByteOrder.BIG_ENDIAN);
        return ARP_FRAME_LENGTH;
    }

    /**
     * @param buffer   the frame.
     * @param offset   its start.
     * @param length   its length.
     * @param senderIp the IP the reply must be from.
     * @return whether it is an ARP reply from senderIp.
     */
    public static boolean isArpReplyFrom(
        final DirectBuffer buffer, final int offset, final int length, final int senderIp)
    {
        return length >= 42 &&
            buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) == 0x0806 &&
            buffer.getShort(offset + 14 + 6, ByteOrder.BIG_ENDIAN) == 2 &&
            buffer.getInt(offset + 14 + 14, ByteOrder.BIG_ENDIAN) == senderIp;
    }

    /**
     * @param buffer the frame.
     * @param offset where a MAC starts.
     * @return it as aa:bb:...
     */
    public static String mac(final DirectBuffer buffer, final int offset)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++)
        {
            sb.append(i == 0 ? "" : ":").append(String.format("%02x", buffer.getByte(offset + i) & 0xFF));
        }
        return sb.toString();
    }
}
