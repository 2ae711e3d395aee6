package dev.synack.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.synack.embed.SynackStack;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The lab network for one interop test class (tools/bin/lab-net with a PID-suffixed name), the root gate, and
 * helpers to run commands in it. Always {@link #close()} it in @AfterAll / finally.
 */
final class Lab implements AutoCloseable
{
    final String name;
    final Map<String, String> values = new HashMap<>();

    private Lab(final String name)
    {
        this.name = name;
    }

    /** Skips the calling test class, printing why, unless root with ip and ethtool. */
    static void assumePrivileged()
    {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name")))
        {
            reason = "not root: the interop tests need root for namespaces and AF_XDP";
        }
        else if (!onPath("ip") || !onPath("ethtool"))
        {
            reason = "needs iproute2 (ip) and ethtool";
        }
        if (reason != null)
        {
            System.out.println("SKIPPED interop test: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    static void assumeTool(final String command)
    {
        if (!onPath(command))
        {
            System.out.println("SKIPPED: " + command + " missing (apt-get install -y " + command + ")");
        }
        assumeTrue(onPath(command), command + " missing");
    }

    static boolean onPath(final String command)
    {
        final String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (final String dir : path.split(":"))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)))
            {
                return true;
            }
        }
        return false;
    }

    static Lab up(final String prefix, final boolean bare)
    {
        return bare ? up(prefix, "--bare") : up(prefix, new String[0]);
    }

    /** @param flags lab-net's flags: {@code --bare}, {@code --kernel}, {@code --bridge}, {@code --queues N}. */
    static Lab up(final String prefix, final String... flags)
    {
        final Lab lab = new Lab(prefix + ProcessHandle.current().pid());
        run(List.of(script().toString(), "down", lab.name));
        final List<String> command = new ArrayList<>(List.of(script().toString(), "up", lab.name));
        command.addAll(List.of(flags));
        for (final String line : run(command).split("\n"))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                lab.values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return lab;
    }

    String nsA()
    {
        return values.get("ns_a");
    }

    String nsB()
    {
        return values.get("ns_b");
    }

    String devA()
    {
        return values.get("dev_a");
    }

    String devB()
    {
        return values.get("dev_b");
    }

    /** @return the bridge's namespace between the two ends ({@code --bridge} only). */
    String nsM()
    {
        return values.get("ns_m");
    }

    /** @return a command prefixed with {@code ip netns exec <ns_b>}. */
    List<String> inB(final String... command)
    {
        final List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", nsB()));
        all.addAll(List.of(command));
        return all;
    }

    /**
     * A root test's tear-down: prints the stack's non-zero counters, closes it (XDP program detached), then the
     * lab — the lab even when the stack's close fails.
     *
     * @param stack the stack the test built, or null if it never started.
     * @param lab the lab, or null if it was never made.
     */
    static void closeAll(final SynackStack stack, final Lab lab)
    {
        try
        {
            if (stack != null)
            {
                System.out.println("synack counters: " + stack.counters().appendNonZero(new StringBuilder()));
                stack.close();
            }
        }
        finally
        {
            if (lab != null)
            {
                lab.close();
            }
        }
    }

    @Override
    public void close()
    {
        run(List.of(script().toString(), "down", name));
    }

    static Path script()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null)
        {
            final Path candidate = dir.resolve("tools/bin/lab-net");
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("tools/bin/lab-net not found above " + Path.of("").toAbsolutePath());
    }

    /** Runs a command (60 s at most), returns stdout+stderr, throws on a non-zero exit. */
    static String run(final List<String> command)
    {
        final Result result = exec(command, 60);
        if (result.exitCode != 0)
        {
            throw new IllegalStateException(command + " exited " + result.exitCode + ": " + result.output);
        }
        return result.output;
    }

    /** Runs a command, returns its exit code and output; kills it (by its own PID) after the timeout. */
    static Result exec(final List<String> command, final int timeoutSeconds)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final Thread reader = new Thread(() -> copy(process.getInputStream(), out));
            reader.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor();
                reader.join();
                throw new IllegalStateException(command + " timed out after " + timeoutSeconds + " s: " +
                    out.toString(StandardCharsets.UTF_8));
            }
            reader.join();
            return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(command + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(command + " interrupted", ex);
        }
    }

    static void copy(final InputStream in, final ByteArrayOutputStream out)
    {
        try
        {
            in.transferTo(out);
        }
        catch (final IOException ignored)
        {
            // the process ended
        }
    }

    /** A Java command line running {@code mainClass} with this JVM's class path. */
    static List<String> java(final Class<?> mainClass, final String... args)
    {
        return java(mainClass.getName(), args);
    }

    /** A Java command line running the class named {@code mainClass} with this JVM's class path. */
    static List<String> java(final String mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    record Result(int exitCode, String output)
    {
    }
}
