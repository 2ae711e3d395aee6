package dev.synack.tools.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.synack.tools.Version;

/**
 * What a result needs to say about where it was measured: the machine (cores, CPU model, kernel), the JDK and the
 * JVM's flags, synack's version and the git commit of the working tree it was built from, if it can be found (git
 * on the path, {@code -Dsynack.home} or the working directory inside the repository). Thread-safe (stateless).
 */
public final class Machine
{
    private Machine()
    {
    }

    /**
     * Writes {@code "synack_version"}, {@code "commit"}, {@code "commit_dirty"} and a {@code "machine"} object.
     *
     * @param json an open object.
     */
    public static void describe(final Json json)
    {
        json.put("synack_version", Version.project());
        final Path repo = Path.of(System.getProperty("synack.home", ".")).toAbsolutePath();
        final String commit = git(repo, "rev-parse", "HEAD");
        json.put("commit", commit);
        if (commit == null)
        {
            json.put("commit_dirty", (String)null);
        }
        else
        {
            final String status = git(repo, "status", "--porcelain", "--untracked-files=no");
            json.put("commit_dirty", status != null && !status.isEmpty());
        }
        json.object("machine")
            .put("cores", Runtime.getRuntime().availableProcessors())
            .put("cpu", cpuModel())
            .put("os", System.getProperty("os.name"))
            .put("kernel", System.getProperty("os.version"))
            .put("arch", System.getProperty("os.arch"))
            .put("jdk", System.getProperty("java.version"))
            .put("jdk_vendor", System.getProperty("java.vendor"))
            .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        json.array("jvm_arguments");
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            json.value(arg);
        }
        json.endArray().end();
    }

    /** @return the first "model name" of /proc/cpuinfo, or null off Linux. */
    static String cpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
            return null;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /** @return git's output in {@code dir}, stripped, or null when git or the repository is not there. */
    static String git(final Path dir, final String... args)
    {
        try
        {
            final List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
            command.addAll(List.of(args));
            final Process git = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String text = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!git.waitFor(10, TimeUnit.SECONDS))
            {
                git.destroyForcibly();
                return null;
            }
            return git.exitValue() == 0 ? text : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
