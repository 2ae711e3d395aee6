package dev.synack.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.synack.stat.CountersFile;

/**
 * {@code synack stat FILE [--watch] [--interval-ms N] [--count N]}: prints every counter of a stack's counters
 * file (read-only mapping, no effect on the stack) with its total and, while the stack runs, its rate per second:
 * the difference between two reads {@code --interval-ms} apart (so a plain {@code stat} of a running stack takes
 * one interval). With {@code --watch}, again every interval, until interrupted or {@code --count} snapshots were
 * printed. A stack that is no longer running has no rates: its last totals are printed at once.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"print a running stack's counters file: every counter's total and its rate per second",
        "(the difference between two reads --interval-ms apart)"})
public final class StatCommand implements Callable<Integer>, Cli.Checked
{
    static final String USAGE = "usage: synack stat <counters-file> [--watch] [--interval-ms N] [--count N]";

    private final PrintStream out;
    @Parameters(paramLabel = "<counters-file>", arity = "0..*", description = "a stack's counters file (synack serve"
        + " --counters FILE, or the demo's, printed as it starts)")
    private List<String> positional = new ArrayList<>();
    @Option(names = "--watch", description = "print the counters again every interval")
    private boolean watch;
    @Option(names = "--interval-ms", paramLabel = "N", description = "between reads (default 1000)")
    private Integer intervalOption;
    @Option(names = "--count", paramLabel = "N", description = "stop after N snapshots (default 1, with --watch no"
        + " end)")
    private Integer countOption;
    private Path file;
    private int intervalMs;
    private int count;

    /**
     * @param out where the report goes.
     */
    public StatCommand(final PrintStream out)
    {
        this.out = out;
    }

    /**
     * @param args arguments after "stat".
     * @param out where the report goes.
     * @throws UsageException when the arguments are wrong.
     */
    public StatCommand(final List<String> args, final PrintStream out)
    {
        this(out);
        Cli.parse(this, args);
    }

    @Override
    public void check()
    {
        if (positional.size() != 1)
        {
            throw new UsageException("stat: needs exactly one counters file, got " + positional.size());
        }
        this.file = Path.of(positional.get(0));
        this.intervalMs = Cli.intIn("stat", "--interval-ms", intervalOption, 1000, 10, 3_600_000);
        this.count = Cli.intIn("stat", "--count", countOption, watch ? Integer.MAX_VALUE : 1, 1, Integer.MAX_VALUE);
    }

    @Override
    public Integer call()
    {
        check();
        return run();
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
            out.println(file + " (stack pid " + counters.ownerPid() + (alive ? ", running)"
                : ", not running: last values written)"));
            if (alive)
            {
                out.println("  totals, and rates per second over " + intervalMs + " ms");
            }
            long[] previous = null;
            long previousAt = 0;
            if (alive)
            {
                // a first read to take the rates from: every snapshot printed then has totals and rates
                previous = values(reader, new ArrayList<>());
                previousAt = System.nanoTime();
                Thread.sleep(intervalMs);
            }
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    Thread.sleep(intervalMs);
                }
                final List<String> labels = new ArrayList<>();
                final long[] values = values(reader, labels);
                final long now = System.nanoTime();
                if (watch)
                {
                    out.printf("%n-- %tT%n", System.currentTimeMillis());
                }
                for (int c = 0; c < labels.size(); c++)
                {
                    if (previous != null && c < previous.length)
                    {
                        final double rate = (values[c] - previous[c]) * 1e9 / (now - previousAt);
                        out.printf("  %-48s %,16d %,14.0f/s%n", labels.get(c), values[c], rate);
                    }
                    else
                    {
                        out.printf("  %-48s %,16d%n", labels.get(c), values[c]);
                    }
                }
                previous = values;
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

    /** @return every counter's value, in the reader's order; their labels added to {@code labels}. */
    private static long[] values(final CountersReader reader, final List<String> labels)
    {
        final List<Long> values = new ArrayList<>();
        reader.forEach((value, id, label) ->
        {
            labels.add(label);
            values.add(value);
        });
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}
