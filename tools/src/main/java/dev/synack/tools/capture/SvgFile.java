package dev.synack.tools.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Writes a picture, turning every failure into one line the user can act on. */
final class SvgFile
{
    private SvgFile()
    {
    }

    /**
     * @param file where (replaced if it exists).
     * @param svg the document.
     * @throws CaptureException when it cannot be written.
     */
    static void write(final Path file, final String svg)
    {
        try
        {
            Files.writeString(file, svg, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException ex)
        {
            throw new CaptureException("cannot write " + file + ": no such directory "
                + (file.toAbsolutePath().getParent() == null ? "" : file.toAbsolutePath().getParent()), ex);
        }
        catch (final AccessDeniedException ex)
        {
            throw new CaptureException("cannot write " + file + ": permission denied", ex);
        }
        catch (final FileSystemException ex)
        {
            throw new CaptureException("cannot write " + file + ": "
                + (ex.getReason() == null ? ex.getClass().getSimpleName() : ex.getReason()), ex);
        }
        catch (final IOException ex)
        {
            throw new CaptureException("cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }
}
