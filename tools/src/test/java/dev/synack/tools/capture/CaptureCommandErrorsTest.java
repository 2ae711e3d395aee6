package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.synack.tools.MainCapture;

/**
 * Every kind of bad input to {@code synack ladder} (text and {@code --svg}) and {@code synack pcap}: a missing
 * file, a truncated journal, a garbage or foreign pcap, a connection that is not there, an unwritable output, an
 * unknown or incomplete option. Each exits with 2 and says what is wrong on the first line of stderr, never with a
 * stack trace; a bad capture or output is that one line only (wrong arguments end it with where the help is).
 */
class CaptureCommandErrorsTest
{
    @TempDir
    Path dir;

    private final MainCapture cli = new MainCapture();
    private Path journal;
    private Path good;

    @BeforeEach
    void capture()
    {
        journal = dir.resolve("journal");
        new CaptureScenario(journal).run();
        good = dir.resolve("good.pcap");
        assertEquals(0, cli.runFresh("pcap", journal.toString(), good.toString()), cli.err());
    }

    /** Runs a command that must fail; returns its first stderr line without "synack: ". */
    private String fails(final String... args)
    {
        final String line = String.join(" ", args);
        assertEquals(2, cli.runFresh(args), line + ": " + cli.err());
        assertEquals("", cli.out(), line + ": nothing on stdout");
        assertFalse(cli.err().contains("\tat ")
            || cli.err().contains("Caused by"), line + ": no stack trace: " + cli.err());
        assertTrue(cli.err().startsWith("synack: "), line + ": " + cli.err());
        return cli.err().lines().findFirst().orElseThrow().substring("synack: ".length());
    }

    /** A bad capture or output: exactly one line. */
    private void failsWithOneLine(final String expectedStart, final String... args)
    {
        final String first = fails(args);
        assertTrue(first.startsWith(expectedStart), String.join(" ", args) + ": " + cli.err());
        assertEquals(1, cli.err().strip().lines().count(), String.join(" ", args) + ": one line: " + cli.err());
    }

    /** Wrong arguments: the reason and where the command's help is, in one line. */
    private void failsWithUsage(final String expected, final String... args)
    {
        assertEquals(expected + " (see 'synack " + args[0] + " --help')", fails(args), String.join(" ", args));
        assertEquals(1, cli.err().lines().count(), "one line: " + cli.err());
    }

    @Test
    void missingInputs()
    {
        failsWithOneLine("no capture journal or pcap file at /nonexistent/journal", "ladder", "/nonexistent/journal");
        failsWithOneLine("no capture journal or pcap file at /nonexistent/journal", "ladder", "/nonexistent/journal",
            "--svg", dir.resolve("x.svg").toString());
        failsWithOneLine("no capture journal at /nonexistent/journal", "pcap", "/nonexistent/journal",
            dir.resolve("x.pcap").toString());
        assertFalse(Files.exists(dir.resolve("x.svg")), "no picture of nothing");
    }

    @Test
    void truncatedJournal() throws Exception
    {
        final Path truncated = Files.createDirectory(dir.resolve("truncated"));
        try (Stream<Path> files = Files.list(journal))
        {
            for (final Path f : files.toList())
            {
                final byte[] bytes = Files.readAllBytes(f);
                Files.write(truncated.resolve(f.getFileName()), f.toString().endsWith(".cq4")
                    ? Arrays.copyOf(bytes, 1000) : bytes);
            }
        }
        final String expected = "corrupt capture journal in " + truncated;
        failsWithOneLine(expected, "ladder", truncated.toString());
        failsWithOneLine(expected, "ladder", truncated.toString(), "--svg", dir.resolve("x.svg").toString());
        failsWithOneLine(expected, "pcap", truncated.toString(), dir.resolve("x.pcap").toString());
    }

    @Test
    void garbageAndForeignPcaps() throws Exception
    {
        final byte[] junk = new byte[5000];
        new java.util.Random(11).nextBytes(junk);
        final Path garbage = Files.write(dir.resolve("garbage.pcap"), junk);
        final ByteBuffer ng = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN).putInt(0x0A0D0D0A).putInt(28)
            .putInt(0x1A2B3C4D);
        final Path pcapng = Files.write(dir.resolve("capture.pcapng"), ng.array());
        final byte[] rawIp = Files.readAllBytes(good);
        ByteBuffer.wrap(rawIp).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 101);
        final Path linuxRawIp = Files.write(dir.resolve("raw-ip.pcap"), rawIp);
        final byte[] whole = Files.readAllBytes(good);
        final Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(whole, whole.length - 10));
        for (final String svg : new String[] {null, dir.resolve("x.svg").toString()})
        {
            failsWithOneLine("not a pcap file: " + garbage, ladder(garbage, svg));
            failsWithOneLine("not a pcap file: " + pcapng + " (magic 0x0a0d0d0a; pcapng is not read here)",
                ladder(pcapng, svg));
            failsWithOneLine("pcap " + linuxRawIp + " has link type 101, not 1 (Ethernet)", ladder(linuxRawIp, svg));
            failsWithOneLine("truncated or corrupt pcap " + cut, ladder(cut, svg));
        }
        failsWithOneLine("no capture journal at " + good + " (not a directory)", "pcap", good.toString(),
            dir.resolve("x.pcap").toString());
    }

    private static String[] ladder(final Path input, final String svg)
    {
        return svg == null ? new String[] {"ladder", input.toString()}
            : new String[] {"ladder", input.toString(), "--svg", svg};
    }

    @Test
    void connectionsThatAreNotThere() throws Exception
    {
        failsWithOneLine("ladder: no connection 2 in " + journal + " (it holds 1 TCP connection(s))", "ladder",
            journal.toString(), "--stream", "2");
        failsWithOneLine("ladder: no connection 2 in " + journal + " (it holds 1 TCP connection(s) with both ends'"
            + " captures merged)", "ladder", journal.toString(), "--stream", "2", "--svg",
            dir.resolve("x.svg").toString());
        final Path arpOnly = dir.resolve("arp.pcap");
        Pcap.write(arpOnly, Pcap.read(good).subList(0, 2));
        failsWithOneLine("ladder: no TCP segments to draw in " + arpOnly, "ladder", arpOnly.toString(), "--svg",
            dir.resolve("x.svg").toString());
        failsWithOneLine("no frames of stack 'B' in " + journal + " (it holds stacks A)", "ladder",
            journal.toString(), "--stack", "B", "--svg", dir.resolve("x.svg").toString());
        assertFalse(Files.exists(dir.resolve("x.svg")));
    }

    @Test
    void unwritableOutputs() throws Exception
    {
        failsWithOneLine("cannot write /nonexistent/dir/x.svg: no such directory /nonexistent/dir", "ladder",
            journal.toString(), "--svg", "/nonexistent/dir/x.svg");
        final Path directory = Files.createDirectory(dir.resolve("a-directory"));
        failsWithOneLine("cannot write " + directory + ": ", "ladder", journal.toString(), "--svg",
            directory.toString());
        failsWithOneLine("cannot write /nonexistent/dir/x.pcap", "pcap", journal.toString(),
            "/nonexistent/dir/x.pcap");
        failsWithOneLine("cannot write " + directory, "pcap", journal.toString(), directory.toString());
    }

    @Test
    void wrongArguments()
    {
        final String j = journal.toString();
        failsWithUsage("ladder: unknown option --bogus", "ladder", j, "--bogus");
        failsWithUsage("ladder: unknown option --svgg", "ladder", j, "--svgg", "x.svg");
        failsWithUsage("pcap: unknown option --bogus", "pcap", j, good.toString(), "--bogus");
        failsWithUsage("ladder: --svg needs a value", "ladder", j, "--svg");
        failsWithUsage("ladder: --svg needs a file name, not '--stream'", "ladder", j, "--svg", "--stream", "1");
        failsWithUsage("ladder: --svg needs a file name", "ladder", j, "--svg=");
        failsWithUsage("ladder: --msl-ms sets TIME-WAIT's length in an --svg picture: give --svg FILE", "ladder", j,
            "--msl-ms", "10");
        failsWithUsage("ladder: --msl-ms must be in 1..2147483647, not 0", "ladder", j, "--svg", "x.svg",
            "--msl-ms", "0");
        failsWithUsage("ladder: --stream must be a whole number, not 'one'", "ladder", j, "--svg", "x.svg",
            "--stream", "one");
        failsWithUsage("ladder: needs exactly one journal directory or pcap file, got 2", "ladder", j, j);
        failsWithUsage("pcap: needs a journal directory and an output file, got 1 argument(s)", "pcap", j);
        assertFalse(Files.exists(Path.of("x.svg")), "nothing written on a wrong command line");
    }
}
