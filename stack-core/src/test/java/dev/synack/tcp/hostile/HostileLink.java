package dev.synack.tcp.hostile;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.stack.StackConfig;
import dev.synack.stat.DropReason;
import dev.synack.stat.StackCounter;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpEngine;
import dev.synack.tcp.TcpState;
import dev.synack.test.RawPeer;
import dev.synack.test.RecordingHandler;
import dev.synack.test.Seg;

/**
 * One connection between synack and a {@link RawPeer} playing the peer by hand, with what every hostile case
 * needs around the attack: both ends' next sequence numbers, every byte each side wrote and read, and a closing
 * check that the connection still carries new bytes both ways and lost none.
 */
final class HostileLink
{
    /** The peer's ISS. */
    static final int X = 20_000;

    final RawPeer peer;
    final RecordingHandler app = new RecordingHandler();
    final TcpEngine tcp;
    /** Bytes the peer wrote that synack must deliver, in stream order. */
    final ByteArrayOutputStream peerWrote = new ByteArrayOutputStream();
    /** Bytes synack's application wrote. */
    final ByteArrayOutputStream appWrote = new ByteArrayOutputStream();
    /** Bytes the peer received from synack, in stream order. */
    final ByteArrayOutputStream peerRead = new ByteArrayOutputStream();
    /** synack's ISS. */
    int y;
    /** The peer's SND.NXT, which synack's RCV.NXT must equal. */
    int peerNxt;
    /** synack's SND.NXT as the peer has seen and acknowledged it. */
    int stackNxt;
    boolean timestamps;
    int tsVal;
    int tsEcr;
    TcpConnection c;

    HostileLink(final StackConfig config)
    {
        peer = new RawPeer(config);
        tcp = peer.stack.agent.tcp();
    }

    /** RawPeer's stack with a small table: a slab for 1024 connections costs every case a second to allocate. */
    static StackConfig config()
    {
        return RawPeer.config().maxConnections(16);
    }

    /** ESTABLISHED by a passive open, no timestamps, no window scaling: <SEQ=X><CTL=SYN><MSS=1460>. */
    static HostileLink established()
    {
        return new HostileLink(config()).open(seg().syn().seq(X).mss(1460));
    }

    /** ESTABLISHED by a passive open whose SYN carried timestamps (RFC 7323), TSval starting at 1000. */
    static HostileLink establishedWithTimestamps()
    {
        return new HostileLink(config()).open(seg().syn().seq(X).mss(1460).ts(1_000, 0));
    }

    /** synack listens, the peer sends {@code syn}, takes the SYN-ACK and ACKs it. */
    HostileLink open(final Seg syn)
    {
        timestamps = syn.tsVal != null;
        tsVal = timestamps ? syn.tsVal : 0;
        tcp.listen(peer.stackPort, app);
        final Seg synAck = peer.send(syn).expect(seg().syn().ack(syn.seq + 1));
        y = synAck.seq;
        note(synAck);
        peerNxt = syn.seq + 1;
        stackNxt = y + 1;
        peer.send(next()).expectNothing();
        c = app.last;
        assertEquals(TcpState.ESTABLISHED, c.state());
        return this;
    }

    /** A bare ACK from the peer at its SND.NXT acknowledging all synack sent (with a fresh TSval when negotiated). */
    Seg next()
    {
        return stamp(seg().seq(peerNxt).ack(stackNxt));
    }

    /** Adds the next TSval to a segment the test builds, when timestamps were negotiated. */
    Seg stamp(final Seg s)
    {
        return timestamps ? s.ts(++tsVal, tsEcr) : s;
    }

    /** Remembers synack's TSval for the peer to echo. */
    Seg note(final Seg fromStack)
    {
        if (fromStack.tsVal != null)
        {
            tsEcr = fromStack.tsVal;
        }
        return fromStack;
    }

    /** Records bytes that the peer sent by hand and synack must deliver; moves the peer's SND.NXT past them. */
    void accepted(final byte[] bytes)
    {
        peerWrote.write(bytes, 0, bytes.length);
        peerNxt += bytes.length;
    }

    /**
     * The peer writes one segment of text at its SND.NXT and synack ACKs it (the delayed ACK, 40 ms later):
     * --> <SEQ=peerNxt><ACK=stackNxt><CTL=ACK><DATA>  <-- <SEQ=stackNxt><ACK=peerNxt+len><CTL=ACK>.
     */
    void peerWrites(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        peer.send(next().data(bytes));
        accepted(bytes);
        peer.advanceMs(40);
        note(peer.expect(seg().ack(peerNxt).seq(stackNxt)));
    }

    /** synack's application writes text; it leaves in one segment at SND.NXT and the peer ACKs it. */
    void appWrites(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        assertEquals(bytes.length, c.send(new UnsafeBuffer(bytes), 0, bytes.length));
        appWrote.write(bytes, 0, bytes.length);
        final Seg data = note(peer.expect(seg().ack(peerNxt).seq(stackNxt).len(bytes.length)));
        assertArrayEquals(bytes, data.payload);
        peerRead.write(bytes, 0, bytes.length);
        stackNxt += bytes.length;
        peer.send(next()).expectNothing();
    }

    /**
     * The connection survived the attack whole: it is ESTABLISHED, new text still flows both ways, and each side has
     * read exactly the bytes the other wrote, no more, no fewer, in order.
     */
    void assertKeepsEveryByte()
    {
        assertEquals(TcpState.ESTABLISHED, c.state());
        peerWrites("after the attack: peer to synack");
        appWrites("after the attack: synack to peer");
        assertEquals(peerWrote.toString(StandardCharsets.US_ASCII), app.data.toString(StandardCharsets.US_ASCII));
        assertEquals(appWrote.toString(StandardCharsets.US_ASCII), peerRead.toString(StandardCharsets.US_ASCII));
        assertEquals(peerNxt, c.rcvNxt());
        assertEquals(stackNxt, c.sndUna());
    }

    long count(final StackCounter counter)
    {
        return peer.stack.counters.get(counter);
    }

    long count(final DropReason reason)
    {
        return peer.stack.counters.get(reason);
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
