package dev.synack.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The Linux kernel frames captured with tshark (src/test/resources/captures/kernel-frames.txt, whose header
 * says how), by name.
 */
public final class CapturedFrames
{
    public static final String RESOURCE = "/captures/kernel-frames.txt";

    private static final Map<String, byte[]> FRAMES = load();

    private CapturedFrames()
    {
    }

    /** @return a fresh copy of the named frame's bytes. */
    public static byte[] bytes(final String name)
    {
        final byte[] frame = FRAMES.get(name);
        if (frame == null)
        {
            throw new IllegalArgumentException(
                "no captured frame '" + name + "' in " + RESOURCE + ": " + FRAMES.keySet());
        }
        return frame.clone();
    }

    /** @return a fresh buffer over a copy of the named frame, exactly its length. */
    public static UnsafeBuffer buffer(final String name)
    {
        return new UnsafeBuffer(bytes(name));
    }

    private static Map<String, byte[]> load()
    {
        final Map<String, byte[]> frames = new LinkedHashMap<>();
        try (InputStream in = CapturedFrames.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("test resource missing: " + RESOURCE);
            }
            final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = reader.readLine()) != null)
            {
                if (line.isBlank() || line.startsWith("#"))
                {
                    continue;
                }
                final String[] parts = line.trim().split("\\s+");
                frames.put(parts[0], BitUtil.fromHex(parts[1]));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return frames;
    }
}
