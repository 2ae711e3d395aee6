package dev.synack.tools;

/**
 * A feature that cannot run here (no root, no AF_XDP, a missing tool): printed as
 * "not available: reason", exit code 2.
 */
public final class NotAvailableException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message why, and what to do.
     * @param cause the underlying failure, or null.
     */
    public NotAvailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
