package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.synack.stack.StackConfig;
import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * A client that closes first keeps every 4-tuple in TIME-WAIT for 2MSL (RFC 9293 §3.6.1). When those fill the
 * table, the oldest TIME-WAIT makes room for the next connection (counted), unless the configuration asks for
 * the letter of the RFC, where the connection is refused until 2MSL frees a slot.
 */
class TimeWaitEvictionTest
{
    private static final int X = 7_000;
    private static final int TABLE = 4;

    private static RawPeer peer(final boolean evict)
    {
        final StackConfig config = RawPeer.config().maxConnections(TABLE).evictTimeWait(evict);
        final RawPeer peer = new RawPeer(config);
        peer.peerPort = 5000;
        return peer;
    }

    /** Connects to the peer's port 5000, closes first and leaves the connection in TIME-WAIT; returns its handle. */
    static long cycleIntoTimeWait(final RawPeer peer)
    {
        final TcpEngine tcp = peer.stack.agent.tcp();
        final long handle = tcp.connect(RawPeer.PEER_IP, 5000, new RecordingHandler());
        assertTrue(handle >= 0, "connect refused");
        final Seg syn = peer.expect(seg().syn());
        peer.stackPort = syn.srcPort;
        final int y = syn.seq;
        peer.send(seg().syn().ack(y + 1).seq(X).mss(1460)).expect(seg().ack(X + 1).seq(y + 1));
        tcp.connection(handle).close();
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, tcp.stateOf(handle));
        return handle;
    }

    @Test
    void aFullTableEndsTheOldestTimeWaitForTheNextConnection()
    {
        final RawPeer peer = peer(true);
        final TcpEngine tcp = peer.stack.agent.tcp();
        final long[] handles = new long[TABLE];
        for (int i = 0; i < TABLE; i++)
        {
            handles[i] = cycleIntoTimeWait(peer);
            peer.advanceMs(1);
        }
        assertEquals(TABLE, tcp.connectionsIn(TcpState.TIME_WAIT));

        // The fifth connection takes the slot of the first TIME-WAIT; the others keep their 2MSL.
        final long fifth = tcp.connect(RawPeer.PEER_IP, 5000, new RecordingHandler());
        assertTrue(fifth >= 0, "a full table of TIME-WAITs makes room");
        peer.expect(seg().syn());
        assertEquals(TcpState.CLOSED, tcp.stateOf(handles[0]), "the oldest TIME-WAIT ended early");
        for (int i = 1; i < TABLE; i++)
        {
            assertEquals(TcpState.TIME_WAIT, tcp.stateOf(handles[i]));
        }
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_TIME_WAIT_EVICTED));
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TABLE_FULL));
    }

    @Test
    void withEvictionOffAFullTableRefusesUntil2MslFreesASlot()
    {
        final RawPeer peer = peer(false);
        final TcpEngine tcp = peer.stack.agent.tcp();
        for (int i = 0; i < TABLE; i++)
        {
            cycleIntoTimeWait(peer);
        }
        assertEquals(-1, tcp.connect(RawPeer.PEER_IP, 5000, new RecordingHandler()));
        assertEquals(1, peer.stack.counters.get(StackCounter.TCP_TABLE_FULL));
        // synack's default MSL is 30 s (Linux's TIME-WAIT is 60 s): just before 2MSL all four still hold.
        peer.advanceSeconds(59);
        assertEquals(TABLE, tcp.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(-1, tcp.connect(RawPeer.PEER_IP, 5000, new RecordingHandler()));
        peer.advanceSeconds(2);
        assertEquals(0, tcp.connectionsIn(TcpState.TIME_WAIT));
        assertTrue(tcp.connect(RawPeer.PEER_IP, 5000, new RecordingHandler()) >= 0);
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_TIME_WAIT_EVICTED));
    }
}
