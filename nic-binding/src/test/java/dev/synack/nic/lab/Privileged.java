package dev.synack.nic.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gate of every privileged test: root, AF_XDP and the lab tools, or a skip with the reason printed.
 */
public final class Privileged
{
    private Privileged()
    {
    }

    /** Skips the calling test (class) unless it can make a lab network and open AF_XDP sockets. */
    public static void assume()
    {
        final String reason = missing();
        if (reason != null)
        {
            System.out.println("SKIPPED privileged AF_XDP test: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    /** @return why privileged tests cannot run here, or null. */
    public static String missing()
    {
        if (uid() != 0)
        {
            return "not root (uid " + uid() + "): run the tests as root for the AF_XDP lab";
        }
        if (!Files.isDirectory(Path.of("/proc/sys/net")) || !onPath("ip") || !onPath("ethtool"))
        {
            return "needs iproute2 (ip) and ethtool on PATH";
        }
        return null;
    }

    /** @return the real uid from /proc/self/status. */
    public static int uid()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Uid:"))
                {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        }
        catch (final IOException ex)
        {
            return -1;
        }
        return -1;
    }

    /**
     * @param command a command name.
     * @return whether it is on PATH (or in /usr/sbin, /sbin).
     */
    public static boolean onPath(final String command)
    {
        final String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (final String dir : path.split(":"))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)))
            {
                return true;
            }
        }
        return false;
    }
}
