package dev.synack.tools.capture;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import dev.synack.tools.Args;
import dev.synack.tools.UsageException;

/**
 * {@code synack pcap JOURNAL_DIR OUT.pcap [--stack NAME]}: writes a capture journal's frames (all stacks', or
 * one stack's) to a classic pcap file (nanosecond timestamps, Ethernet) for tshark and Wireshark.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
public final class PcapCommand
{
    /** One-line usage. */
    public static final String USAGE = "usage: synack pcap <journal-dir> <out.pcap> [--stack NAME]";

    private final PrintStream out;
    private final Path journal;
    private final Path pcap;
    private final String stack;

    /**
     * @param args arguments after "pcap".
     * @param out where the summary goes.
     */
    public PcapCommand(final List<String> args, final PrintStream out)
    {
        final Args parsed = new Args("pcap", args, Set.of("stack"), Set.of());
        if (parsed.positional().size() != 2)
        {
            throw new UsageException("pcap: needs a journal directory and an output file, got "
                + parsed.positional().size() + " argument(s)");
        }
        this.journal = Path.of(parsed.positional().get(0));
        this.pcap = Path.of(parsed.positional().get(1));
        this.stack = parsed.value("stack");
        this.out = out;
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
