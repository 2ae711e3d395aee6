package dev.synack.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line as a user meets it: {@code --help} on every command, {@code --version}, the completion script,
 * and every kind of bad input as one line on stderr with a non-zero exit and never a stack trace.
 */
class CliTest
{
    private static final String[] COMMANDS =
        {"demo", "stat", "pcap", "ladder", "http-lab", "serve", "scale", "completion"};

    @TempDir
    Path dir;

    private final MainCapture cli = new MainCapture();

    /** Runs a command line that must fail with 2; returns its one stderr line. */
    private String failsInOneLine(final String... args)
    {
        final String line = String.join(" ", args);
        assertEquals(2, cli.runFresh(args), line + ": " + cli.err());
        assertEquals("", cli.out(), line + ": nothing on stdout");
        assertEquals(1, cli.err().lines().count(), line + ": one line: " + cli.err());
        assertFalse(cli.err().contains("\tat ")
            || cli.err().contains("Exception"), line + ": no stack trace: " + cli.err());
        assertTrue(cli.err().startsWith("synack: "), line + ": " + cli.err());
        return cli.err().strip();
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "stat", "pcap", "ladder", "http-lab", "serve", "scale", "completion"})
    void everyCommandHasHelp(final String command)
    {
        assertEquals(0, cli.runFresh(command, "--help"), cli.err());
        assertTrue(cli.out().startsWith("usage: synack " + command), cli.out());
        assertTrue(cli.out().contains("-h, --help") && cli.out().contains("-V, --version"), cli.out());
        assertEquals("", cli.err());
        final String help = cli.out();
        assertEquals(0, cli.runFresh("help", command), cli.err());
        assertEquals(help, cli.out(), "synack help " + command + " prints the same");
    }

    @Test
    void topLevelHelpListsEveryCommandWithItsUsage()
    {
        assertEquals(0, cli.runFresh("--help"), cli.err());
        assertTrue(cli.out().startsWith("usage: synack <command> [options]"), cli.out());
        for (final String command : COMMANDS)
        {
            assertTrue(cli.out().contains("\n  " + command + " "), command + " missing in:\n" + cli.out());
        }
        assertTrue(cli.out().contains("http-lab [--seconds N] [--connections N] [--two-threads]"), cli.out());
        assertTrue(cli.out().contains("--json FILE") && cli.out().contains("--hgrm DIR")
            && cli.out().contains("--plot DIR"),
            cli.out());
        assertEquals(0, cli.runFresh("help"), cli.err());
        assertTrue(cli.out().startsWith("usage: synack <command> [options]"), cli.out());
    }

    @Test
    void versionIsTheMavenProjectVersion() throws Exception
    {
        final String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
        final Matcher parent = Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
        assertTrue(parent.find(), "tools/pom.xml names its parent's version");
        for (final String[] args : new String[][] {{"--version"}, {"-V"}, {"demo", "--version"}})
        {
            assertEquals(0, cli.runFresh(args), cli.err());
            final String first = cli.out().lines().findFirst().orElse("");
            assertEquals("synack " + parent.group(1), first, String.join(" ", args));
            assertTrue(cli.out().contains("JDK " + System.getProperty("java.version")), cli.out());
        }
    }

    @Test
    void completionScriptCoversEveryCommandAndOptionAndIsValidBash() throws Exception
    {
        assertEquals(0, cli.runFresh("completion"), cli.err());
        final String script = cli.out();
        assertTrue(script.startsWith("#!/usr/bin/env bash"), script.substring(0, 80));
        for (final String word : new String[] {"demo", "stat", "pcap", "ladder", "http-lab", "serve", "--json",
            "--hgrm", "--plot", "--wire", "--stream", "--svg", "--interval-ms", "--max-connections", "complete -F"})
        {
            assertTrue(script.contains(word), word + " missing from the completion script");
        }
        assertTrue(script.contains("auto memory xdp") || script.contains("auto\" \"memory\" \"xdp"),
            "--wire's values are completed");
        final Path file = Files.writeString(dir.resolve("synack.bash"), script);
        final Process bash = new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
        final String text = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, bash.exitValue(), "bash -n: " + text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "stat", "pcap", "ladder", "http-lab", "serve", "scale", "completion"})
    void anUnknownFlagIsOneLineOnEveryCommand(final String command)
    {
        assertEquals("synack: " + command + ": unknown option --no-such-flag (see 'synack " + command + " --help')",
            failsInOneLine(command, "--no-such-flag"));
    }

    @Test
    void noCommandAndAnUnknownCommand()
    {
        assertEquals("synack: no command given (see 'synack --help')", failsInOneLine());
        assertEquals("synack: unknown command 'bogus' (see 'synack --help')", failsInOneLine("bogus"));
        assertEquals("synack: unknown option --bogus (see 'synack --help')", failsInOneLine("--bogus"));
        assertEquals("synack: unknown command 'bogus' (see 'synack --help')", failsInOneLine("help", "bogus"));
    }

    @Test
    void valuesAndFlagsAreCheckedInTheOldWords()
    {
        assertEquals("synack: demo: --seconds must be a whole number, not 'ten' (see 'synack demo --help')",
            failsInOneLine("demo", "--seconds", "ten"));
        assertEquals("synack: demo: --seconds must be in 1..3600, not 0 (see 'synack demo --help')",
            failsInOneLine("demo", "--seconds=0"));
        assertEquals("synack: demo: --runs needs a value (see 'synack demo --help')", failsInOneLine("demo", "--runs"));
        assertEquals("synack: demo: --xdp takes no value (see 'synack demo --help')",
            failsInOneLine("demo", "--xdp=yes"));
        assertEquals("synack: demo: unexpected argument 'extra' (see 'synack demo --help')",
            failsInOneLine("demo", "extra"));
        assertEquals("synack: stat: needs exactly one counters file, got 0 (see 'synack stat --help')",
            failsInOneLine("stat"));
        assertEquals("synack: scale: --buffer must be a power of two, not 3000 (see 'synack scale --help')",
            failsInOneLine("scale", "--buffer", "3000"));
        assertEquals("synack: scale: --sample must be in 0..10, not 11 (see 'synack scale --help')",
            failsInOneLine("scale", "--connections", "10", "--sample", "11"));
    }

    @Test
    void missingInputsAreOneLine()
    {
        assertTrue(failsInOneLine("stat", "/nonexistent/A.counters")
            .startsWith("synack: not available: no counters file at /nonexistent/A.counters"), cli.err());
        assertTrue(failsInOneLine("pcap", "/nonexistent/journal", dir.resolve("x.pcap").toString())
            .startsWith("synack: no capture journal at /nonexistent/journal"), cli.err());
        assertTrue(failsInOneLine("ladder", "/nonexistent/journal")
            .startsWith("synack: no capture journal or pcap file at /nonexistent/journal"), cli.err());
    }

    @Test
    void resultFilesThatCannotBeWrittenAreRefusedBeforeTheRun() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("a-file"), "x");
        final List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"demo: --json /nonexistent/dir/r.json: no such directory /nonexistent/dir", "demo",
            "--json", "/nonexistent/dir/r.json"});
        cases.add(new String[] {"demo: --json " + dir + " is a directory: give a file name", "demo", "--json",
            dir.toString()});
        cases.add(new String[] {"demo: --hgrm " + file + " is a file: give a directory", "demo", "--hgrm",
            file.toString()});
        cases.add(new String[] {"demo: --plot /nonexistent/a/b: no such directory /nonexistent/a to make it in",
            "demo", "--plot", "/nonexistent/a/b"});
        cases.add(new String[] {"demo: --json needs a file name", "demo", "--json="});
        cases.add(new String[] {"demo: --plot needs a directory, not '--runs'", "demo", "--plot", "--runs"});
        cases.add(new String[] {"http-lab: --json /nonexistent/dir/r.json: no such directory /nonexistent/dir",
            "http-lab", "--json", "/nonexistent/dir/r.json"});
        for (final String[] c : cases)
        {
            final String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            assertEquals("synack: " + c[0] + " (see 'synack " + args[0] + " --help')", failsInOneLine(args));
        }
    }

    @Test
    void aFailureWhileRunningIsOneLineWithExit1()
    {
        assertEquals("a; b", Cli.oneLine("a\n  b\n"));
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        final picocli.CommandLine cli = Cli.configure(new picocli.CommandLine(new Failing()), stream, stream);
        assertEquals(1, cli.execute());
        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals("synack: failed: went wrong; on two lines (IllegalStateException; SYNACK_TRACE=1 prints the stack"
            + " trace)", text.strip());
    }

    /** A command that fails while running. */
    @picocli.CommandLine.Command(name = "failing")
    static final class Failing implements java.util.concurrent.Callable<Integer>
    {
        @Override
        public Integer call()
        {
            throw new IllegalStateException("went wrong\non two lines");
        }
    }
}
