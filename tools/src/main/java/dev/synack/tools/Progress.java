package dev.synack.tools;

import java.io.PrintStream;

/**
 * A progress line on stderr for runs that take more than a few seconds: on a terminal one line rewritten in place
 * (and wiped before the report goes on), otherwise — when asked for with {@code --progress} — one line per step.
 * Off for short runs and when stderr is not a terminal and nobody asked, so the reports and the tests that read
 * stderr see nothing of it.
 * <p>
 * Not thread-safe: the thread that runs the command.
 */
final class Progress
{
    /** Runs expected to take at least this long show progress on a terminal. */
    static final long WORTH_IT_SECONDS = 5;

    private final PrintStream err;
    private final boolean on;
    private final boolean rewrite;
    private int width;

    /**
     * @param err standard error.
     * @param forced {@code --progress}: show it even when stderr is not a terminal.
     * @param lengthy whether the run is expected to take at least {@link #WORTH_IT_SECONDS}.
     */
    Progress(final PrintStream err, final boolean forced, final boolean lengthy)
    {
        final boolean terminal = System.console() != null;
        this.err = err;
        this.on = forced || terminal && lengthy;
        this.rewrite = terminal;
    }

    /** @param text what is being done now. */
    void show(final String text)
    {
        if (!on)
        {
            return;
        }
        if (rewrite)
        {
            err.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
            width = text.length();
        }
        else
        {
            err.println(text);
        }
        err.flush();
    }

    /** Wipes the line (on a terminal), so the report that follows starts clean. */
    void clear()
    {
        if (on && rewrite && width > 0)
        {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }
}
