package dev.synack.interop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interop capture check excuses a retransmission only when the receiver D-SACKed every byte of it: shown on a
 * hand-made capture where one retransmission is D-SACKed and another, a real loss repair, is not.
 */
class DsackedRetransmissionsTest
{
    private static final int A = 0xC6120002; // 198.18.0.2, the sender
    private static final int B = 0xC6120001; // 198.18.0.1, the receiver
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;

    @Test
    void onlyARetransmissionTheReceiverDsackedWholeIsExcused(@TempDir final Path dir) throws IOException
    {
        Lab.assumeTool("tshark");
        final ByteBuffer pcap = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        pcap.putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        frame(pcap, 1, A, B, 1000, 5000, PSH_ACK, 100, 0, 0);     // 1: data 1000..1100
        frame(pcap, 2, A, B, 1100, 5000, PSH_ACK, 100, 0, 0);     // 2: data 1100..1200
        frame(pcap, 3, A, B, 1100, 5000, PSH_ACK, 100, 0, 0);     // 3: 1100..1200 again (a late ACK's probe)
        frame(pcap, 4, B, A, 5000, 1200, ACK, 0, 1100, 1200);     // 4: ACK 1200, D-SACK 1100..1200
        frame(pcap, 5, A, B, 1000, 5000, PSH_ACK, 100, 0, 0);     // 5: 1000..1100 again, never D-SACKed
        final Path file = dir.resolve("dsack.pcap");
        Files.write(file, java.util.Arrays.copyOf(pcap.array(), pcap.position()));

        final DsackedRetransmissions late = DsackedRetransmissions.read(file);
        assertTrue(late.excused(3), late.describe());
        assertFalse(late.excused(5), late.describe());
        assertEquals(1, late.count(), late.describe());
    }

    /** One Ethernet/IPv4/TCP frame; with a D-SACK block the TCP header carries NOP, NOP, SACK(1 block). */
    private static void frame(final ByteBuffer pcap, final int second, final int src, final int dst, final int seq,
        final int ack, final int flags, final int payload, final int dsackLeft, final int dsackRight)
    {
        final int options = dsackLeft == dsackRight ? 0 : 12;
        final int tcpLength = 20 + options;
        final int length = 14 + 20 + tcpLength + payload;
        pcap.putInt(second).putInt(0).putInt(length).putInt(length);
        final ByteBuffer f = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        f.put(new byte[] {2, 0, 0, 0, 0, (byte)(dst & 0xFF), 2, 0, 0, 0, 0, (byte)(src & 0xFF)});
        f.putShort((short)0x0800);
        f.put((byte)0x45).put((byte)0).putShort((short)(20 + tcpLength + payload)).putShort((short)second)
            .putShort((short)0x4000).put((byte)64).put((byte)6).putShort((short)0).putInt(src).putInt(dst);
        f.putShort((short)(src == A ? 40000 : 7)).putShort((short)(src == A ? 7 : 40000)).putInt(seq).putInt(ack)
            .put((byte)((tcpLength / 4) << 4)).put((byte)flags).putShort((short)65535).putShort((short)0)
            .putShort((short)0);
        if (options > 0)
        {
            f.put((byte)1).put((byte)1).put((byte)5).put((byte)10).putInt(dsackLeft).putInt(dsackRight);
        }
        pcap.put(f.array());
    }
}
