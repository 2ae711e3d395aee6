package dev.synack.tools;

/**
 * A wrong command line: printed with the usage, exit code 2.
 */
public final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, in words the user can act on.
     */
    public UsageException(final String message)
    {
        super(message);
    }
}
