package dev.synack.tcp;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;

/**
 * One-way bulk data on one connection: the sender writes a repeating pattern as fast as the send buffer takes it,
 * the receiver checks every byte against the pattern's position in the stream. Allocation-free once built, so the
 * allocation test can run it too.
 */
final class BulkTransfer
{
    /** A prime period, so a lost, duplicated or misplaced segment of any usual size shows. */
    private static final int PERIOD = 251;
    private static final int CHUNK = 16 * 1024;

    final long total;
    final Sender sender = new Sender();
    final Receiver receiver = new Receiver();
    private final UnsafeBuffer source = new UnsafeBuffer(new byte[CHUNK + PERIOD]);
    TcpConnection senderConnection;
    /** The sender stops at this stream offset until raised (with zero latency, an endless sender never idles). */
    long limit = Long.MAX_VALUE;
    long sent;
    long received;
    /** Stream offset of the first wrong byte, -1 while every byte was right. */
    long firstWrong = -1;

    /** @param total bytes to send ({@link Long#MAX_VALUE}: for ever). */
    BulkTransfer(final long total)
    {
        this.total = total;
        for (int i = 0; i < source.capacity(); i++)
        {
            source.putByte(i, (byte)(i % PERIOD));
        }
    }

    final class Sender implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection c)
        {
            senderConnection = c;
            onWritable(c);
        }

        @Override
        public void onWritable(final TcpConnection c)
        {
            final long end = Math.min(total, limit);
            while (sent < end)
            {
                final int n = c.send(source, (int)(sent % PERIOD), (int)Math.min(CHUNK, end - sent));
                if (n <= 0)
                {
                    return;
                }
                sent += n;
            }
        }

        @Override
        public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
        {
        }

        @Override
        public void onClosed(final TcpConnection c, final CloseReason reason)
        {
        }
    }

    final class Receiver implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection c)
        {
        }

        @Override
        public void onClosed(final TcpConnection c, final CloseReason reason)
        {
        }

        @Override
        public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (firstWrong < 0 && buffer.getByte(offset + i) != (byte)((received + i) % PERIOD))
                {
                    firstWrong = received + i;
                }
            }
            received += length;
        }
    }
}
