package dev.synack.tools.capture;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Picks one stack's frames out of a capture that holds several. */
final class Stacks
{
    private Stacks()
    {
    }

    static List<CapturedFrame> only(final List<CapturedFrame> frames, final String stack, final Path source)
    {
        if (stack == null)
        {
            return frames;
        }
        final List<CapturedFrame> kept = new ArrayList<>();
        for (final CapturedFrame frame : frames)
        {
            if (frame.stack().equals(stack))
            {
                kept.add(frame);
            }
        }
        if (kept.isEmpty())
        {
            throw new CaptureException("no frames of stack '" + stack + "' in " + source + " (it holds stacks "
                + names(frames) + ")");
        }
        return kept;
    }

    static String names(final List<CapturedFrame> frames)
    {
        final Set<String> names = new LinkedHashSet<>();
        for (final CapturedFrame frame : frames)
        {
            names.add(frame.stack());
        }
        return String.join(", ", names);
    }
}
