package dev.synack.nic.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@link OpenProbe} in a child JVM behind a prefix (prlimit, setpriv...) and returns its output.
 */
public final class ChildJvm
{
    private ChildJvm()
    {
    }

    /**
     * @param prefix    the command wrapping java.
     * @param classpath the class path to give it.
     * @param args      OpenProbe's args.
     * @return exit code and output.
     */
    public static Outcome probe(final List<String> prefix, final String classpath, final String... args)
    {
        final List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("-Djava.io.tmpdir=/tmp");
        command.add("-cp");
        command.add(classpath);
        command.add(OpenProbe.class.getName());
        command.addAll(List.of(args));
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = LabNet.read(process.getInputStream());
            if (!process.waitFor(60, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException("child JVM hung: " + command);
            }
            return new Outcome(process.exitValue(), out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Starts {@link OpenProbe} without waiting for it.
     *
     * @param classpath the class path.
     * @param args      OpenProbe's args.
     * @return the child process (the caller kills it).
     */
    public static Process start(final String classpath, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", classpath, OpenProbe.class.getName()));
        command.addAll(List.of(args));
        try
        {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return this JVM's class path. */
    public static String classpath()
    {
        return System.getProperty("java.class.path");
    }

    /**
     * Copies the class path where any user can read it (root's home is not readable by nobody).
     *
     * @param dir an empty directory.
     * @return the copied class path.
     */
    public static String worldReadableClasspath(final Path dir)
    {
        final List<String> entries = new ArrayList<>();
        int n = 0;
        for (final String entry : classpath().split(java.io.File.pathSeparator))
        {
            final Path source = Path.of(entry);
            if (!Files.exists(source))
            {
                continue;
            }
            final Path target = dir.resolve((n++) + "-" + source.getFileName());
            copy(source, target);
            entries.add(target.toString());
        }
        try (Stream<Path> all = Files.walk(dir))
        {
            all.forEach(p -> setReadable(p));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static void copy(final Path source, final Path target)
    {
        try (Stream<Path> all = Files.walk(source))
        {
            for (final Path p : (Iterable<Path>)all::iterator)
            {
                final Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(to);
                }
                else
                {
                    Files.createDirectories(to.getParent());
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void setReadable(final Path p)
    {
        try
        {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" :
                "rw-r--r--"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param exitCode the child's exit code.
     * @param output   its stdout and stderr.
     */
    public record Outcome(int exitCode, String output)
    {
    }
}
