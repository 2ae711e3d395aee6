package dev.synack.tools.capture;

/**
 * A capture that cannot be read or written (missing, empty or corrupt journal or pcap, an unwritable output):
 * the {@code synack} command prints its message and exits with 2, never a stack trace.
 */
public final class CaptureException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and where, in words the user can act on.
     */
    public CaptureException(final String message)
    {
        super(message);
    }

    /**
     * @param message what is wrong and where.
     * @param cause the underlying failure.
     */
    public CaptureException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
