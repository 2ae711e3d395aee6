package dev.synack.tools.capture;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a capture into {@link Conversation}s: one per TCP connection, both ends' capture points merged, keyed by
 * the 4-tuple; a SYN on a tuple whose connection is over (or with another ISN) starts a new one, as in the text
 * {@link Ladder}. Not thread-safe.
 */
final class Conversations
{
    private Conversations()
    {
    }

    /**
     * @param frames a capture, in order.
     * @param mslNs the Maximum Segment Lifetime the ends ran with: TIME-WAIT lasts twice that.
     * @return its connections, in order of their first segment.
     */
    static List<Conversation> of(final List<CapturedFrame> frames, final long mslNs)
    {
        final List<Transit> transits = Transits.of(frames);
        // each trip is two events, its sending and its arrival, applied in the order they happened: an end that
        // sends its FIN before the peer's FIN arrives (a simultaneous close) must be in FIN-WAIT-1 when it arrives
        final List<long[]> events = new ArrayList<>();
        for (int i = 0; i < transits.size(); i++)
        {
            final Transit t = transits.get(i);
            events.add(new long[] {t.sendNs(), t.sendOrder(), 0, i});
            if (!t.dropped())
            {
                events.add(new long[] {t.receiveNs(), t.receiveOrder(), 1, i});
            }
        }
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])
            .thenComparingLong(e -> e[2]));
        final List<Conversation> all = new ArrayList<>();
        final Map<String, Conversation> byTuple = new HashMap<>();
        final Conversation[] conversationOf = new Conversation[transits.size()];
        final int[] arrowOf = new int[transits.size()];
        for (final long[] event : events)
        {
            final int i = (int)event[3];
            final Transit transit = transits.get(i);
            if (event[2] == 1)
            {
                conversationOf[i].receive(transit, arrowOf[i]);
                continue;
            }
            final TcpSegment seg = transit.segment();
            Conversation conversation = byTuple.get(seg.tupleKey());
            if (conversation == null || (seg.isSyn() && conversation.isNewConnection(seg)))
            {
                conversation = new Conversation(transit);
                all.add(conversation);
                byTuple.put(seg.tupleKey(), conversation);
            }
            conversationOf[i] = conversation;
            arrowOf[i] = conversation.send(transit);
        }
        for (final Conversation conversation : all)
        {
            conversation.finish(2 * mslNs);
        }
        return all;
    }
}
