package dev.synack.tools;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import dev.synack.time.SystemNanoClock;
import dev.synack.tools.http.HttpResponder;
import dev.synack.workload.EchoServer;

/**
 * {@code synack serve}'s application agent on the stack thread (given to the stack with
 * {@code SynackBuilder.agent}): every 10 ms, and once more when the thread stops, it copies the HTTP responder's and
 * the echo server's figures into two counters of the stack's counters file, so the status line and
 * {@code synack stat FILE} read them from another thread or process. The stack's own counters and the NIC's are
 * already in the file: the embedding publishes those.
 * <p>
 * Why a copy: the responders count in plain fields on the stack thread (no store barrier per response). The copy
 * costs one clock read per duty cycle and two stores every 10 ms; it allocates nothing.
 */
final class ServeAgent implements Agent
{
    /** Agrona type id of serve's own counters. */
    static final int TYPE_SERVE = 1003;

    private static final long PUBLISH_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private final HttpResponder http;
    private final EchoServer echo;
    private final AtomicCounter httpResponses;
    private final AtomicCounter echoBytes;
    private long nextPublish;

    /**
     * @param manager the stack's counters, where serve's two are added.
     * @param http the HTTP responder, or null.
     * @param echo the echo server, or null.
     */
    ServeAgent(final CountersManager manager, final HttpResponder http, final EchoServer echo)
    {
        this.http = http;
        this.echo = echo;
        httpResponses = manager.newCounter("HTTP responses sent", TYPE_SERVE);
        echoBytes = manager.newCounter("echo bytes sent back", TYPE_SERVE);
    }

    @Override
    public int doWork()
    {
        final long now = SystemNanoClock.INSTANCE.nanoTime();
        if (now - nextPublish >= 0)
        {
            nextPublish = now + PUBLISH_NS;
            publish();
        }
        return 0; // bookkeeping, not work: it must not keep the thread from idling
    }

    @Override
    public void onClose()
    {
        publish(); // the last figures, on the stack thread as it stops
    }

    private void publish()
    {
        httpResponses.setRelease(http == null ? 0 : http.responses());
        echoBytes.setRelease(echo == null ? 0 : echo.bytesEchoed());
    }

    /** @return HTTP responses sent, as last copied (any thread). */
    long httpResponses()
    {
        return httpResponses.get();
    }

    /** @return echo bytes sent back, as last copied (any thread). */
    long echoBytes()
    {
        return echoBytes.get();
    }

    @Override
    public String roleName()
    {
        return "synack-serve";
    }
}
