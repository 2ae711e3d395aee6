package dev.synack.tools.capture;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import dev.synack.tools.Args;
import dev.synack.tools.UsageException;

/**
 * {@code synack ladder JOURNAL_DIR|FILE.pcap [--stream N] [--stack NAME]}: prints a {@link Ladder} diagram per
 * TCP connection in a capture journal or a pcap file (ARP and ICMP as one-line events), or only connection N.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
public final class LadderCommand
{
    /** One-line usage. */
    public static final String USAGE = "usage: synack ladder <journal-dir>|<file.pcap> [--stream N] [--stack NAME]";

    private final PrintStream out;
    private final Path source;
    private final int stream;
    private final String stack;

    /**
     * @param args arguments after "ladder".
     * @param out where the diagrams go.
     */
    public LadderCommand(final List<String> args, final PrintStream out)
    {
        final Args parsed = new Args("ladder", args, Set.of("stream", "stack"), Set.of());
        if (parsed.positional().size() != 1)
        {
            throw new UsageException("ladder: needs exactly one journal directory or pcap file, got "
                + parsed.positional().size());
        }
        this.source = Path.of(parsed.positional().get(0));
        this.stream = parsed.intValue("stream", 0, 1, Integer.MAX_VALUE);
        this.stack = parsed.value("stack");
        this.out = out;
    }

    /** @return exit code. */
    public int run()
    {
        if (!Files.exists(source))
        {
            throw new CaptureException("no capture journal or pcap file at " + source);
        }
        final List<CapturedFrame> frames = Stacks.only(
            Files.isDirectory(source) ? CaptureJournal.read(source) : Pcap.read(source), stack, source);
        final Ladder ladder = new Ladder(frames);
        if (stream == 0)
        {
            out.print(ladder.render());
            return 0;
        }
        if (stream > ladder.streamCount())
        {
            throw new CaptureException("ladder: no connection " + stream + " in " + source + " (it holds "
                + ladder.streamCount() + " TCP connection(s))");
        }
        out.print(ladder.render(stream));
        return 0;
    }
}
