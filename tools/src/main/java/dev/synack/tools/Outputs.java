package dev.synack.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.synack.tools.report.Report;

/**
 * The result files a measuring command writes on request — {@code --json FILE}, {@code --hgrm DIR},
 * {@code --plot DIR} — checked before the run (so a typo costs no minutes of measuring) and written after it;
 * a directory is made when its parent exists. Every failure is one line: a {@link UsageException} before the run,
 * an {@link OutputException} after it. Not thread-safe.
 */
final class Outputs
{
    private final Path json;
    private final Path hgrm;
    private final Path plot;

    private Outputs(final Path json, final Path hgrm, final Path plot)
    {
        this.json = json;
        this.hgrm = hgrm;
        this.plot = plot;
    }

    /**
     * @param command the command's name, for messages.
     * @param json {@code --json}'s value, or null.
     * @param hgrm {@code --hgrm}'s value, or null.
     * @param plot {@code --plot}'s value, or null.
     * @return the checked outputs.
     * @throws UsageException naming the first that cannot be written.
     */
    static Outputs check(final String command, final String json, final String hgrm, final String plot)
    {
        return new Outputs(file(command, "--json", json), directory(command, "--hgrm", hgrm),
            directory(command, "--plot", plot));
    }

    private static Path path(final String command, final String option, final String text, final String what)
    {
        if (text.isBlank() || text.startsWith("--"))
        {
            throw new UsageException(command + ": " + option + " needs " + what
                + (text.isBlank() ? "" : ", not '" + text + "'"));
        }
        try
        {
            return Path.of(text);
        }
        catch (final InvalidPathException ex)
        {
            throw new UsageException(command + ": " + option + ": not a file name: '" + text + "' (" + ex.getReason()
                + ")");
        }
    }

    private static Path file(final String command, final String option, final String text)
    {
        if (text == null)
        {
            return null;
        }
        final Path file = path(command, option, text, "a file name");
        if (Files.isDirectory(file))
        {
            throw new UsageException(command + ": " + option + " " + file + " is a directory: give a file name");
        }
        final Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent))
        {
            throw new UsageException(command + ": " + option + " " + file + ": no such directory " + parent);
        }
        if (!Files.isWritable(parent))
        {
            throw new UsageException(command + ": " + option + " " + file + ": cannot write in " + parent);
        }
        return file;
    }

    private static Path directory(final String command, final String option, final String text)
    {
        if (text == null)
        {
            return null;
        }
        final Path dir = path(command, option, text, "a directory");
        if (Files.exists(dir))
        {
            if (!Files.isDirectory(dir))
            {
                throw new UsageException(command + ": " + option + " " + dir + " is a file: give a directory");
            }
            return dir;
        }
        final Path parent = dir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent))
        {
            throw new UsageException(command + ": " + option + " " + dir + ": no such directory " + parent
                + " to make it in");
        }
        return dir;
    }

    /**
     * Writes what was asked for.
     *
     * @param report the run's results.
     * @return the files written, in order.
     * @throws OutputException when one cannot be written.
     */
    List<Path> write(final Report report)
    {
        final List<Path> written = new ArrayList<>();
        if (json != null)
        {
            written.add(write(json, report.json()));
        }
        if (hgrm != null)
        {
            written.addAll(writeAll(hgrm, report.hgrm()));
        }
        if (plot != null)
        {
            written.addAll(writeAll(plot, report.plots()));
        }
        return written;
    }

    private static List<Path> writeAll(final Path dir, final Map<String, String> files)
    {
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new OutputException("cannot make directory " + dir + ": " + ex.getMessage(), ex);
        }
        final List<Path> written = new ArrayList<>();
        for (final Map.Entry<String, String> e : files.entrySet())
        {
            written.add(write(dir.resolve(e.getKey()), e.getValue()));
        }
        return written;
    }

    private static Path write(final Path file, final String text)
    {
        try
        {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        }
        catch (final IOException ex)
        {
            throw new OutputException("cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }
}
