package dev.synack.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code synack} command lines in this JVM and keeps what they print, for the CLI tests. */
public final class MainCapture
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /**
     * Runs a command line; what it prints is added to what earlier runs printed.
     *
     * @param args the arguments after {@code synack}.
     * @return the exit code.
     */
    public int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /**
     * Forgets what earlier runs printed, then runs a command line.
     *
     * @param args the arguments after {@code synack}.
     * @return the exit code.
     */
    public int runFresh(final String... args)
    {
        out.reset();
        err.reset();
        return run(args);
    }

    /** Forgets what was printed on standard output so far. */
    public void resetOut()
    {
        out.reset();
    }

    /** Forgets what was printed on standard error so far. */
    public void resetErr()
    {
        err.reset();
    }

    /** @return standard output so far. */
    public String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** @return standard error so far. */
    public String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }
}
