package dev.synack.tcp;

/**
 * The first check of RFC 9293 §3.10.7.4 as pure functions, judged the same way for a connection and for a TIME-WAIT
 * record: is the segment an old duplicate by its timestamp (RFC 7323 §5.3 R1, PAWS), and does it fall within the
 * receive window (the four cases of §3.10.7.4's table)?
 */
final class Acceptability
{
    /**
     * How many ticks older than TS.Recent a TSval may be and still pass PAWS (Linux: TCP_PAWS_WINDOW). A Linux
     * sender's TSvals step back by one now and then (pacing stamps a segment with its departure time, an ACK with
     * the clock), and a Linux receiver lets them by; judged strictly, a train of such data segments is dropped and
     * resent, and the flow stalls for seconds.
     */
    static final int PAWS_WINDOW = 1;

    private Acceptability()
    {
    }

    /**
     * @param tsRecent TS.Recent.
     * @param tsVal the segment's TSval.
     * @param syn whether the segment is a SYN: a new incarnation must be newer than the old one's TS.Recent (RFC
     *     6191), so it gets no window.
     * @return whether PAWS rejects the segment.
     */
    static boolean pawsRejects(final int tsRecent, final int tsVal, final boolean syn)
    {
        return tsRecent - tsVal > (syn ? 0 : PAWS_WINDOW);
    }

    /**
     * §3.10.7.4 first step: the four cases of segment acceptability.
     *
     * @param rcvNxt RCV.NXT.
     * @param window RCV.WND.
     * @param segSeq SEG.SEQ.
     * @param segLen SEG.LEN.
     * @param rst whether the segment is a RST.
     * @return whether the segment is acceptable.
     */
    static boolean inWindow(final int rcvNxt, final int window, final int segSeq, final int segLen, final boolean rst)
    {
        if (segLen == 0)
        {
            // The right edge itself is taken for a bare ACK, as Linux does: a peer whose window we filled exactly
            // sends its ACKs there. Not for a RST: RFC 5961 §3.2 drops one outside RCV.NXT =< SEG.SEQ <
            // RCV.NXT+RCV.WND silently.
            final int edge = rst ? 0 : 1;
            return window == 0 ? segSeq == rcvNxt : SeqNum.inWindow(rcvNxt, segSeq, rcvNxt + window + edge);
        }
        return window != 0 && (SeqNum.inWindow(rcvNxt, segSeq, rcvNxt + window)
            || SeqNum.inWindow(rcvNxt, segSeq + segLen - 1, rcvNxt + window));
    }
}
