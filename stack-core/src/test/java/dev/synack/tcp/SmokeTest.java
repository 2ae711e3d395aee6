package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.memwire.FaultPlan;
import dev.synack.test.StackPair;

class SmokeTest
{
    @Test
    void echoOverMemoryWire()
    {
        final StackPair pair = StackPair.resolved(StackPair.configA(), StackPair.configB(), FaultPlan.none(),
            FaultPlan.none());
        final StringBuilder log = new StringBuilder();
        pair.b.agent.tcp().listen(7, new TcpHandler()
        {
            public void onOpen(final TcpConnection c)
            {
                log.append("B open;");
            }

            public void onData(final TcpConnection c, final DirectBuffer b, final int o, final int l)
            {
                c.send(b, o, l);
            }

            public void onPeerClosed(final TcpConnection c)
            {
                c.close();
            }

            public void onClosed(final TcpConnection c, final CloseReason r)
            {
                log.append("B closed ").append(r).append(';');
            }
        });
        final long[] received = new long[1];
        final UnsafeBuffer message = new UnsafeBuffer(new byte[100_000]);
        final long h = pair.a.agent.tcp().connect(StackPair.B_IP, 7, new TcpHandler()
        {
            int sent;

            public void onOpen(final TcpConnection c)
            {
                log.append("A open;");
                onWritable(c);
            }

            public void onWritable(final TcpConnection c)
            {
                sent += c.send(message, sent, 100_000 - sent);
            }

            public void onData(final TcpConnection c, final DirectBuffer b, final int o, final int l)
            {
                received[0] += l;
                if (received[0] == 100_000)
                {
                    c.close();
                }
            }

            public void onClosed(final TcpConnection c, final CloseReason r)
            {
                log.append("A closed ").append(r).append(';');
            }
        });
        pair.advance(TimeUnit.SECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(100_000, received[0], log.toString());
        assertEquals(TcpState.TIME_WAIT, pair.a.agent.tcp().stateOf(h));
        pair.advance(TimeUnit.SECONDS.toNanos(61), TimeUnit.SECONDS.toNanos(1));
        assertEquals(0, pair.a.agent.tcp().connectionsInUse());
        assertEquals(0, pair.b.agent.tcp().connectionsInUse());
        assertEquals("A open;B open;A closed NORMAL;B closed NORMAL;", log.toString());
    }
}
