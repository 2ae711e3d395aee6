package dev.synack.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds and runs {@code tools/bin/lab-net} (the lab network of namespaces and a veth pair) for the demo. */
final class LabNet
{
    private LabNet()
    {
    }

    /** @return the lab-net script: -Dsynack.home/bin/lab-net, or tools/bin/lab-net above the working directory. */
    static Path find()
    {
        final String home = System.getProperty("synack.home");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "lab-net")))
        {
            return Path.of(home, "bin", "lab-net");
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null)
        {
            for (final Path candidate : List.of(dir.resolve("tools/bin/lab-net"), dir.resolve("bin/lab-net")))
            {
                if (Files.isExecutable(candidate))
                {
                    return candidate;
                }
            }
            dir = dir.getParent();
        }
        throw new NotAvailableException("tools/bin/lab-net not found: run from the synack checkout or use"
            + " tools/bin/synack (which sets -Dsynack.home)", null);
    }

    /**
     * Makes lab network {@code name} afresh: takes down a leftover of the same name, then brings it up.
     *
     * @param labNet the lab-net script.
     * @param name the network's name.
     * @param flags {@code --bare}, {@code --kernel} or none.
     * @return what {@code lab-net up} printed (namespaces, devices, MACs).
     */
    static Map<String, String> up(final Path labNet, final String name, final String... flags)
    {
        down(labNet, name);
        final List<String> command = new java.util.ArrayList<>(List.of(labNet.toString(), "up", name));
        command.addAll(List.of(flags));
        return parse(run(command));
    }

    /**
     * Removes lab network {@code name} (idempotent).
     *
     * @param labNet the lab-net script.
     * @param name the network's name.
     */
    static void down(final Path labNet, final String name)
    {
        run(List.of(labNet.toString(), "down", name));
    }

    /** Runs a command; returns its output, or throws with the output when it fails. */
    static String run(final List<String> command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = p.getInputStream())
            {
                in.transferTo(out);
            }
            final int rc = p.waitFor();
            final String text = out.toString(StandardCharsets.UTF_8);
            if (rc != 0)
            {
                throw new IllegalStateException(String.join(" ", command) + " exited " + rc + ": " + text.trim());
            }
            return text;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), ex);
        }
    }

    /** @return the KEY=VALUE lines {@code lab-net up} printed, checked for the namespaces and devices. */
    static Map<String, String> parse(final String output)
    {
        final Map<String, String> values = new HashMap<>();
        for (final String line : output.split("\n"))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        for (final String key : List.of("ns_a", "ns_b", "dev_a", "dev_b"))
        {
            if (!values.containsKey(key))
            {
                throw new IllegalStateException("lab-net up printed no " + key + ": " + output.trim());
            }
        }
        return values;
    }

}
