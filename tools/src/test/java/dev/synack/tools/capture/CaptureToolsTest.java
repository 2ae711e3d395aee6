package dev.synack.tools.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.synack.tools.MainCapture;

/**
 * Capture → journal → pcap → tshark, and the ladder of a known connection: a deterministic scenario
 * ({@link CaptureScenario}) captured from stack A, written to a pcap by {@code synack pcap}, read back by tshark
 * (every frame there, none malformed, no bad checksum, no expert warning, SYN, SYN-ACK and both FINs), and
 * drawn by {@code synack ladder} from the journal and from the pcap.
 */
class CaptureToolsTest
{
    /** 11 frames: ARP request and reply, one ping, then seven TCP segments. */
    private static final int FRAMES = 11;
    private static final String LADDER = String.join("\n",
        "TCP connection 1 (stack A): 198.18.0.1:57455 ⇄ 198.18.0.2:7, 7 segments",
        "        ms  198.18.0.1:57455                                                           198.18.0.2:7",
        "            CLOSED                                                                     LISTEN",
        "     0.000  SYN-SENT          ─ SYN seq=0 win=65535 len=0 mss=1460 ws=1 ────────────►  SYN-RECEIVED",
        "     0.100  ESTABLISHED       ◄── SYN,ACK seq=0 ack=1 win=65535 len=0 mss=1460 ws=1 ─",
        "     0.100                    ─ PSH,ACK seq=1 ack=1 win=65534 len=5 ────────────────►  ESTABLISHED",
        "     0.200                    ◄──────────────── PSH,ACK seq=1 ack=6 win=65534 len=5 ─",
        "     0.200  FIN-WAIT-1        ─ FIN,ACK seq=6 ack=6 win=65530 len=0 ────────────────►  CLOSE-WAIT",
        "     0.300  TIME-WAIT         ◄──────────────── FIN,ACK seq=6 ack=7 win=65534 len=0 ─  LAST-ACK",
        "     0.300                    ─ ACK seq=7 ack=7 win=65530 len=0 ────────────────────►  CLOSED",
        "");

    @TempDir
    Path dir;

    private final MainCapture cli = new MainCapture();

    private Path journal()
    {
        final Path journal = dir.resolve("journal");
        assertEquals(FRAMES, new CaptureScenario(journal).run());
        return journal;
    }

    @Test
    void pcapOfTheJournalHasEveryFrameWellFormedForTshark() throws Exception
    {
        final Path journal = journal();
        final Path pcap = dir.resolve("a.pcap");
        assertEquals(0, cli.runFresh("pcap", journal.toString(), pcap.toString()), cli.err());
        assertTrue(cli.out().contains(FRAMES + " frames"), cli.out());
        if (!tsharkPresent())
        {
            System.out.println("SKIPPED tshark checks: tshark not installed (.ci/run installs it)");
            return;
        }
        final List<String[]> rows = tshark(pcap, "frame.number", "frame.len", "eth.type", "tcp.flags",
            "ip.checksum.status", "tcp.checksum.status", "icmp.checksum.status", "_ws.malformed",
            "_ws.expert.severity");
        assertEquals(FRAMES, rows.size(), "every frame is in the pcap");
        int syn = 0;
        int synAck = 0;
        int fin = 0;
        for (final String[] row : rows)
        {
            final String line = String.join("|", row);
            assertTrue(row[7].isEmpty(), "malformed: " + line);
            for (int c = 4; c <= 6; c++)
            {
                assertFalse(row[c].contains("0"), "bad checksum: " + line);
            }
            for (final String severity : row[8].split(","))
            {
                // chat 0x200000 and note 0x400000 only; warning is 0x600000, error 0x800000
                assertTrue(severity.isEmpty() || Integer.decode(severity) < 0x600000, "expert warning: " + line);
            }
            if (!row[3].isEmpty())
            {
                final int flags = Integer.decode(row[3]);
                syn += (flags & 0x12) == 0x02 ? 1 : 0;
                synAck += (flags & 0x12) == 0x12 ? 1 : 0;
                fin += (flags & 0x01) != 0 ? 1 : 0;
            }
        }
        assertEquals(1, syn, "one SYN");
        assertEquals(1, synAck, "one SYN-ACK");
        assertEquals(2, fin, "both FINs");
        assertEquals("1", rows.get(0)[0]);
        assertEquals("0x0806", rows.get(0)[2], "an ARP request first");
        assertEquals(String.valueOf(FRAMES), String.valueOf(tshark(pcap, "tcp.stream").stream()
            .filter(r -> r[0].equals("0")).count() + 4), "one TCP stream of 7 segments after 4 ARP/ICMP frames");
    }

    @Test
    void ladderOfTheConnectionFromTheJournalAndFromThePcap()
    {
        final Path journal = journal();
        assertEquals(0, cli.runFresh("ladder", journal.toString(), "--stream", "1"), cli.err());
        assertEquals(LADDER, cli.out());
        final Path pcap = dir.resolve("a.pcap");
        assertEquals(0, cli.runFresh("pcap", journal.toString(), pcap.toString()), cli.err());
        assertEquals(0, cli.runFresh("ladder", pcap.toString(), "--stream", "1"), cli.err());
        assertEquals(LADDER.replace("(stack A)", "(stack pcap)"), cli.out());
        assertEquals(0, cli.runFresh("ladder", journal.toString()), cli.err());
        assertTrue(cli.out().startsWith("other frames"), cli.out());
        assertTrue(cli.out().contains("out  A  ARP who-has 198.18.0.2 tell 198.18.0.1"), cli.out());
        assertTrue(cli.out().contains("in   A  ICMP echo reply 198.18.0.2 → 198.18.0.1"), cli.out());
        assertTrue(cli.out().endsWith(LADDER), cli.out());
    }

    @Test
    void badJournalsAndPcapsGiveOneClearErrorAndExit2() throws Exception
    {
        final Path journal = journal();
        final Path empty = Files.createDirectory(dir.resolve("empty"));
        final Path corrupt = Files.createDirectory(dir.resolve("corrupt"));
        final byte[] junk = new byte[70_000];
        new java.util.Random(7).nextBytes(junk);
        Files.write(corrupt.resolve("20260101F.cq4"), junk);
        final Path noPcap = dir.resolve("missing.pcap");
        final Path emptyPcap = Files.createFile(dir.resolve("empty.pcap"));
        final Path junkPcap = Files.write(dir.resolve("junk.pcap"), junk);
        final Path good = dir.resolve("good.pcap");
        assertEquals(0, cli.runFresh("pcap", journal.toString(), good.toString()), cli.err());
        final byte[] whole = Files.readAllBytes(good);
        final Path cut = Files.write(dir.resolve("cut.pcap"), java.util.Arrays.copyOf(whole, whole.length - 10));
        final Path truncated = Files.createDirectory(dir.resolve("truncated"));
        try (java.util.stream.Stream<Path> files = Files.list(journal))
        {
            for (final Path f : files.toList())
            {
                final byte[] bytes = Files.readAllBytes(f);
                Files.write(truncated.resolve(f.getFileName()), f.toString().endsWith(".cq4")
                    ? java.util.Arrays.copyOf(bytes, 1000) : bytes);
            }
        }
        final String[][] cases = {
            {"no capture journal at /nonexistent/journal", "pcap", "/nonexistent/journal", good.toString()},
            {"no capture journal or pcap file at /nonexistent/journal", "ladder", "/nonexistent/journal"},
            {"no capture journal at " + empty + " (no *.cq4 files", "pcap", empty.toString(), good.toString()},
            {"no capture journal at " + empty + " (no *.cq4 files", "ladder", empty.toString()},
            {"corrupt capture journal in " + corrupt, "pcap", corrupt.toString(), good.toString()},
            {"corrupt capture journal in " + corrupt, "ladder", corrupt.toString()},
            {"corrupt capture journal in " + truncated, "ladder", truncated.toString()},
            {"no capture journal or pcap file at " + noPcap, "ladder", noPcap.toString()},
            {"not a pcap file: " + emptyPcap + " (0 bytes, no header)", "ladder", emptyPcap.toString()},
            {"not a pcap file: " + junkPcap, "ladder", junkPcap.toString()},
            {"truncated or corrupt pcap " + cut + ": record " + FRAMES, "ladder", cut.toString()},
            {"cannot write " + empty, "pcap", journal.toString(), empty.toString()},
            {"ladder: no connection 2 in " + journal + " (it holds 1 TCP connection(s))", "ladder",
                journal.toString(), "--stream", "2"},
            {"no frames of stack 'B' in " + journal + " (it holds stacks A)", "pcap", journal.toString(),
                good.toString(), "--stack", "B"},
        };
        for (final String[] c : cases)
        {
            final String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            final String line = String.join(" ", args);
            assertEquals(2, cli.runFresh(args), line + ": " + cli.err());
            assertTrue(cli.err().startsWith("synack: " + c[0]), line + ": " + cli.err());
            assertEquals(1, cli.err().strip().lines().count(), line + ": one line: " + cli.err());
            assertEquals("", cli.out(), line);
        }
    }

    private static boolean tsharkPresent()
    {
        try
        {
            return new ProcessBuilder("tshark", "--version").redirectErrorStream(true).start()
                .waitFor(30, TimeUnit.SECONDS);
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }

    private static List<String[]> tshark(final Path pcap, final String... fields) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("tshark", "-r", pcap.toString(),
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|",
            "-E", "occurrence=a"));
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, process.exitValue(), "tshark exit code");
        final List<String[]> rows = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            if (!line.isEmpty())
            {
                rows.add(line.split("\\|", -1));
            }
        }
        return rows;
    }
}
