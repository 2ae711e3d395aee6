package dev.synack.tools.capture;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.synack.tools.svg.Svg;

/**
 * Draws one {@link Conversation} as an SVG ladder (RFC 9293 §3.5 figure 6 as a picture): a lifeline per end,
 * labelled with its {@code address:port} (and the capturing stack), one arrow per segment from the time it left
 * to the time it arrived with its flags, relative seq/ack, window and length; the state each end enters written
 * on its own side of its lifeline at that height; retransmissions red and dashed, drops as an arrow ending in a
 * cross short of the receiver; TIME-WAIT as a bar with its real length. Time runs down in µs since the first
 * segment, on a {@link TimeAxis} that shortens long idle gaps to labelled breaks.
 * <p>
 * Same conversation, same bytes: every number goes through {@link Svg#num} and every order is fixed, so the
 * pictures can be golden files. Text elements carry classes ({@code state left}, {@code state right},
 * {@code label}, {@code tick}) that tests read back. Not thread-safe.
 */
final class LadderSvg
{
    private static final double WIDTH = 1120;
    private static final double X_AXIS = 120;
    private static final double X_LEFT = 330;
    private static final double X_RIGHT = 970;
    private static final double LABEL_INSET = 24;
    private static final double Y_INITIAL = 116;
    private static final double TOP = 150;
    private static final double STATE_GAP = 14;
    private static final String INK = "#222222";
    private static final String RED = "#c0392b";
    private static final String BLUE = "#1f4e9c";
    private static final String WAIT = "#a0522d";
    private static final String GRAY = "#888888";

    private final Conversation c;
    private final TimeAxis axis;
    private final double[] sendY;
    private final double[] receiveY;
    private final double[] markY;

    private LadderSvg(final Conversation conversation)
    {
        c = conversation;
        final SortedMap<Long, Integer> rowsAt = new TreeMap<>();
        for (final Conversation.Arrow arrow : c.arrows)
        {
            rowsAt.merge(arrow.sendNs(), 1, Integer::sum);
            rowsAt.putIfAbsent(arrow.receiveNs(), 0);
        }
        for (final Conversation.Mark mark : c.marks)
        {
            rowsAt.putIfAbsent(mark.timeNs(), 0);
        }
        for (final Conversation.TimeWait wait : c.timeWaits)
        {
            rowsAt.putIfAbsent(wait.endNs(), 0);
        }
        axis = new TimeAxis(TOP, rowsAt);
        sendY = new double[c.arrows.size()];
        receiveY = new double[c.arrows.size()];
        // Within one instant each sending takes a row of its own, in the order things happened, and an arrival is
        // drawn on the row of the latest sending before it: a reply leaves where the request arrived, and an end
        // that sent before something arrived (a simultaneous close) shows it in that order. An arrow never climbs.
        final Map<Long, Integer> sent = new HashMap<>();
        for (final int event : c.events)
        {
            final int i = event / 2;
            final Conversation.Arrow arrow = c.arrows.get(i);
            if (event % 2 == 0)
            {
                final int row = sent.merge(arrow.sendNs(), 1, Integer::sum) - 1;
                sendY[i] = axis.y(arrow.sendNs()) + row * TimeAxis.ROW;
                receiveY[i] = sendY[i];
            }
            else
            {
                final int row = Math.max(0, sent.getOrDefault(arrow.receiveNs(), 0) - 1);
                receiveY[i] = Math.max(axis.y(arrow.receiveNs()) + row * TimeAxis.ROW, sendY[i]);
            }
        }
        markY = new double[c.marks.size()];
        for (int i = 0; i < markY.length; i++)
        {
            final Conversation.Mark mark = c.marks.get(i);
            if (mark.arrow() < 0)
            {
                markY[i] = axis.y(mark.timeNs());
            }
            else
            {
                final boolean atSender = mark.left() == c.arrows.get(mark.arrow()).fromLeft();
                markY[i] = atSender ? sendY[mark.arrow()] : receiveY[mark.arrow()];
            }
        }
    }

    /**
     * @param conversation the connection.
     * @param number its number in the capture, for the title.
     * @param mslNs the MSL it was drawn with (TIME-WAIT's length), for the legend.
     * @return the SVG document.
     */
    static String draw(final Conversation conversation, final int number, final long mslNs)
    {
        return new LadderSvg(conversation).render(number, mslNs);
    }

    private String render(final int number, final long mslNs)
    {
        final double bottom = axis.bottom() + 40;
        final double height = bottom + 76;
        final String title = "TCP connection " + number + ": " + c.left.address + " ⇄ " + c.right.address;
        final Svg svg = new Svg(WIDTH, height, title, "font-family", "DejaVu Sans Mono, Menlo, Consolas, monospace",
            "font-size", "11");
        svg.empty("rect", "width", Svg.num(WIDTH), "height", Svg.num(height), "fill", "#ffffff");
        svg.open("defs");
        marker(svg, "head", INK);
        marker(svg, "head-red", RED);
        svg.close("defs");
        svg.text("text", title + " — " + c.segments() + " segments, " + capturedAt(), "x", "20", "y", "28",
            "font-size", "14", "font-weight", "bold", "fill", INK);
        end(svg, X_LEFT, c.left.address, c.leftStack);
        end(svg, X_RIGHT, c.right.address, c.rightStack);
        lifelines(svg, bottom);
        timeAxis(svg, bottom);
        timeWaits(svg, mslNs);
        for (int i = 0; i < c.arrows.size(); i++)
        {
            arrow(svg, i);
        }
        states(svg);
        legend(svg, bottom + 26, mslNs);
        return svg.finish();
    }

    private String capturedAt()
    {
        if (c.capturedAt.isEmpty())
        {
            return "from a pcap file";
        }
        return "captured at " + String.join(" and ", c.capturedAt);
    }

    private static void marker(final Svg svg, final String id, final String colour)
    {
        svg.open("marker", "id", id, "viewBox", "0 0 10 10", "refX", "10", "refY", "5", "markerWidth", "9",
            "markerHeight", "9", "orient", "auto");
        svg.empty("path", "d", "M0,0 L10,5 L0,10 z", "fill", colour);
        svg.close("marker");
    }

    private static void end(final Svg svg, final double x, final String address, final String stack)
    {
        svg.empty("rect", "x", Svg.num(x - 110), "y", "48", "width", "220", "height", "40", "rx", "4",
            "fill", "#f3f3f3", "stroke", INK);
        svg.text("text", address, "class", "end", "x", Svg.num(x), "y", stack == null ? "72" : "65",
            "text-anchor", "middle", "font-size", "13", "font-weight", "bold", "fill", INK);
        if (stack != null)
        {
            svg.text("text", "stack " + stack, "x", Svg.num(x), "y", "81", "text-anchor", "middle", "fill", GRAY);
        }
    }

    private void lifelines(final Svg svg, final double bottom)
    {
        for (final double x : new double[] {X_LEFT, X_RIGHT})
        {
            double from = 88;
            for (final TimeAxis.Break gap : axis.breaks())
            {
                line(svg, x, from, x, gap.fromY(), INK, null);
                line(svg, x, gap.fromY(), x, gap.toY(), GRAY, "2 4");
                from = gap.toY();
            }
            line(svg, x, from, x, bottom, INK, null);
        }
    }

    private void timeAxis(final Svg svg, final double bottom)
    {
        svg.text("text", "µs since the", "x", Svg.num(X_AXIS), "y", Svg.num(TOP - 34), "text-anchor", "end",
            "fill", GRAY);
        svg.text("text", "first segment", "x", Svg.num(X_AXIS), "y", Svg.num(TOP - 21), "text-anchor", "end",
            "fill", GRAY);
        double from = TOP - 10;
        for (final TimeAxis.Break gap : axis.breaks())
        {
            line(svg, X_AXIS + 6, from, X_AXIS + 6, gap.fromY(), GRAY, null);
            // the axis is cut and zigzags across the shortened gap: this length is not to scale
            final double h = gap.toY() - gap.fromY();
            final double x = X_AXIS + 6;
            svg.empty("path", "d", "M" + Svg.num(x) + "," + Svg.num(gap.fromY()) + " l-5," + Svg.num(h / 6)
                + " l10," + Svg.num(h / 6) + " l-10," + Svg.num(h / 6) + " l10," + Svg.num(h / 6) + " l-10,"
                + Svg.num(h / 6) + " l5," + Svg.num(h / 6), "fill", "none", "stroke", GRAY);
            final String text = "⋯ " + TimeText.duration(gap.ns()) + " later ⋯";
            svg.text("text", text, "class", "break", "x", Svg.num((X_LEFT + X_RIGHT) / 2),
                "y", Svg.num((gap.fromY() + gap.toY()) / 2 + 4), "text-anchor", "middle", "font-style", "italic",
                "fill", GRAY);
            from = gap.toY();
        }
        line(svg, X_AXIS + 6, from, X_AXIS + 6, bottom, GRAY, null);
        for (final long t : axis.moments())
        {
            final double y = axis.y(t);
            line(svg, X_AXIS + 2, y, X_AXIS + 10, y, GRAY, null);
            svg.text("text", TimeText.micros(t - c.startNs), "class", "tick", "x", Svg.num(X_AXIS - 2),
                "y", Svg.num(y + 4), "text-anchor", "end", "fill", INK);
        }
    }

    private void timeWaits(final Svg svg, final long mslNs)
    {
        for (final Conversation.TimeWait wait : c.timeWaits)
        {
            final double x = wait.left() ? X_LEFT : X_RIGHT;
            final double top = stateY(wait.left(), wait.startNs(), "TIME-WAIT");
            final double bottom = wait.expired() ? axis.y(wait.endNs()) : stateY(wait.left(), wait.endNs(), null);
            svg.empty("rect", "class", "time-wait", "x", Svg.num(x - 7), "y", Svg.num(top), "width", "14",
                "height", Svg.num(bottom - top), "fill", "#f6dfb8", "stroke", WAIT);
            final double textX = wait.left() ? x - STATE_GAP - 6 : x + STATE_GAP + 6;
            final String anchor = wait.left() ? "end" : "start";
            final String length = TimeText.duration(wait.endNs() - wait.startNs());
            final List<Long> restarts = wait.restartsNs();
            // the 2MSL is written on the stretch it measures: from the last (re)start to the end
            final double lastStart = restarts.isEmpty() ? top : axis.y(restarts.get(restarts.size() - 1));
            final double middle = (lastStart + bottom) / 2;
            final String first = wait.expired() ? "2MSL = " + TimeText.duration(2 * mslNs) : "TIME-WAIT " + length;
            svg.text("text", first, "class", "time-wait-length", "x", Svg.num(textX), "y", Svg.num(middle),
                "text-anchor", anchor, "font-weight", "bold", "fill", WAIT);
            if (!restarts.isEmpty())
            {
                svg.text("text", "(TIME-WAIT " + length + " in all)", "x", Svg.num(textX), "y",
                    Svg.num(middle + 14), "text-anchor", anchor, "fill", WAIT);
            }
            for (final long restart : restarts)
            {
                svg.text("text", "FIN again: 2MSL restarts", "x", Svg.num(textX), "y", Svg.num(axis.y(restart) + 4),
                    "text-anchor", anchor, "font-style", "italic", "fill", WAIT);
            }
        }
    }

    /** @return where an end entered a state (any state when null) at a time. */
    private double stateY(final boolean left, final long timeNs, final String state)
    {
        for (int i = 0; i < c.marks.size(); i++)
        {
            final Conversation.Mark mark = c.marks.get(i);
            if (mark.left() == left && mark.timeNs() == timeNs && (state == null || mark.state().equals(state)))
            {
                return markY[i];
            }
        }
        return axis.y(timeNs);
    }

    private void arrow(final Svg svg, final int i)
    {
        final Conversation.Arrow arrow = c.arrows.get(i);
        final double fromX = arrow.fromLeft() ? X_LEFT : X_RIGHT;
        final double toX = arrow.fromLeft() ? X_RIGHT : X_LEFT;
        final String colour = arrow.retransmission() ? RED : INK;
        String label = arrow.label();
        String kind = "segment";
        if (arrow.retransmission())
        {
            label += " — retransmission";
            kind += " retransmission";
        }
        if (arrow.dropped())
        {
            label += " — dropped";
            kind += " dropped";
        }
        svg.open("g", "class", kind);
        if (arrow.dropped())
        {
            // it left and never arrived: the line stops short, at a cross where the wire lost it
            final double endX = fromX + (toX - fromX) * 0.8; // past its label
            final double y = sendY[i];
            line(svg, fromX, y, endX, y, colour, arrow.retransmission() ? "7 4" : null);
            line(svg, endX - 7, y - 7, endX + 7, y + 7, RED, null, "2.5");
            line(svg, endX - 7, y + 7, endX + 7, y - 7, RED, null, "2.5");
        }
        else
        {
            svg.empty("line", "x1", Svg.num(fromX), "y1", Svg.num(sendY[i]), "x2", Svg.num(toX),
                "y2", Svg.num(receiveY[i]), "stroke", colour, "stroke-width", "1.4",
                "stroke-dasharray", arrow.retransmission() ? "7 4" : "none",
                "marker-end", arrow.retransmission() ? "url(#head-red)" : "url(#head)");
        }
        // The label starts at its sender, level with where the arrow leaves: an arrow never climbs, so the label
        // stays above its own line, and no two segments leave at one height, so labels never overprint (arrows
        // meet where a reply leaves as the request arrives: labels written midway would collide there).
        final double x = arrow.fromLeft() ? X_LEFT + LABEL_INSET : X_RIGHT - LABEL_INSET;
        svg.text("text", label, "class", "label", "x", Svg.num(x), "y", Svg.num(sendY[i] - 5),
            "text-anchor", arrow.fromLeft() ? "start" : "end", "fill", colour,
            // a white halo keeps it readable where an arriving arrow crosses it
            "stroke", "#ffffff", "stroke-width", "3", "stroke-linejoin", "round", "paint-order", "stroke");
        svg.close("g");
    }

    private void states(final Svg svg)
    {
        final List<Integer> order = new ArrayList<>();
        for (int i = 0; i < c.marks.size(); i++)
        {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> markY[i]).thenComparingInt(i -> i));
        for (final boolean left : new boolean[] {true, false})
        {
            final double x = left ? X_LEFT : X_RIGHT;
            double textY = state(svg, left, x, Y_INITIAL, Y_INITIAL, left ? c.leftInitial : c.rightInitial);
            for (final int i : order)
            {
                final Conversation.Mark mark = c.marks.get(i);
                if (mark.left() == left)
                {
                    // two states entered at one height: the second is written a line lower
                    textY = state(svg, left, x, markY[i], Math.max(markY[i], textY + STATE_GAP), mark.state());
                }
            }
        }
    }

    private static double state(final Svg svg, final boolean left, final double x, final double y,
        final double textY, final String state)
    {
        final String colour = state.equals("TIME-WAIT") ? WAIT : BLUE;
        svg.empty("circle", "cx", Svg.num(x), "cy", Svg.num(y), "r", "3.5", "fill", colour);
        svg.text("text", state, "class", left ? "state left" : "state right",
            "x", Svg.num(left ? x - STATE_GAP : x + STATE_GAP), "y", Svg.num(textY + 4),
            "text-anchor", left ? "end" : "start", "font-weight", "bold", "fill", colour);
        return textY;
    }

    private void legend(final Svg svg, final double y, final long mslNs)
    {
        final String[] lines = {
            "Arrows run from the moment a segment left its sender to the moment it arrived; seq and ack are relative"
                + " to each end's ISN.",
            "Red dashed: a retransmission (sequence space sent before). Cross: dropped on the wire (seen leaving,"
                + " never arriving).",
            "States are inferred from the segments (RFC 9293 §3.3.2). Gaps over "
                + TimeText.duration(TimeAxis.SHORTEN_NS) + " are shortened (⋯); TIME-WAIT lasts 2MSL, MSL = "
                + TimeText.duration(mslNs) + ".",
        };
        for (int i = 0; i < lines.length; i++)
        {
            svg.text("text", lines[i], "class", "legend", "x", "20", "y", Svg.num(y + i * 16), "fill", GRAY);
        }
    }

    private static void line(final Svg svg, final double x1, final double y1, final double x2, final double y2,
        final String colour, final String dash)
    {
        line(svg, x1, y1, x2, y2, colour, dash, "1.2");
    }

    private static void line(final Svg svg, final double x1, final double y1, final double x2, final double y2,
        final String colour, final String dash, final String width)
    {
        if (dash == null)
        {
            svg.empty("line", "x1", Svg.num(x1), "y1", Svg.num(y1), "x2", Svg.num(x2), "y2", Svg.num(y2),
                "stroke", colour, "stroke-width", width);
        }
        else
        {
            svg.empty("line", "x1", Svg.num(x1), "y1", Svg.num(y1), "x2", Svg.num(x2), "y2", Svg.num(y2),
                "stroke", colour, "stroke-width", width, "stroke-dasharray", dash);
        }
    }
}
