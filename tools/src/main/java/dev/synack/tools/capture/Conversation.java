package dev.synack.tools.capture;

import static dev.synack.tools.capture.TcpSegment.FIN;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One TCP connection ready to be drawn ({@link LadderSvg}): its two ends, one {@link Arrow} per segment, the
 * states each end enters and when ({@link Mark}), and each TIME-WAIT as a span of time ({@link TimeWait}). The
 * left end sent the first segment. States are inferred as the text {@link Ladder} infers them (RFC 9293), except
 * that a segment the wire dropped changes nothing at its receiver; TIME-WAIT, which no segment ends, is taken to
 * last 2MSL from its start or from its last restart (a retransmitted FIN arriving in it, RFC 9293 §3.6.1), after
 * which the end is CLOSED.
 * <p>
 * Built by {@link Conversations}; not thread-safe.
 */
final class Conversation
{
    /**
     * One segment.
     *
     * @param fromLeft whether the left end sent it.
     * @param sendNs when it left.
     * @param receiveNs when it arrived (equal to sendNs when only one capture point saw it, or it was dropped).
     * @param dropped whether the wire dropped it.
     * @param retransmission whether it carries sequence space its sender had sent before.
     * @param label flags, relative seq/ack, window, length (and MSS, window scale on a SYN).
     */
    record Arrow(boolean fromLeft, long sendNs, long receiveNs, boolean dropped, boolean retransmission,
        String label)
    {
    }

    /**
     * A state an end enters.
     *
     * @param left which end.
     * @param timeNs when.
     * @param state its RFC 9293 name.
     * @param arrow the arrow whose sending or arrival moved it there, or -1 (2MSL ran out).
     */
    record Mark(boolean left, long timeNs, String state, int arrow)
    {
    }

    /**
     * A TIME-WAIT.
     *
     * @param left which end.
     * @param startNs when the end entered it.
     * @param endNs when 2MSL after the last (re)start ran out, or when the end left it otherwise.
     * @param restartsNs when retransmitted FINs restarted the 2MSL timer.
     * @param expired whether it ended by running out (rather than by a segment).
     */
    record TimeWait(boolean left, long startNs, long endNs, List<Long> restartsNs, boolean expired)
    {
    }

    final TcpEnd left;
    final TcpEnd right;
    final String leftInitial;
    final String rightInitial;
    final long startNs;
    final boolean startedWithSyn;
    final List<Arrow> arrows = new ArrayList<>();
    final List<Mark> marks = new ArrayList<>();
    final List<TimeWait> timeWaits = new ArrayList<>();
    final Set<String> capturedAt = new LinkedHashSet<>();
    /** Sendings and arrivals in the order they happened: arrow × 2, plus 1 for an arrival. */
    final List<Integer> events = new ArrayList<>();
    String leftStack;
    String rightStack;
    private final long[] timeWaitStart = {-1, -1};
    private final long[] timeWaitLastStart = {-1, -1};
    private final List<List<Long>> restarts = List.of(new ArrayList<>(), new ArrayList<>());

    Conversation(final Transit first)
    {
        final TcpSegment seg = first.segment();
        startedWithSyn = seg.isSyn();
        leftInitial = startedWithSyn ? "CLOSED" : "ESTABLISHED";
        rightInitial = startedWithSyn ? "LISTEN" : "ESTABLISHED";
        left = new TcpEnd(seg.source(), leftInitial);
        right = new TcpEnd(seg.destination(), rightInitial);
        startNs = first.sendNs();
    }

    /** @return whether this SYN starts another connection on the same 4-tuple (as {@link Ladder} decides). */
    boolean isNewConnection(final TcpSegment syn)
    {
        final TcpEnd from = syn.source().equals(left.address) ? left : right;
        return (TcpEnd.over(left, right) && !arrows.isEmpty()) || (from.isnKnown && from.isn != syn.seq);
    }

    /**
     * Its sender sends a segment.
     *
     * @param transit the segment's trip.
     * @return the arrow drawn for it, to pass to {@link #receive} when it arrives.
     */
    int send(final Transit transit)
    {
        final TcpSegment seg = transit.segment();
        final boolean fromLeft = seg.source().equals(left.address);
        final TcpEnd from = fromLeft ? left : right;
        final TcpEnd to = fromLeft ? right : left;
        name(fromLeft, transit.senderStack());
        final int arrow = arrows.size();
        final boolean retransmission = from.retransmits(seg);
        final String before = from.state;
        from.send(seg);
        changed(fromLeft, before, from.state, transit.sendNs(), arrow);
        arrows.add(new Arrow(fromLeft, transit.sendNs(), transit.receiveNs(), transit.dropped(), retransmission,
            seg.label(from, to)));
        events.add(arrow * 2);
        return arrow;
    }

    /**
     * A segment arrives at its receiver (never called for one the wire dropped).
     *
     * @param transit the segment's trip.
     * @param arrow what {@link #send} returned for it.
     */
    void receive(final Transit transit, final int arrow)
    {
        final TcpSegment seg = transit.segment();
        final boolean toLeft = !seg.source().equals(left.address);
        final TcpEnd to = toLeft ? left : right;
        name(toLeft, transit.receiverStack());
        events.add(arrow * 2 + 1);
        final String before = to.state;
        final boolean finInTimeWait = before.equals("TIME-WAIT") && (seg.flags & FIN) != 0;
        to.receive(seg);
        changed(toLeft, before, to.state, transit.receiveNs(), arrow);
        if (finInTimeWait && to.state.equals("TIME-WAIT"))
        {
            // RFC 9293 §3.6.1: the peer lost our ACK; we ACK its FIN again and 2MSL starts over
            final int end = toLeft ? 0 : 1;
            restarts.get(end).add(transit.receiveNs());
            timeWaitLastStart[end] = transit.receiveNs();
        }
    }

    /**
     * Ends what the capture leaves open: a TIME-WAIT lasts 2MSL after its last (re)start.
     *
     * @param twoMslNs 2MSL.
     */
    void finish(final long twoMslNs)
    {
        for (int end = 0; end < 2; end++)
        {
            if (timeWaitStart[end] >= 0)
            {
                final long expiry = timeWaitLastStart[end] + twoMslNs;
                timeWaits.add(new TimeWait(end == 0, timeWaitStart[end], expiry, List.copyOf(restarts.get(end)), true));
                marks.add(new Mark(end == 0, expiry, "CLOSED", -1));
                timeWaitStart[end] = -1;
            }
        }
    }

    /** @return how many segments of it were seen. */
    int segments()
    {
        return arrows.size();
    }

    private void name(final boolean isLeft, final String stack)
    {
        if (stack == null)
        {
            return;
        }
        capturedAt.add(stack);
        if (isLeft && leftStack == null)
        {
            leftStack = stack;
        }
        else if (!isLeft && rightStack == null)
        {
            rightStack = stack;
        }
    }

    private void changed(final boolean isLeft, final String before, final String after, final long timeNs,
        final int arrow)
    {
        if (before.equals(after))
        {
            return;
        }
        marks.add(new Mark(isLeft, timeNs, after, arrow));
        final int end = isLeft ? 0 : 1;
        if (after.equals("TIME-WAIT"))
        {
            timeWaitStart[end] = timeNs;
            timeWaitLastStart[end] = timeNs;
            restarts.get(end).clear();
        }
        else if (before.equals("TIME-WAIT") && timeWaitStart[end] >= 0)
        {
            // left TIME-WAIT by a segment (a RST it sent): the bar ends there
            timeWaits.add(new TimeWait(isLeft, timeWaitStart[end], timeNs, List.copyOf(restarts.get(end)), false));
            timeWaitStart[end] = -1;
        }
    }
}
