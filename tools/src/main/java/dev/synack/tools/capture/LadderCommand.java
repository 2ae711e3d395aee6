package dev.synack.tools.capture;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.synack.tools.Args;
import dev.synack.tools.UsageException;

/**
 * {@code synack ladder JOURNAL_DIR|FILE.pcap [--stream N] [--stack NAME] [--svg FILE [--msl-ms N]]}: prints a
 * {@link Ladder} diagram per TCP connection in a capture journal or a pcap file (ARP and ICMP as one-line events),
 * or only connection N; with {@code --svg}, draws connection N (the first by default) as an SVG picture instead
 * ({@link LadderSvg}), both ends' captures of one connection merged into one picture, so connections are counted
 * per connection there rather than per capturing stack.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
public final class LadderCommand
{
    /** One-line usage. */
    public static final String USAGE =
        "usage: synack ladder <journal-dir>|<file.pcap> [--stream N] [--stack NAME] [--svg FILE [--msl-ms N]]";

    /** synack's default MSL (StackConfig), and half the 60 s TIME-WAIT Linux keeps. */
    private static final int DEFAULT_MSL_MS = 30_000;

    private final PrintStream out;
    private final Path source;
    private final int stream;
    private final String stack;
    private final Path svg;
    private final long mslNs;

    /**
     * @param args arguments after "ladder".
     * @param out where the diagrams go.
     */
    public LadderCommand(final List<String> args, final PrintStream out)
    {
        final Args parsed = new Args("ladder", args, Set.of("stream", "stack", "svg", "msl-ms"), Set.of());
        final String svgName = parsed.value("svg");
        if (svgName != null && (svgName.isEmpty() || svgName.startsWith("--")))
        {
            // "--svg --stream 1" would otherwise write a file named "--stream"
            throw new UsageException("ladder: --svg needs a file name" + (svgName.isEmpty() ? "" : ", not '"
                + svgName + "'"));
        }
        if (svgName == null && parsed.value("msl-ms") != null)
        {
            throw new UsageException("ladder: --msl-ms sets TIME-WAIT's length in an --svg picture: give --svg FILE");
        }
        if (parsed.positional().size() != 1)
        {
            throw new UsageException("ladder: needs exactly one journal directory or pcap file, got "
                + parsed.positional().size());
        }
        this.source = path(parsed.positional().get(0));
        this.stream = parsed.intValue("stream", 0, 1, Integer.MAX_VALUE);
        this.stack = parsed.value("stack");
        this.svg = svgName == null ? null : path(svgName);
        this.mslNs = TimeUnit.MILLISECONDS.toNanos(parsed.intValue("msl-ms", DEFAULT_MSL_MS, 1, Integer.MAX_VALUE));
        this.out = out;
    }

    private static Path path(final String name)
    {
        try
        {
            return Path.of(name);
        }
        catch (final InvalidPathException ex)
        {
            throw new UsageException("ladder: not a file name: '" + name + "' (" + ex.getReason() + ")");
        }
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
        if (svg != null)
        {
            return drawSvg(frames);
        }
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

    private int drawSvg(final List<CapturedFrame> frames)
    {
        final List<Conversation> conversations = Conversations.of(frames, mslNs);
        if (conversations.isEmpty())
        {
            throw new CaptureException("ladder: no TCP segments to draw in " + source);
        }
        final int number = stream == 0 ? 1 : stream;
        if (number > conversations.size())
        {
            throw new CaptureException("ladder: no connection " + number + " in " + source + " (it holds "
                + conversations.size() + " TCP connection(s) with both ends' captures merged)");
        }
        final Conversation conversation = conversations.get(number - 1);
        SvgFile.write(svg, LadderSvg.draw(conversation, number, mslNs));
        out.printf("%s: TCP connection %d of %d, %s ⇄ %s, %d segments%s%n", svg, number, conversations.size(),
            conversation.left.address, conversation.right.address, conversation.segments(),
            conversations.size() > 1 && stream == 0 ? " (choose another with --stream N)" : "");
        return 0;
    }
}
