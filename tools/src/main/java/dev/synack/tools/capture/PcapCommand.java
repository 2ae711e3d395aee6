package dev.synack.tools.capture;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.synack.tools.Cli;
import dev.synack.tools.UsageException;
import dev.synack.tools.Version;

/**
 * {@code synack pcap JOURNAL_DIR OUT.pcap [--stack NAME]}: writes a capture journal's frames (all stacks', or
 * one stack's) to a classic pcap file (nanosecond timestamps, Ethernet) for tshark and Wireshark.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
@Command(name = "pcap", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "write a capture journal (demo --capture DIR) as a pcap file for tshark/Wireshark")
public final class PcapCommand implements Callable<Integer>, Cli.Checked
{
    /** One-line usage. */
    public static final String USAGE = "usage: synack pcap <journal-dir> <out.pcap> [--stack NAME]";

    private final PrintStream out;
    @Parameters(paramLabel = "<journal-dir> <out.pcap>", arity = "0..*",
        description = "the journal directory to read and the pcap file to write")
    private List<String> positional = new ArrayList<>();
    @Option(names = "--stack", paramLabel = "NAME", description = "only this stack's frames (e.g. A-memory)")
    private String stack;
    private Path journal;
    private Path pcap;

    /**
     * @param out where the summary goes.
     */
    public PcapCommand(final PrintStream out)
    {
        this.out = out;
    }

    @Override
    public void check()
    {
        if (positional.size() != 2)
        {
            throw new UsageException("pcap: needs a journal directory and an output file, got "
                + positional.size() + " argument(s)");
        }
        this.journal = Path.of(positional.get(0));
        this.pcap = Path.of(positional.get(1));
    }

    @Override
    public Integer call()
    {
        check();
        return run();
    }

    /** @return exit code. */
    public int run()
    {
        final List<CapturedFrame> frames = Stacks.only(CaptureJournal.read(journal), stack, journal);
        Pcap.write(pcap, frames);
        out.printf("%s: %,d frames from %s%s%n", pcap, frames.size(), journal,
            stack == null ? " (stacks " + Stacks.names(frames) + ")" : " (stack " + stack + ")");
        return 0;
    }
}
