package dev.synack.embed;

/**
 * The one exception {@link SynackBuilder#validate()} and {@link SynackBuilder#start()} throw: the stack cannot run
 * as configured, here. Its message is one line that names the bad value (or the missing privilege, the busy
 * queue...) and, where there is one, what to do; the cause, if any, is the binding's own exception.
 * <p>
 * When it is thrown from {@code start()}, everything start-up had made is released: no thread, socket, XDP program
 * or mapped counters file is left behind.
 */
public final class SynackConfigException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message one line: the bad value and what is allowed.
     */
    public SynackConfigException(final String message)
    {
        super(message);
    }

    /**
     * @param message one line: what failed and what to do.
     * @param cause the binding's exception.
     */
    public SynackConfigException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
