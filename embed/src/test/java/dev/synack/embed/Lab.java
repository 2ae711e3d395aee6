package dev.synack.embed;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A lab network for one test (tools/bin/lab-net with a PID-suffixed name: two namespaces, a veth pair, 198.18.0.1
 * for synack on dev_a without a kernel address, 198.18.0.2/24 for the kernel on dev_b), the root gate, and commands
 * run in the kernel's namespace. Always close it (try-with-resources): it removes what it made, after a failure too.
 */
final class Lab implements AutoCloseable
{
    static final String SYNACK_IP = "198.18.0.1";
    static final String KERNEL_IP = "198.18.0.2";

    private final String name;
    private final Map<String, String> values = new HashMap<>();

    private Lab(final String name)
    {
        this.name = name;
    }

    /** Skips the calling test, printing why, unless root with ip, ethtool and the given tools. */
    static void assumeRoot(final String... tools)
    {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name")))
        {
            reason = "not root: AF_XDP on a veth pair needs root (namespaces, CAP_NET_ADMIN, CAP_BPF)";
        }
        final List<String> needed = new ArrayList<>(List.of("ip", "ethtool"));
        needed.addAll(List.of(tools));
        for (final String tool : needed)
        {
            if (reason == null && !onPath(tool))
            {
                reason = tool + " missing (apt-get install " + tool + ")";
            }
        }
        if (reason != null)
        {
            System.out.println("SKIPPED AF_XDP embedding test: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    /**
     * @param prefix a short name (with the PID, at most 13 characters).
     * @param options more options of {@code lab-net up}, e.g. "--queues", "2".
     * @return the lab network, up.
     */
    static Lab up(final String prefix, final String... options)
    {
        final Lab lab = new Lab(prefix + ProcessHandle.current().pid() % 100000);
        run(List.of(script().toString(), "down", lab.name), null);
        try
        {
            final List<String> up = new ArrayList<>(List.of(script().toString(), "up", lab.name));
            up.addAll(List.of(options));
            for (final String line : run(up, null).split("\n"))
            {
                final int eq = line.indexOf('=');
                if (eq > 0)
                {
                    lab.values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        catch (final RuntimeException ex)
        {
            lab.close();
            throw ex;
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

    /** @return the text of {@code ip link show} for synack's end of the veth. */
    String linkA()
    {
        return run(List.of("ip", "-n", nsA(), "link", "show", "dev", devA()), null);
    }

    /** @return whether {@code ip link} shows an XDP program on synack's end of the veth. */
    boolean xdpAttached()
    {
        return run(List.of("ip", "-n", nsA(), "link", "show", "dev", devA()), null).matches("(?s).*\\bxdp\\w*\\b.*");
    }

    /**
     * Runs a command in the kernel's namespace.
     *
     * @param input what to write to its standard input (then closed), or null.
     * @param command the command.
     * @return its output.
     */
    String inKernelNamespace(final byte[] input, final String... command)
    {
        final List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", nsB()));
        all.addAll(List.of(command));
        return run(all, input, false);
    }

    /**
     * Starts a command in the kernel's namespace and leaves it running.
     *
     * @param command the command.
     * @return the process; destroy it when done.
     */
    Process startInKernelNamespace(final String... command) throws IOException
    {
        final List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", nsB()));
        all.addAll(List.of(command));
        return new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    }

    @Override
    public void close()
    {
        run(List.of(script().toString(), "down", name), null);
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

    private static Path script()
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

    /** Runs a command (20 s at most), returns stdout+stderr, throws with them on a non-zero exit. */
    static String run(final List<String> command, final byte[] input)
    {
        return run(command, input, true);
    }

    /**
     * Runs a command (20 s at most) and returns its output byte for byte (ISO-8859-1); throws on a non-zero exit.
     * With {@code withErrors} false its standard error goes to ours, so data stays clean.
     */
    private static String run(final List<String> command, final byte[] input, final boolean withErrors)
    {
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command);
            if (withErrors)
            {
                builder.redirectErrorStream(true);
            }
            else
            {
                builder.redirectError(ProcessBuilder.Redirect.INHERIT);
            }
            final Process process = builder.start();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final Thread reader = new Thread(() -> copy(process.getInputStream(), out));
            reader.start();
            try (OutputStream stdin = process.getOutputStream())
            {
                if (input != null)
                {
                    stdin.write(input);
                }
            }
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor();
                reader.join();
                throw new IllegalStateException(command + " timed out: " + out.toString(StandardCharsets.UTF_8));
            }
            reader.join();
            final String text = out.toString(StandardCharsets.ISO_8859_1);
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException(command + " exited " + process.exitValue() + ": " + text);
            }
            return text;
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

    private static void copy(final InputStream in, final ByteArrayOutputStream out)
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
}
