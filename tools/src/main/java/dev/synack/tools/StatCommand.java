package dev.synack.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.agrona.concurrent.status.CountersReader;

import dev.synack.stat.CountersFile;

/**
 * {@code synack stat FILE [--watch] [--interval-ms N] [--count N]}: prints every counter of a stack's counters
 * file (read-only mapping, no effect on the stack); with {@code --watch}, again every interval with the rate
 * of change per second, until interrupted or {@code --count} snapshots were printed.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
public final class StatCommand
{
    static final String USAGE = "usage: synack stat <counters-file> [--watch] [--interval-ms N] [--count N]";

    private final PrintStream out;
    private final Path file;
    private final boolean watch;
    private final int intervalMs;
    private final int count;

    /**
     * @param args arguments after "stat".
     * @param out where the report goes.
     */
    public StatCommand(final List<String> args, final PrintStream out)
    {
        final Args parsed = new Args("stat", args, Set.of("interval-ms", "count"), Set.of("watch"));
        if (parsed.positional().size() != 1)
        {
            throw new UsageException("stat: needs exactly one counters file, got " + parsed.positional().size());
        }
        this.file = Path.of(parsed.positional().get(0));
        this.watch = parsed.flag("watch");
        this.intervalMs = parsed.intValue("interval-ms", 1000, 10, 3_600_000);
        this.count = parsed.intValue("count", watch ? Integer.MAX_VALUE : 1, 1, Integer.MAX_VALUE);
        this.out = out;
    }

    /** @return exit code. */
    public int run()
    {
        final CountersFile counters;
        try
        {
            counters = CountersFile.openReader(file);
        }
        catch (final IllegalStateException ex)
        {
            throw new NotAvailableException(ex.getMessage(), ex);
        }
        try
        {
            final CountersReader reader = counters.newReader();
            final boolean alive = ProcessHandle.of(counters.ownerPid()).map(ProcessHandle::isAlive).orElse(false);
            out.println(file + " (stack pid " + counters.ownerPid() + (alive ? ", running" : ", not running: last"
                + " values written") + ")");
            long[] previous = null;
            long previousAt = 0;
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    Thread.sleep(intervalMs);
                }
                final List<String> labels = new ArrayList<>();
                final List<Long> values = new ArrayList<>();
                reader.forEach((value, id, label) ->
                {
                    labels.add(label);
                    values.add(value);
                });
                final long now = System.nanoTime();
                if (watch)
                {
                    out.printf("%n-- %tT%n", System.currentTimeMillis());
                }
                for (int c = 0; c < labels.size(); c++)
                {
                    if (previous != null && c < previous.length)
                    {
                        final double rate = (values.get(c) - previous[c]) * 1e9 / (now - previousAt);
                        out.printf("  %-48s %,16d %,14.0f/s%n", labels.get(c), values.get(c), rate);
                    }
                    else
                    {
                        out.printf("  %-48s %,16d%n", labels.get(c), values.get(c));
                    }
                }
                previous = values.stream().mapToLong(Long::longValue).toArray();
                previousAt = now;
            }
            return 0;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 0;
        }
        finally
        {
            counters.close();
        }
    }
}
