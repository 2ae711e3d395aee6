package dev.synack.nic.rss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/**
 * The Toeplitz hash against Microsoft's RSS verification suite ("Verifying the RSS Hash Calculation"): its key and
 * the five IPv4 rows, with and without the TCP ports, and the RSS choice of a queue through an indirection table.
 */
class ToeplitzTest
{
    /** The verification suite's (and many drivers' default) 40-byte key. */
    static final byte[] MICROSOFT_KEY = HexFormat.of().parseHex(
        "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");

    // destination, destination port, source, source port, IPv4 hash, IPv4 with TCP hash
    private static final String[][] IPV4 = {
        {"161.142.100.80", "1766", "66.9.149.187", "2794", "323e8fc2", "51ccc178"},
        {"65.69.140.83", "4739", "199.92.111.2", "14230", "d718262a", "c626b0ea"},
        {"12.22.207.184", "38024", "24.19.198.95", "12898", "d2d0a5de", "5c2b394a"},
        {"209.142.163.6", "2217", "38.27.205.30", "48228", "82989176", "afc7327f"},
        {"202.188.127.2", "1303", "153.39.163.191", "44251", "5d1809c5", "10e828a2"},
    };

    @Test
    void hashesMicrosoftsIpv4VerificationRows()
    {
        final Toeplitz toeplitz = new Toeplitz(MICROSOFT_KEY);
        for (final String[] row : IPV4)
        {
            final int destination = ip(row[0]);
            final int source = ip(row[2]);
            assertEquals(Integer.parseUnsignedInt(row[4], 16), toeplitz.hash(source, destination),
                "IPv4 hash of " + row[2] + " -> " + row[0]);
            assertEquals(Integer.parseUnsignedInt(row[5], 16), toeplitz.hash(source, destination,
                Integer.parseInt(row[3]), Integer.parseInt(row[1])), "IPv4 TCP hash of " + row[2] + ":" + row[3]
                + " -> " + row[0] + ":" + row[1]);
        }
    }

    @Test
    void choosesTheQueueThroughTheIndirectionTable()
    {
        // 128 entries spread over 4 queues, as `ethtool -X DEV equal 4` sets them
        final int[] indirection = new int[128];
        for (int i = 0; i < indirection.length; i++)
        {
            indirection[i] = i % 4;
        }
        final RssSteering rss = new RssSteering(MICROSOFT_KEY, indirection);
        // row 1: hash 0x51ccc178, low 7 bits 0x78 = 120, entry 120 -> queue 0
        assertEquals(0, rss.queueOf(ip("66.9.149.187"), ip("161.142.100.80"), 2794, 1766));
        // row 2: hash 0xc626b0ea, 0x6a = 106 -> queue 2
        assertEquals(2, rss.queueOf(ip("199.92.111.2"), ip("65.69.140.83"), 14230, 4739));
        // an active open's port: the peer's reply must land on the queue the port was chosen for
        final int peer = ip("198.18.0.2");
        final int us = ip("198.18.0.1");
        for (int queue = 0; queue < 4; queue++)
        {
            final int port = rss.firstPortFor(queue, peer, 80, us, 49152);
            assertEquals(queue, rss.queueOf(peer, us, 80, port), "port " + port + " for queue " + queue);
        }
    }

    @Test
    void refusesAKeyTooShortForATuple()
    {
        assertEquals("an RSS key of 8 bytes is too short for an IPv4 4-tuple: need at least 16",
            assertThrows(IllegalArgumentException.class, () -> new Toeplitz(new byte[8])).getMessage());
    }

    private static int ip(final String dotted)
    {
        int value = 0;
        for (final String part : dotted.split("\\."))
        {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }
}
