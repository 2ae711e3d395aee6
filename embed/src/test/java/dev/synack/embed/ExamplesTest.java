package dev.synack.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.synack.embed.examples.EchoClient;
import dev.synack.embed.examples.EchoService;

/**
 * The examples of docs/embedding.md: they run over the memory wire here (and over AF_XDP against the kernel in
 * {@link AfXdpEmbeddingTest}), the service fits in 20 lines, and the document shows them as they are compiled.
 */
class ExamplesTest
{
    private static final Path EXAMPLES = Path.of("src/test/java/dev/synack/embed/examples");

    @Test
    void theEchoServiceAndClientTalkOverTheMemoryWire() throws Exception
    {
        final MemoryLink link = MemoryLink.create();
        try (SynackStack service = EchoService.start(Synack.builder().memoryWire(link, MemoryLink.Side.A)
                .address("198.18.0.1/24"));
            SynackStack client = Synack.builder().memoryWire(link, MemoryLink.Side.B).address("198.18.0.2/24").start())
        {
            assertEquals("NORMAL: hello", EchoClient.echo(client, "198.18.0.1", "hello"));
            assertEquals(1, service.counters().get(dev.synack.stat.StackCounter.TCP_PASSIVE_OPENS));
        }
    }

    @Test
    void theEchoServiceIsAtMostTwentyLines() throws IOException
    {
        final long lines = Files.readAllLines(EXAMPLES.resolve("EchoService.java")).size();
        assertTrue(lines <= 20, "EchoService.java has " + lines + " lines");
    }

    @Test
    void theDocumentShowsTheExamplesAsCompiled() throws IOException
    {
        final String doc = Files.readString(Path.of("../docs/embedding.md"));
        for (final String example : new String[] {"EchoService.java", "EchoClient.java"})
        {
            final String source = Files.readString(EXAMPLES.resolve(example));
            assertTrue(doc.contains("```java\n" + source + "```\n"), "docs/embedding.md does not show " + example
                + " as it is in " + EXAMPLES + ": copy it in again");
        }
    }
}
