package dev.synack.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.tcp.TcpConnection;

/**
 * A flight of full segments our side sends in a row, numbered from 0 as a scenario names them: {@link #s(int)} is
 * the first sequence number of segment i (s(n) is the one after the last).
 */
public final class Flight
{
    public final int first;
    public final int mss;

    private Flight(final int first, final int mss)
    {
        this.first = first;
        this.mss = mss;
    }

    /**
     * The application sends {@code segments} × MSS bytes with nothing in flight; the peer takes all the segments
     * (they must fit the initial window) and asserts each is a full one, in order.
     *
     * @return the flight.
     */
    public static Flight send(final RawPeer peer, final TcpConnection c, final int segments)
    {
        final Flight flight = new Flight(c.sndNxt(), c.mss());
        final int bytes = segments * flight.mss;
        assertEquals(bytes, c.send(new UnsafeBuffer(new byte[bytes]), 0, bytes));
        for (int i = 0; i < segments; i++)
        {
            peer.expect(Seg.seg().ack().seq(flight.s(i)).len(flight.mss));
        }
        peer.expectNothing();
        return flight;
    }

    /** @return the first sequence number of segment {@code i}. */
    public int s(final int i)
    {
        return first + mss * i;
    }
}
