package dev.synack.workload;

import org.agrona.DirectBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;

/**
 * Echoes every byte back, with backpressure instead of loss: what the send buffer cannot take now stays in the
 * stack ({@code keepUnread}, the receive window closes) and is delivered again after {@code onWritable}. The
 * peer's FIN is echoed as ours once every byte before it has been taken (the engine reports the FIN only after
 * the last byte was read), so a half-close comes back as a half-close.
 * <p>
 * Stateless and allocation-free: one instance may serve every connection of a stack. Counts connections that
 * ended other than normally, for workloads that must not see any. Stack thread only.
 */
public final class EchoServer implements TcpHandler
{
    private long abnormalCloses;
    private long bytesEchoed;

    @Override
    public void onOpen(final TcpConnection connection)
    {
    }

    @Override
    public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final int sent = Math.max(0, connection.send(buffer, offset, length));
        bytesEchoed += sent;
        if (sent < length)
        {
            connection.keepUnread(length - sent);
        }
    }

    @Override
    public void onWritable(final TcpConnection connection)
    {
        connection.resumeReading();
    }

    @Override
    public void onPeerClosed(final TcpConnection connection)
    {
        connection.shutdownOutput();
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason)
    {
        if (reason != CloseReason.NORMAL)
        {
            abnormalCloses++;
        }
    }

    /** @return connections that ended by reset, timeout or abort. */
    public long abnormalCloses()
    {
        return abnormalCloses;
    }

    /** @return bytes accepted for echoing. */
    public long bytesEchoed()
    {
        return bytesEchoed;
    }
}
