package dev.synack.tools;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import dev.synack.tools.capture.CaptureException;

/**
 * How every {@code synack} command line is read and how every failure is told, in one place (picocli underneath):
 * a wrong command line is one line on stderr naming the command, what is wrong and where its {@code --help} is,
 * exit code 2; a feature not available here, an unreadable capture or an unwritable output is one line, exit 2; a
 * failure while running is one line, exit 1, with the stack trace only when {@code SYNACK_TRACE=1}. Options are
 * {@code --name value} or {@code --name=value}; an option's value may itself start with "--" (as with the
 * hand-written reader this replaces); no {@code @file} expansion.
 * <p>
 * Commands that need more checks than picocli's types give implement {@link Checked}; their checks throw
 * {@link UsageException} with the messages the commands always printed.
 * <p>
 * Not thread-safe; one command line per {@link CommandLine}.
 */
public final class Cli
{
    /** The exit code of a wrong command line and of anything that cannot be done here. */
    public static final int USAGE_EXIT = 2;
    /** The exit code of a failure while running. */
    public static final int FAILURE_EXIT = 1;

    private Cli()
    {
    }

    /** A command whose options need checks beyond their types, run after parsing and before anything else. */
    public interface Checked
    {
        /** @throws UsageException naming the first wrong option. */
        void check();
    }

    /**
     * Configures a command line (and every subcommand already added) the way all of synack's are read.
     *
     * @param cli the command line.
     * @param out standard output (help, version, completion).
     * @param err standard error (the one-line failures).
     * @return {@code cli}.
     */
    public static CommandLine configure(final CommandLine cli, final PrintStream out, final PrintStream err)
    {
        cli.setExpandAtFiles(false);
        cli.setAllowOptionsAsOptionParameters(true);
        cli.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setParameterExceptionHandler((ex, args) ->
        {
            err.println("synack: " + message(ex) + hint(ex.getCommandLine()));
            return USAGE_EXIT;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, commandLine, err));
        return cli;
    }

    /**
     * Reads {@code args} into an annotated command object without running it (for callers that build a command
     * from a list, as tests do), then runs its {@link Checked#check()}.
     *
     * @param command a picocli {@code @Command} object.
     * @param args the arguments after the command's name.
     * @param <T> its type.
     * @return {@code command}, filled in.
     * @throws UsageException when the arguments are wrong.
     */
    public static <T> T parse(final T command, final List<String> args)
    {
        final CommandLine cli = new CommandLine(command);
        cli.setExpandAtFiles(false);
        cli.setAllowOptionsAsOptionParameters(true);
        try
        {
            cli.parseArgs(args.toArray(new String[0]));
        }
        catch (final ParameterException ex)
        {
            throw new UsageException(message(ex));
        }
        if (command instanceof Checked checked)
        {
            checked.check();
        }
        return command;
    }

    /**
     * @param command the command's name, for the message.
     * @param option the option's name with its dashes.
     * @param value as given, or null when absent.
     * @param defaultValue when absent.
     * @param min smallest allowed.
     * @param max largest allowed.
     * @return the value.
     * @throws UsageException when out of range.
     */
    public static int intIn(final String command, final String option, final Integer value, final int defaultValue,
        final int min, final int max)
    {
        if (value == null)
        {
            return defaultValue;
        }
        if (value < min || value > max)
        {
            throw new UsageException(command + ": " + option + " must be in " + min + ".." + max + ", not " + value);
        }
        return value;
    }

    /** One line saying what is wrong with the command line, in the words synack has always used. */
    static String message(final ParameterException ex)
    {
        final CommandLine cli = ex.getCommandLine();
        final boolean top = cli == null || cli.getParent() == null && !cli.getCommandSpec().subcommands().isEmpty();
        final String prefix = cli == null || top ? "" : cli.getCommandName() + ": ";
        if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty())
        {
            final String arg = unmatched.getUnmatched().get(0);
            if (arg.startsWith("-"))
            {
                final int eq = arg.indexOf('=');
                final String name = eq < 0 ? arg : arg.substring(0, eq);
                final OptionSpec known = cli == null ? null : cli.getCommandSpec().findOption(name);
                return prefix + (known != null && known.arity().max() == 0 ? name + " takes no value"
                    : "unknown option " + name);
            }
            return top ? "unknown command '" + arg + "'" : prefix + "unexpected argument '" + arg + "'";
        }
        if (ex instanceof MissingParameterException missing && !missing.getMissing().isEmpty()
            && missing.getMissing().get(0) instanceof OptionSpec option)
        {
            return prefix + option.longestName() + " needs a value";
        }
        final ArgSpec arg = ex.getArgSpec();
        if (arg instanceof OptionSpec option && ex.getValue() != null)
        {
            final Class<?> type = option.type();
            if (type == Integer.class || type == int.class || type == Long.class || type == long.class)
            {
                return prefix + option.longestName() + " must be a whole number, not '" + ex.getValue() + "'";
            }
            if (option.arity().max() == 0)
            {
                return prefix + option.longestName() + " takes no value";
            }
        }
        final String text = oneLine(ex.getMessage());
        if (text.startsWith("Unknown subcommand '"))
        {
            // picocli's help command, asked about a command that is not there
            return "unknown command '" + text.substring("Unknown subcommand '".length()).replaceAll("'\\.?$", "")
                + "'";
        }
        if (text.contains("should be specified without"))
        {
            // picocli's words for "--flag=value" on a flag
            final int start = text.indexOf('\'');
            final int end = text.indexOf('\'', start + 1);
            if (start >= 0 && end > start)
            {
                return prefix + text.substring(start + 1, end) + " takes no value";
            }
        }
        return prefix + text;
    }

    private static String hint(final CommandLine cli)
    {
        if (cli == null)
        {
            return "";
        }
        return " (see '" + cli.getCommandSpec().qualifiedName() + " --help')";
    }

    private static int failed(final Exception ex, final CommandLine cli, final PrintStream err)
    {
        if (ex instanceof ParameterException parameter)
        {
            err.println("synack: " + message(parameter) + hint(parameter.getCommandLine()));
            return USAGE_EXIT;
        }
        if (ex instanceof UsageException)
        {
            err.println("synack: " + oneLine(ex.getMessage()) + hint(cli));
            return USAGE_EXIT;
        }
        if (ex instanceof NotAvailableException)
        {
            err.println("synack: not available: " + oneLine(ex.getMessage()));
            return USAGE_EXIT;
        }
        if (ex instanceof CaptureException || ex instanceof OutputException)
        {
            err.println("synack: " + oneLine(ex.getMessage()));
            return USAGE_EXIT;
        }
        final String trace = System.getenv("SYNACK_TRACE");
        err.println("synack: failed: " + oneLine(String.valueOf(ex.getMessage())) + " ("
            + ex.getClass().getSimpleName() + (trace == null || trace.isEmpty() ? "; SYNACK_TRACE=1 prints the stack"
            + " trace)" : ")"));
        if (trace != null && !trace.isEmpty())
        {
            ex.printStackTrace(err);
        }
        return FAILURE_EXIT;
    }

    /** @return {@code text} with its line breaks turned into "; ", so a failure is always one line. */
    static String oneLine(final String text)
    {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
