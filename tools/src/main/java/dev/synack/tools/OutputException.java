package dev.synack.tools;

/**
 * A result file that cannot be written ({@code --json}, {@code --hgrm}, {@code --plot}): the {@code synack} command
 * prints its message as one line and exits with 2, never a stack trace.
 */
public final class OutputException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be written and why, in words the user can act on.
     * @param cause the underlying failure, or null.
     */
    public OutputException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
