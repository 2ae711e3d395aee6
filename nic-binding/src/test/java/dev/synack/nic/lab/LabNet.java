package dev.synack.nic.lab;

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

/**
 * A lab network made by tools/bin/lab-net for one test class: names parsed from the script's output,
 * torn down by {@link #close()} (call it from @AfterAll / finally).
 */
public final class LabNet implements AutoCloseable
{
    private final String name;
    private final Map<String, String> values;

    private LabNet(final String name, final Map<String, String> values)
    {
        this.name = name;
        this.values = values;
    }

    /**
     * @param prefix a short test tag; the PID is appended so parallel runs never collide.
     * @param bare   no kernel address on either end.
     * @return the lab, up.
     */
    public static LabNet up(final String prefix, final boolean bare)
    {
        final String name = prefix + ProcessHandle.current().pid();
        run(List.of(script().toString(), "down", name));
        final List<String> command = new ArrayList<>(List.of(script().toString(), "up", name));
        if (bare)
        {
            command.add("--bare");
        }
        final String out = run(command);
        final Map<String, String> values = new HashMap<>();
        for (final String line : out.split("\n"))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return new LabNet(name, values);
    }

    /** @return the lab-net script, found from the module directory. */
    public static Path script()
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

    /** @return the synack-side namespace. */
    public String nsA()
    {
        return values.get("ns_a");
    }

    /** @return the peer namespace. */
    public String nsB()
    {
        return values.get("ns_b");
    }

    /** @return the synack-side interface. */
    public String devA()
    {
        return values.get("dev_a");
    }

    /** @return the peer interface. */
    public String devB()
    {
        return values.get("dev_b");
    }

    /**
     * @param ns  namespace.
     * @param dev interface.
     * @return `ip -d link show` output.
     */
    public static String linkShow(final String ns, final String dev)
    {
        return run(List.of("ip", "-d", "-n", ns, "link", "show", "dev", dev));
    }

    /**
     * @param ns  namespace.
     * @param dev interface.
     * @return whether any XDP program is attached.
     */
    public static boolean hasXdp(final String ns, final String dev)
    {
        final String out = linkShow(ns, dev);
        return out.contains(" xdp") || out.contains("prog/xdp");
    }

    @Override
    public void close()
    {
        run(List.of(script().toString(), "down", name));
    }

    /**
     * Runs a command, returns its stdout, throws on a non-zero exit.
     *
     * @param command the command.
     * @return stdout.
     */
    public static String run(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = read(process.getInputStream());
            final int rc = process.waitFor();
            if (rc != 0)
            {
                throw new IllegalStateException(command + " exited " + rc + ": " + out);
            }
            return out;
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

    static String read(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
