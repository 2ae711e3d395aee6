package dev.synack.tools.capture;

import java.util.ArrayList;
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
        final List<Conversation> all = new ArrayList<>();
        final Map<String, Conversation> byTuple = new HashMap<>();
        for (final Transit transit : Transits.of(frames))
        {
            final TcpSegment seg = transit.segment();
            Conversation conversation = byTuple.get(seg.tupleKey());
            if (conversation == null || (seg.isSyn() && conversation.isNewConnection(seg)))
            {
                conversation = new Conversation(transit);
                all.add(conversation);
                byTuple.put(seg.tupleKey(), conversation);
            }
            conversation.add(transit);
        }
        for (final Conversation conversation : all)
        {
            conversation.finish(2 * mslNs);
        }
        return all;
    }
}
