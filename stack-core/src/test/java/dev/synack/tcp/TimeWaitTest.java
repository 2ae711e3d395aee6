package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * TIME-WAIT (RFC 9293 §3.6.1) under what a peer can send into it: retransmitted FINs restart the 2MSL of the one
 * queue entry a connection has, so a FIN storm from one peer cannot crowd the others out of TIME-WAIT.
 */
class TimeWaitTest
{
    private static final int X = 9_000;

    private final RawPeer peer = new RawPeer(RawPeer.config().maxConnections(4)); // a TIME-WAIT queue of 8 entries
    private final TcpEngine tcp = peer.stack.agent.tcp();

    /** Connects from our side to {@code port}, closes first and ends in TIME-WAIT; returns the connection. */
    private TcpConnection cycleIntoTimeWait(final int port)
    {
        final long handle = tcp.connect(RawPeer.PEER_IP, port, new RecordingHandler());
        assertTrue(handle >= 0, "connect refused");
        peer.peerPort = port;
        final Seg syn = peer.expect(seg().syn());
        peer.stackPort = syn.srcPort;
        final int y = syn.seq;
        // --> SYN  <-- <SEQ=X><ACK=Y+1><CTL=SYN,ACK>  --> <SEQ=Y+1><ACK=X+1><CTL=ACK>   ESTABLISHED
        peer.send(seg().syn().ack(y + 1).seq(X).mss(1460)).expect(seg().ack(X + 1).seq(y + 1));
        final TcpConnection c = tcp.connection(handle);
        c.close();
        // --> <SEQ=Y+1><ACK=X+1><CTL=FIN,ACK>   FIN-WAIT-1
        peer.expect(seg().fin().ack(X + 1).seq(y + 1));
        // <-- <SEQ=X+1><ACK=Y+2><CTL=FIN,ACK>  --> <SEQ=Y+2><ACK=X+2><CTL=ACK>   TIME-WAIT
        peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
        assertEquals(TcpState.TIME_WAIT, c.state());
        return c;
    }

    @Test
    void aFinStormIntoTimeWaitKeepsOneQueueEntryAndOthersStillGetTheirTimeWait()
    {
        final TcpConnection first = cycleIntoTimeWait(5000);
        final long firstHandle = first.handle();
        final int y = first.iss();
        assertEquals(1, tcp.timeWaitQueued());
        // The peer retransmits its FIN 100 times, 10 ms apart: each is ACKed again and restarts 2MSL (§3.6.1), and
        // each restart moves the connection's one entry instead of appending another.
        for (int i = 0; i < 100; i++)
        {
            peer.advanceMs(10);
            peer.send(seg().fin().ack(y + 2).seq(X + 1)).expect(seg().ack(X + 2).seq(y + 2));
            assertEquals(1, tcp.timeWaitQueued(), "after FIN " + (i + 1));
        }
        // Another connection closes into TIME-WAIT now: it gets its 2MSL, the queue is not full.
        final TcpConnection second = cycleIntoTimeWait(5001);
        final long secondHandle = second.handle();
        assertEquals(2, tcp.connectionsIn(TcpState.TIME_WAIT));
        assertEquals(2, tcp.timeWaitQueued());
        // 2MSL (60 s) after the last FIN: both held up to it; the first's original deadline no longer applies.
        peer.advanceSeconds(59);
        peer.advanceMs(990);
        assertEquals(TcpState.TIME_WAIT, tcp.connection(firstHandle).state());
        assertEquals(TcpState.TIME_WAIT, tcp.connection(secondHandle).state());
        peer.advanceMs(20);
        assertNull(tcp.connection(firstHandle), "2MSL after the last retransmitted FIN");
        assertNull(tcp.connection(secondHandle));
        assertEquals(0, tcp.connectionsInUse());
        assertEquals(0, tcp.timeWaitQueued());
        assertEquals(0, tcp.timersScheduled());
    }
}
