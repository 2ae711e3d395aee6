package dev.synack.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A small command-line reader: {@code --name value}, {@code --name=value} and {@code --flag}, each name
 * checked against the set a command accepts; positional arguments kept in order. Every mistake is a
 * {@link UsageException}. Not thread-safe; one per command line.
 */
public final class Args
{
    private final String command;
    private final List<String> positional = new ArrayList<>();
    private final List<String[]> options = new ArrayList<>();

    /**
     * @param command the command name, for messages.
     * @param args the arguments after the command.
     * @param valued options that take a value.
     * @param flags options that take none.
     */
    public Args(final String command, final List<String> args, final Set<String> valued, final Set<String> flags)
    {
        this.command = command;
        for (int i = 0; i < args.size(); i++)
        {
            final String arg = args.get(i);
            if (!arg.startsWith("--"))
            {
                positional.add(arg);
                continue;
            }
            final int eq = arg.indexOf('=');
            final String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (flags.contains(name))
            {
                if (eq >= 0)
                {
                    throw new UsageException(command + ": --" + name + " takes no value");
                }
                options.add(new String[] {name, null});
            }
            else if (valued.contains(name))
            {
                final String value;
                if (eq >= 0)
                {
                    value = arg.substring(eq + 1);
                }
                else if (i + 1 < args.size())
                {
                    value = args.get(++i);
                }
                else
                {
                    throw new UsageException(command + ": --" + name + " needs a value");
                }
                options.add(new String[] {name, value});
            }
            else
            {
                throw new UsageException(command + ": unknown option " + arg);
            }
        }
    }

    /** @return the positional arguments. */
    public List<String> positional()
    {
        return positional;
    }

    /**
     * @param name a flag.
     * @return whether it was given.
     */
    public boolean flag(final String name)
    {
        return value(name) != null || options.stream().anyMatch(o -> o[0].equals(name));
    }

    /**
     * @param name an option.
     * @return its last value, or null.
     */
    public String value(final String name)
    {
        String found = null;
        for (final String[] o : options)
        {
            if (o[0].equals(name) && o[1] != null)
            {
                found = o[1];
            }
        }
        return found;
    }

    /**
     * @param name an integer option.
     * @param defaultValue when absent.
     * @param min smallest allowed.
     * @param max largest allowed.
     * @return the value.
     */
    public int intValue(final String name, final int defaultValue, final int min, final int max)
    {
        final String text = value(name);
        if (text == null)
        {
            return defaultValue;
        }
        final int v;
        try
        {
            v = Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException(command + ": --" + name + " must be a whole number, not '" + text + "'");
        }
        if (v < min || v > max)
        {
            throw new UsageException(command + ": --" + name + " must be in " + min + ".." + max + ", not " + v);
        }
        return v;
    }
}
