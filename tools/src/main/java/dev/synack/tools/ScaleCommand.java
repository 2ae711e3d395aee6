package dev.synack.tools;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.synack.workload.ScaleReport;
import dev.synack.workload.ScaleRun;

/**
 * {@code synack scale [--connections N] [--buffer BYTES] [--sample N] [--hold-s N]}: that many concurrent
 * connections between two synack stacks over the memory wire ({@link ScaleRun}): established, a sample exchanging
 * bytes, held, closed, 2MSL waited out on the manual clock, both tables empty; time per phase and memory per
 * connection. Exit 0 when every check passed, 1 when one did not (each failed check printed).
 * <p>
 * A million connections at 1 KiB rings need about 4.1 GiB of direct memory and 1.7 GiB of heap:
 * {@code SYNACK_JAVA_OPTS="-Xmx2560m -XX:MaxDirectMemorySize=4200m"}.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
@Command(name = "scale", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"open N concurrent connections between two synack stacks over the memory wire, exchange bytes",
        "on a sample, hold them, close them all, and check both tables end empty; time and memory per connection"})
public final class ScaleCommand implements Callable<Integer>, Cli.Checked
{
    static final String USAGE = "usage: synack scale [--connections N] [--buffer BYTES] [--sample N] [--hold-s N]";
    private static final int MAX_CONNECTIONS = 1 << 22;

    private final PrintStream out;
    @Option(names = "--connections", paramLabel = "N", description = "concurrent connections (default 1000000,"
        + " at most 4194304)")
    private Integer connectionsOption;
    @Option(names = "--buffer", paramLabel = "BYTES", description = "each connection's send and receive ring, a power"
        + " of two (default 1024, the least a stack allows)")
    private Integer bufferOption;
    @Option(names = "--sample", paramLabel = "N", description = "connections that exchange 16 bytes there and back"
        + " (default 10000, at most N)")
    private Integer sampleOption;
    @Option(names = "--hold-s", paramLabel = "N", description = "seconds of manual time the connections are held"
        + " open (default 60)")
    private Integer holdOption;
    private int connections;
    private int buffer;
    private int sample;
    private int holdSeconds;

    /**
     * @param out where the report goes.
     */
    public ScaleCommand(final PrintStream out)
    {
        this.out = out;
    }

    /**
     * @param args arguments after "scale".
     * @param out where the report goes.
     * @throws UsageException when the arguments are wrong.
     */
    public ScaleCommand(final List<String> args, final PrintStream out)
    {
        this(out);
        Cli.parse(this, args);
    }

    @Override
    public void check()
    {
        connections = Cli.intIn("scale", "--connections", connectionsOption, 1_000_000, 1, MAX_CONNECTIONS);
        buffer = Cli.intIn("scale", "--buffer", bufferOption, 1024, 1024, 1 << 20);
        if (Integer.bitCount(buffer) != 1)
        {
            throw new UsageException("scale: --buffer must be a power of two, not " + buffer);
        }
        sample = Cli.intIn("scale", "--sample", sampleOption, Math.min(10_000, connections), 0, connections);
        holdSeconds = Cli.intIn("scale", "--hold-s", holdOption, 60, 0, 86_400);
    }

    @Override
    public Integer call()
    {
        check();
        final double ringGib = 2.0 * connections * 2.0 * buffer / (1L << 30);
        out.printf("synack scale: %,d connections, rings %,d B each way: %.2f GiB of rings in the two stacks;"
            + " this JVM may use %.2f GiB of heap%n", connections, buffer, ringGib,
            Runtime.getRuntime().maxMemory() / (double)(1L << 30));
        final ScaleReport report;
        try
        {
            report = new ScaleRun(connections, buffer, sample, TimeUnit.SECONDS.toNanos(holdSeconds)).run(out::println);
        }
        catch (final OutOfMemoryError ex)
        {
            throw new IllegalStateException("scale: out of memory (" + ex.getMessage() + "): give the JVM more, e.g."
                + " SYNACK_JAVA_OPTS=\"-Xmx2560m -XX:MaxDirectMemorySize=4200m\" for a million connections", ex);
        }
        out.println();
        out.print(report.format());
        return report.ok() ? 0 : Cli.FAILURE_EXIT;
    }
}
