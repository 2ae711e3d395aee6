package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * Active opens take their local port from the configured range (Linux's {@code ip_local_port_range}); a client
 * whose every port to one server port is in TIME-WAIT (RFC 9293 §3.6.1) refuses the next connect, counted, until
 * 2MSL frees one.
 */
class EphemeralPortsTest
{
    private static final int FIRST = 40_000;
    private static final int LAST = 40_002;

    @Test
    void activeOpensTakeTheirPortsFromTheConfiguredRangeAndAreRefusedWhenItIsFullOfTimeWait()
    {
        final StackConfig config = RawPeer.config().maxConnections(16).ephemeralPorts(FIRST, LAST);
        final RawPeer peer = new RawPeer(config);
        peer.peerPort = 5000;
        final TcpEngine tcp = peer.stack.agent.tcp();
        final Set<Integer> ports = new TreeSet<>();
        for (int i = 0; i <= LAST - FIRST; i++)
        {
            TimeWaitEvictionTest.cycleIntoTimeWait(peer);
            assertTrue(tcp.inTimeWait(RawPeer.PEER_IP, 5000, peer.stackPort));
            ports.add(peer.stackPort);
        }
        assertEquals(Set.of(40_000, 40_001, 40_002), ports);

        assertEquals(-1, tcp.connect(RawPeer.PEER_IP, 5000, new RecordingHandler()),
            "three ports, three TIME-WAITs to 5000: no 4-tuple left");
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_TABLE_FULL));
        peer.expectNothing();

        assertTrue(tcp.connect(RawPeer.PEER_IP, 5001, new RecordingHandler()) >= 0, "another server port is free");
        final Seg syn = peer.expect(seg().syn());
        assertTrue(syn.srcPort >= FIRST && syn.srcPort <= LAST, "port " + syn.srcPort);
    }
}
