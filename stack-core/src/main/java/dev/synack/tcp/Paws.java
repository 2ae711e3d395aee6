package dev.synack.tcp;

/**
 * RFC 7323 §5.3 R1, PAWS: a segment whose TSval is older than TS.Recent is an old duplicate from an earlier wrap of
 * the sequence space. Judged the same way for a connection ({@link SegmentArrival}) and a TIME-WAIT record
 * ({@link TimeWaitSegments}).
 */
final class Paws
{
    /**
     * How many ticks older than TS.Recent a TSval may be and still pass (Linux: TCP_PAWS_WINDOW). A Linux sender's
     * TSvals step back by one now and then (pacing stamps a segment with its departure time, an ACK with the clock),
     * and a Linux receiver lets them by; judged strictly, a train of such data segments is dropped and resent, and
     * the flow stalls for seconds.
     */
    static final int WINDOW = 1;

    private Paws()
    {
    }

    /**
     * @param tsRecent TS.Recent.
     * @param tsVal the segment's TSval.
     * @param syn whether the segment is a SYN: a new incarnation must be newer than the old one's TS.Recent (RFC
     *     6191), so it gets no window.
     * @return whether PAWS rejects the segment.
     */
    static boolean rejects(final int tsRecent, final int tsVal, final boolean syn)
    {
        return tsRecent - tsVal > (syn ? 0 : WINDOW);
    }
}
