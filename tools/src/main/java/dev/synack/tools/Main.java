package dev.synack.tools;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import dev.synack.tools.capture.LadderCommand;
import dev.synack.tools.capture.PcapCommand;

/**
 * The {@code synack} command line: {@code demo}, {@code stat}, {@code pcap}, {@code ladder}, {@code http-lab},
 * {@code serve}, {@code scale}, {@code completion}, {@code help}; {@code --help} on each, {@code --version}. Read by
 * picocli and configured by {@link Cli}. Exit codes: 0 done, 1 failed while running, 2 wrong arguments, a feature not
 * available here, or a capture or result file that cannot be read or written (with the reason, in one line).
 * <p>
 * Run through {@code tools/bin/synack}, which adds the JVM flags Agrona needs.
 */
public final class Main
{
    private Main()
    {
    }

    /**
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command; never calls {@code System.exit}.
     *
     * @param args the command line.
     * @param out standard output.
     * @param err standard error.
     * @return the exit code.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        return commandLine(out, err).execute(args);
    }

    /**
     * @param out standard output.
     * @param err standard error.
     * @return the whole command tree, configured: what {@link #run} executes and completion describes.
     */
    static CommandLine commandLine(final PrintStream out, final PrintStream err)
    {
        final CommandLine cli = new CommandLine(new Synack());
        add(cli, new DemoCommand(out, err), DemoCommand.USAGE);
        add(cli, new StatCommand(out), StatCommand.USAGE);
        add(cli, new PcapCommand(out), PcapCommand.USAGE);
        add(cli, new LadderCommand(out), LadderCommand.USAGE);
        add(cli, new HttpLabCommand(out, err), HttpLabCommand.USAGE);
        add(cli, new ServeCommand(out), ServeCommand.USAGE);
        add(cli, new ScaleCommand(out), ScaleCommand.USAGE);
        add(cli, new CompletionCommand(out), CompletionCommand.USAGE);
        cli.addSubcommand("help", new CommandLine.HelpCommand());
        cli.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> commandList(cli));
        cli.setUsageHelpWidth(120);
        return Cli.configure(cli, out, err);
    }

    /** Adds a command whose synopsis is its one-line usage, as the commands have always printed it. */
    private static void add(final CommandLine cli, final Object command, final String usage)
    {
        final CommandLine sub = new CommandLine(command);
        final List<String> lines = new ArrayList<>();
        for (final String line : usage.split("\\R"))
        {
            lines.add(line.replace("%", "%%")); // picocli ends each synopsis line itself
        }
        sub.getCommandSpec().usageMessage().synopsisHeading("").customSynopsis(lines.toArray(new String[0]))
            .descriptionHeading("%n").parameterListHeading("%narguments:%n").optionListHeading("%noptions:%n");
        cli.addSubcommand(sub);
    }

    /** Each command: its name, what it does, and its usage line, as {@code synack --help} has always listed them. */
    private static String commandList(final CommandLine cli)
    {
        final StringBuilder s = new StringBuilder("commands:").append(System.lineSeparator());
        for (final Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet())
        {
            final CommandSpec spec = e.getValue().getCommandSpec();
            final String[] description = spec.usageMessage().description();
            for (int i = 0; i < description.length; i++)
            {
                // descriptions are format strings (picocli's own help command's hold "%n")
                final String text = description[i].replace("%n", " ").replace("%%", "%").strip();
                s.append(i == 0 ? String.format("  %-6s ", e.getKey()) : "         ").append(text)
                    .append(System.lineSeparator());
            }
            for (final String line : spec.usageMessage().customSynopsis())
            {
                final String text = line.replace("%%", "%");
                final String prefix = "usage: synack ";
                s.append("         ").append(text.startsWith(prefix) ? text.substring(prefix.length()) : text.strip())
                    .append(System.lineSeparator());
            }
        }
        return s.toString();
    }

    /** @return whether this process runs as root (uid 0). */
    static boolean isRoot()
    {
        try
        {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return false;
        }
    }

    /** The top of the tree: no command is a wrong command line. */
    @Command(name = "synack", mixinStandardHelpOptions = true, versionProvider = Version.class,
        synopsisHeading = "", customSynopsis = "usage: synack <command> [options]",
        description = "A user-space TCP/IPv4 stack over AF_XDP: its demo, lab runs, counters, captures and ladders.",
        descriptionHeading = "%n", optionListHeading = "%noptions:%n", commandListHeading = "%n",
        footerHeading = "%n", footer = "Every command takes --help. Exit codes: 0 done, 1 failed while running,"
            + " 2 wrong arguments or not available here.")
    static final class Synack implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call()
        {
            throw new ParameterException(spec.commandLine(), "no command given");
        }
    }
}
