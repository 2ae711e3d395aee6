package dev.synack.tools.capture;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.synack.tools.Cli;
import dev.synack.tools.UsageException;
import dev.synack.tools.Version;

/**
 * {@code synack ladder JOURNAL_DIR|FILE.pcap [--stream N] [--stack NAME] [--svg FILE [--msl-ms N]]}: prints a
 * {@link Ladder} diagram per TCP connection in a capture journal or a pcap file (ARP and ICMP as one-line events),
 * or only connection N; with {@code --svg}, draws connection N (the first by default) as an SVG picture instead
 * ({@link LadderSvg}), both ends' captures of one connection merged into one picture, so connections are counted
 * per connection there rather than per capturing stack.
 * <p>
 * Not thread-safe; runs once on the calling thread.
 */
@Command(name = "ladder", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "print a ladder diagram per TCP connection of a capture journal or pcap file, or draw one as SVG")
public final class LadderCommand implements Callable<Integer>, Cli.Checked
{
    /** One-line usage. */
    public static final String USAGE =
        "usage: synack ladder <journal-dir>|<file.pcap> [--stream N] [--stack NAME] [--svg FILE [--msl-ms N]]";

    /** synack's default MSL (StackConfig), and half the 60 s TIME-WAIT Linux keeps. */
    private static final int DEFAULT_MSL_MS = 30_000;

    private final PrintStream out;
    @Parameters(paramLabel = "<journal-dir>|<file.pcap>", arity = "0..*",
        description = "a capture journal (demo --capture DIR) or a pcap file (Ethernet)")
    private List<String> positional = new ArrayList<>();
    @Option(names = "--stream", paramLabel = "N", description = "only TCP connection N (1 is the first)")
    private Integer streamOption;
    @Option(names = "--stack", paramLabel = "NAME", description = "only this stack's frames (e.g. A-memory)")
    private String stack;
    @Option(names = "--svg", paramLabel = "FILE", description = "draw connection N (default 1) as an SVG picture")
    private String svgOption;
    @Option(names = "--msl-ms", paramLabel = "N", description = "MSL in ms for the picture's TIME-WAIT bar (default"
        + " 30000)")
    private Integer mslOption;
    private Path source;
    private int stream;
    private Path svg;
    private long mslNs;

    /**
     * @param out where the diagrams go.
     */
    public LadderCommand(final PrintStream out)
    {
        this.out = out;
    }

    @Override
    public void check()
    {
        final String svgName = svgOption;
        if (svgName != null && (svgName.isEmpty() || svgName.startsWith("--")))
        {
            // "--svg --stream 1" would otherwise write a file named "--stream"
            throw new UsageException("ladder: --svg needs a file name" + (svgName.isEmpty() ? "" : ", not '"
                + svgName + "'"));
        }
        if (svgName == null && mslOption != null)
        {
            throw new UsageException("ladder: --msl-ms sets TIME-WAIT's length in an --svg picture: give --svg FILE");
        }
        if (positional.size() != 1)
        {
            throw new UsageException("ladder: needs exactly one journal directory or pcap file, got "
                + positional.size());
        }
        this.source = path(positional.get(0));
        this.stream = Cli.intIn("ladder", "--stream", streamOption, 0, 1, Integer.MAX_VALUE);
        this.svg = svgName == null ? null : path(svgName);
        this.mslNs = TimeUnit.MILLISECONDS.toNanos(Cli.intIn("ladder", "--msl-ms", mslOption, DEFAULT_MSL_MS, 1,
            Integer.MAX_VALUE));
    }

    @Override
    public Integer call()
    {
        check();
        return run();
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
