package dev.synack.tools.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.tcp.TcpConnection;

/**
 * A minimal HTTP/1.1 responder on synack: every request, whatever its method and target, gets
 * {@code 200 OK} with one fixed small body. Requests may arrive split across segments at any byte and
 * pipelined several to a segment; the parser is a per-connection byte state machine.
 * <p>
 * Connection persistence follows RFC 9112 §9.3: HTTP/1.1 keeps the connection open unless the request says
 * {@code Connection: close}; HTTP/1.0 closes after the response unless it says {@code Connection: keep-alive}.
 * A closing response carries {@code Connection: close} and is followed by our FIN. Request bodies are not
 * supported (a request with {@code Content-Length} > 0 or chunked body gets 400 and the connection closes);
 * a header line over {@link #MAX_LINE} bytes gets 431 and the connection closes.
 * <p>
 * Runs on the stack thread like every {@link TcpHandler}. Per-connection state objects are pooled; the
 * steady state does not allocate.
 */
public final class HttpResponder implements TcpHandler
{
    /** Longest request or header line accepted. */
    public static final int MAX_LINE = 4096;

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final UnsafeBuffer keepAlive;
    private final UnsafeBuffer closing;
    private final UnsafeBuffer badRequest;
    private final UnsafeBuffer tooLarge;
    private final Long2ObjectHashMap<Request> requests = new Long2ObjectHashMap<>();
    private final ArrayDeque<Request> pool = new ArrayDeque<>();
    private long responses;

    /** A responder whose body is {@code "hello from synack\n"}. */
    public HttpResponder()
    {
        this("hello from synack\n");
    }

    /**
     * @param body the fixed body of every 200 response (US-ASCII / UTF-8 text).
     */
    public HttpResponder(final String body)
    {
        keepAlive = response("200 OK", body, false);
        closing = response("200 OK", body, true);
        badRequest = response("400 Bad Request", "bad request\n", true);
        tooLarge = response("431 Request Header Fields Too Large", "header too large\n", true);
    }

    private static UnsafeBuffer response(final String status, final String body, final boolean close)
    {
        final byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        final String head = "HTTP/1.1 " + status + "\r\n" +
            "Server: synack\r\n" +
            "Content-Type: text/plain\r\n" +
            "Content-Length: " + bodyBytes.length + "\r\n" +
            (close ? "Connection: close\r\n" : "") +
            "\r\n";
        final byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        final byte[] all = new byte[headBytes.length + bodyBytes.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(bodyBytes, 0, all, headBytes.length, bodyBytes.length);
        return new UnsafeBuffer(all);
    }

    /** @return responses sent so far (read on the stack thread, or approximately from others). */
    public long responses()
    {
        return responses;
    }

    @Override
    public void onOpen(final TcpConnection connection)
    {
        final Request request = pool.isEmpty() ? new Request() : pool.pollFirst();
        request.reset();
        requests.put(connection.handle(), request);
    }

    @Override
    public void onData(final TcpConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final Request request = requests.get(connection.handle());
        if (request == null || request.closing)
        {
            return; // after our closing response the rest of the input is ignored
        }
        for (int i = 0; i < length; i++)
        {
            final byte b = buffer.getByte(offset + i);
            if (b != LF)
            {
                if (request.lineLength == MAX_LINE)
                {
                    finish(connection, request, tooLarge);
                    return;
                }
                request.line[request.lineLength++] = b;
                continue;
            }
            int end = request.lineLength;
            if (end > 0 && request.line[end - 1] == CR)
            {
                end--;
            }
            request.lineLength = 0;
            if (!request.onLine(end))
            {
                finish(connection, request, badRequest);
                return;
            }
            if (request.complete)
            {
                final UnsafeBuffer reply = request.keepAlive ? keepAlive : closing;
                if (connection.sendCapacity() < reply.capacity())
                {
                    // send buffer full (deep pipelining): answer when it drains, keep the rest unread till then
                    request.pending = true;
                    connection.keepUnread(length - i - 1);
                    return;
                }
                respond(connection, request, reply);
                if (request.closing)
                {
                    return;
                }
            }
        }
    }

    private void respond(final TcpConnection connection, final Request request, final UnsafeBuffer reply)
    {
        connection.send(reply, 0, reply.capacity());
        responses++;
        if (reply == closing)
        {
            request.closing = true;
            connection.close();
        }
        request.next();
    }

    private void finish(final TcpConnection connection, final Request request, final UnsafeBuffer reply)
    {
        request.closing = true;
        if (connection.sendCapacity() >= reply.capacity())
        {
            connection.send(reply, 0, reply.capacity());
        }
        connection.close();
    }

    @Override
    public void onWritable(final TcpConnection connection)
    {
        final Request request = requests.get(connection.handle());
        if (request != null && request.pending)
        {
            final UnsafeBuffer reply = request.keepAlive ? keepAlive : closing;
            if (connection.sendCapacity() < reply.capacity())
            {
                return;
            }
            request.pending = false;
            respond(connection, request, reply);
            if (!request.closing)
            {
                connection.resumeReading();
            }
        }
    }

    @Override
    public void onPeerClosed(final TcpConnection connection)
    {
        final Request request = requests.get(connection.handle());
        if (request == null || !request.pending)
        {
            connection.close();
        }
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason)
    {
        final Request request = requests.remove(connection.handle());
        if (request != null)
        {
            pool.addLast(request);
        }
    }

    /** Parse state of the request being read on one connection. */
    private static final class Request
    {
        final byte[] line = new byte[MAX_LINE];
        int lineLength;
        boolean firstLine;
        boolean http10;
        boolean keepAlive;
        boolean complete;
        boolean pending;
        boolean closing;

        void reset()
        {
            closing = false;
            pending = false;
            next();
        }

        void next()
        {
            lineLength = 0;
            firstLine = true;
            http10 = false;
            keepAlive = true;
            complete = false;
        }

        /** @return false when the request is malformed or has a body. */
        boolean onLine(final int length)
        {
            if (firstLine)
            {
                if (length == 0)
                {
                    return true; // RFC 9112 §2.2: ignore at least one empty line before the request-line
                }
                firstLine = false;
                if (endsWith(length, "HTTP/1.0"))
                {
                    http10 = true;
                    keepAlive = false;
                    return true;
                }
                return endsWith(length, "HTTP/1.1");
            }
            if (length == 0)
            {
                complete = true;
                return true;
            }
            if (headerIs(length, "connection:"))
            {
                if (valueContains(length, "close"))
                {
                    keepAlive = false;
                }
                else if (valueContains(length, "keep-alive"))
                {
                    keepAlive = true;
                }
                return true;
            }
            if (headerIs(length, "transfer-encoding:"))
            {
                return false;
            }
            if (headerIs(length, "content-length:"))
            {
                for (int i = "content-length:".length(); i < length; i++)
                {
                    final byte b = line[i];
                    if (b >= '1' && b <= '9')
                    {
                        return false;
                    }
                }
            }
            return true;
        }

        private boolean endsWith(final int length, final String suffix)
        {
            final int n = suffix.length();
            if (length < n)
            {
                return false;
            }
            for (int i = 0; i < n; i++)
            {
                if (line[length - n + i] != suffix.charAt(i))
                {
                    return false;
                }
            }
            return true;
        }

        private boolean headerIs(final int length, final String lowerName)
        {
            final int n = lowerName.length();
            if (length < n)
            {
                return false;
            }
            for (int i = 0; i < n; i++)
            {
                if (Character.toLowerCase((char)line[i]) != lowerName.charAt(i))
                {
                    return false;
                }
            }
            return true;
        }

        private boolean valueContains(final int length, final String lowerToken)
        {
            final int n = lowerToken.length();
            for (int start = 0; start + n <= length; start++)
            {
                int i = 0;
                while (i < n && Character.toLowerCase((char)line[start + i]) == lowerToken.charAt(i))
                {
                    i++;
                }
                if (i == n)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
