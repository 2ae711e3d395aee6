package dev.synack.tools.capture;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a capture's TCP frames into {@link Transit}s. A journal with both ends' taps (two stacks over one wire)
 * sees each segment twice, leaving one stack and entering the other: the two are paired by their bytes, which
 * the wire does not change, and a segment seen leaving but never entering is one the wire dropped. With one
 * capture point (one stack's tap, a pcap) every segment is one transit, assumed delivered when seen.
 * <p>
 * An arrival is paired with the latest unpaired departure of the same bytes at or before it, so a lost segment
 * and its identical retransmission pair right; a retransmission sent while the original was still on a slow wire
 * would pair with the wrong one. Not thread-safe.
 */
final class Transits
{
    private Transits()
    {
    }

    /**
     * @param frames a capture, in order.
     * @return its TCP segments' transits, in order of sending (capture order among equal times).
     */
    static List<Transit> of(final List<CapturedFrame> frames)
    {
        final List<TcpSegment> segments = new ArrayList<>();
        final Map<String, Set<String>> stacksOfTuple = new HashMap<>();
        for (final CapturedFrame frame : frames)
        {
            final TcpSegment segment = TcpSegment.parse(frame);
            if (segment != null)
            {
                segments.add(segment);
                stacksOfTuple.computeIfAbsent(segment.tupleKey(), k -> new LinkedHashSet<>()).add(frame.stack());
            }
        }
        final int n = segments.size();
        final int[] arrivalOf = new int[n];
        final boolean[] paired = new boolean[n];
        Arrays.fill(arrivalOf, -1);
        final Map<ByteBuffer, List<Integer>> departures = new HashMap<>();
        for (int i = 0; i < n; i++)
        {
            final CapturedFrame frame = segments.get(i).frame;
            if (frame.outbound())
            {
                departures.computeIfAbsent(ByteBuffer.wrap(frame.bytes()), k -> new ArrayList<>()).add(i);
            }
        }
        for (int j = 0; j < n; j++)
        {
            final CapturedFrame arrival = segments.get(j).frame;
            if (arrival.outbound() || !bothEnds(stacksOfTuple, segments.get(j)))
            {
                continue;
            }
            int best = -1;
            for (final int i : departures.getOrDefault(ByteBuffer.wrap(arrival.bytes()), List.of()))
            {
                final CapturedFrame departure = segments.get(i).frame;
                if (arrivalOf[i] < 0 && !departure.stack().equals(arrival.stack())
                    && departure.timeNs() <= arrival.timeNs()
                    && (best < 0 || departure.timeNs() >= segments.get(best).frame.timeNs()))
                {
                    best = i;
                }
            }
            if (best >= 0)
            {
                arrivalOf[best] = j;
                paired[j] = true;
            }
        }
        final List<Transit> transits = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final TcpSegment segment = segments.get(i);
            final CapturedFrame frame = segment.frame;
            if (frame.outbound())
            {
                final int j = arrivalOf[i];
                final CapturedFrame arrival = j < 0 ? null : segments.get(j).frame;
                transits.add(new Transit(segment, frame.timeNs(), arrival == null ? frame.timeNs() : arrival.timeNs(),
                    arrival == null && bothEnds(stacksOfTuple, segment), frame.stack(),
                    arrival == null ? null : arrival.stack(), i, j < 0 ? i : j));
            }
            else if (!paired[i])
            {
                transits.add(new Transit(segment, frame.timeNs(), frame.timeNs(), false, null,
                    frame.stack().equals(Pcap.STACK) ? null : frame.stack(), i, i));
            }
        }
        transits.sort(Comparator.comparingLong(Transit::sendNs)); // stable: capture order among equal times
        return transits;
    }

    private static boolean bothEnds(final Map<String, Set<String>> stacksOfTuple, final TcpSegment segment)
    {
        return stacksOfTuple.get(segment.tupleKey()).size() >= 2;
    }
}
