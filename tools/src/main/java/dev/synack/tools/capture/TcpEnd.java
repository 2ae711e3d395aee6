package dev.synack.tools.capture;

import static dev.synack.tools.capture.TcpSegment.ACK;
import static dev.synack.tools.capture.TcpSegment.FIN;
import static dev.synack.tools.capture.TcpSegment.RST;
import static dev.synack.tools.capture.TcpSegment.SYN;

import dev.synack.tcp.SeqNum;

/**
 * One end of a connection as the segments show it: its ISN, window scale, FIN, the highest sequence number it
 * has sent, and the RFC 9293 §3.3.2 state it is in, inferred from what it sends and receives. The ladders' reading
 * aid, not the stack's own record: a segment's effect is applied only when the caller says it arrived.
 */
final class TcpEnd
{
    final String address;
    String state;
    boolean isnKnown;
    int isn;
    int windowScale = -1;
    boolean finSent;
    int finSeq;
    private boolean sentAny;
    private int sentUpTo;

    TcpEnd(final String address, final String state)
    {
        this.address = address;
        this.state = state;
    }

    /** @return whether both ends are done with the connection (a new SYN on its tuple starts another one). */
    static boolean over(final TcpEnd a, final TcpEnd b)
    {
        return (a.state.equals("CLOSED") || a.state.equals("TIME-WAIT"))
            && (b.state.equals("CLOSED") || b.state.equals("TIME-WAIT"));
    }

    /**
     * @param seg a segment this end is about to send.
     * @return whether it carries sequence space this end has sent before (a retransmission; a keep-alive probe or
     *     a pure ACK carries none).
     */
    boolean retransmits(final TcpSegment seg)
    {
        return sentAny && seg.sequenceLength() > 0 && SeqNum.lt(seg.seq, sentUpTo);
    }

    /** RFC 9293 §3.3.2: what sending this segment tells of its sender (and its ISN, when it is a SYN). */
    void send(final TcpSegment seg)
    {
        if ((seg.flags & SYN) != 0)
        {
            isnKnown = true;
            isn = seg.seq;
            windowScale = seg.windowScale;
        }
        else if (!isnKnown)
        {
            // capture began mid-connection: the first sequence number seen stands in for the ISN
            isnKnown = true;
            isn = seg.seq - 1;
        }
        final int end = seg.seq + seg.sequenceLength();
        if (!sentAny || SeqNum.gt(end, sentUpTo))
        {
            sentUpTo = end;
        }
        sentAny = true;
        if ((seg.flags & RST) != 0)
        {
            state = "CLOSED";
            return;
        }
        if ((seg.flags & (SYN | ACK)) == SYN && (state.equals("CLOSED") || state.equals("LISTEN")))
        {
            state = "SYN-SENT";
        }
        else if ((seg.flags & (SYN | ACK)) == (SYN | ACK) && (state.equals("LISTEN") || state.equals("SYN-SENT")))
        {
            state = "SYN-RECEIVED";
        }
        if ((seg.flags & FIN) != 0 && !finSent)
        {
            finSent = true;
            finSeq = seg.seq + seg.payloadLength + ((seg.flags & SYN) != 0 ? 1 : 0);
            if (state.equals("ESTABLISHED") || state.equals("SYN-RECEIVED"))
            {
                state = "FIN-WAIT-1";
            }
            else if (state.equals("CLOSE-WAIT"))
            {
                state = "LAST-ACK";
            }
        }
    }

    /** RFC 9293 §3.10.7: what receiving this segment moves this end to. */
    void receive(final TcpSegment seg)
    {
        if ((seg.flags & RST) != 0)
        {
            state = state.equals("TIME-WAIT") ? state : "CLOSED";
            return;
        }
        if (seg.isSyn())
        {
            if (state.equals("LISTEN") || state.equals("SYN-SENT"))
            {
                state = "SYN-RECEIVED"; // §3.10.7.2 (LISTEN), §3.10.7.3 simultaneous open (SYN-SENT)
            }
            return;
        }
        final boolean acksOurSyn = (seg.flags & ACK) != 0 && isnKnown && seg.ack == isn + 1;
        if ((seg.flags & SYN) != 0 && state.equals("SYN-SENT") && acksOurSyn)
        {
            state = "ESTABLISHED"; // §3.10.7.3: our SYN acknowledged
        }
        else if (state.equals("SYN-RECEIVED") && (seg.flags & ACK) != 0 && acksOurSyn)
        {
            state = "ESTABLISHED"; // §3.10.7.4: SYN-RECEIVED, acceptable ACK
        }
        final boolean acksOurFin = (seg.flags & ACK) != 0 && finSent && seg.ack == finSeq + 1;
        if (acksOurFin)
        {
            switch (state)
            {
                case "FIN-WAIT-1" -> state = "FIN-WAIT-2";
                case "CLOSING" -> state = "TIME-WAIT";
                case "LAST-ACK" -> state = "CLOSED";
                default ->
                {
                    // FIN already acknowledged, or a duplicate: no change
                }
            }
        }
        if ((seg.flags & FIN) != 0)
        {
            switch (state)
            {
                case "SYN-RECEIVED", "ESTABLISHED" -> state = "CLOSE-WAIT";
                case "FIN-WAIT-1" -> state = "CLOSING";
                case "FIN-WAIT-2" -> state = "TIME-WAIT";
                default ->
                {
                    // a retransmitted FIN: TIME-WAIT restarts its 2MSL, the state stays
                }
            }
        }
    }
}
