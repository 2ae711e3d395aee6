package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user does (issue 11): README's "look at one real connection" command, run exactly as written (its
 * paths moved into a temporary directory), gives a well-formed SVG ladder of a real connection with the
 * handshake, the close and TIME-WAIT on it.
 */
class ReadmePictureTest
{
    @TempDir
    Path dir;

    @Test
    void theReadmeCommandDrawsARealHandshakeAndClose() throws Exception
    {
        final String line = Files.readAllLines(Path.of("..", "README.md")).stream()
            .filter(l -> l.startsWith("tools/bin/synack demo") && l.contains("--svg")).findFirst()
            .orElseThrow(() -> new AssertionError("README has no demo-to-ladder command"));
        final String[] steps = line.replace("/tmp/", dir.toString() + "/").split(" && ");
        assertEquals(2, steps.length, line);
        for (final String step : steps)
        {
            final List<String> words = new ArrayList<>(Arrays.asList(step.trim().split(" +")));
            assertEquals("tools/bin/synack", words.remove(0), step);
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int exit = Main.run(words.toArray(new String[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, exit, step + ": " + err.toString(StandardCharsets.UTF_8));
        }
        final Path svg = Path.of(steps[1].substring(steps[1].indexOf("--svg ") + 6).trim());
        final String text = Files.readString(svg);
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        int at = 0;
        for (final String state : List.of("SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED"))
        {
            final int found = text.indexOf(">" + state + "<", at);
            assertTrue(found >= 0, state + " after position " + at + " on the client's lifeline");
            at = found;
        }
        assertTrue(text.contains("SYN,ACK") && text.contains("FIN,ACK"), "the segments are drawn");
    }
}
