package dev.synack.tcp;

import static dev.synack.test.Seg.seg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.synack.stat.StackCounter;
import dev.synack.test.RawPeer;
import dev.synack.test.Seg;

/**
 * Random segments on a 4-tuple held in a TIME-WAIT record (RFC 9293 §3.10.7.4 as {@code TimeWaitSegments} applies
 * it): any mix of SYN, FIN, RST, ACK and PSH, sequence numbers at, around and far from RCV.NXT, any ACK, with or
 * without text. Whatever arrives, the record answers with at most one bare ACK {@code <SEQ=SND.NXT><ACK=RCV.NXT>},
 * never a RST; it ends early only for a RST exactly at RCV.NXT (never with RFC 1337), otherwise at 2MSL; and the
 * TIME-WAIT gauge always equals the records that live.
 */
class TimeWaitFuzzTest
{
    /** The peer's ISN in {@link TimeWaitEvictionTest#cycleIntoTimeWait}: its FIN is X + 1, RCV.NXT then X + 2. */
    private static final int X = 7_000;
    private static final int SEGMENTS = 20_000;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void whateverArrivesTheRecordAnswersWithAtMostOneAckAndEndsOnlyByAnExactRstOr2Msl(final boolean rfc1337)
    {
        final RawPeer peer = new RawPeer(RawPeer.config().maxConnections(4).rfc1337(rfc1337));
        peer.peerPort = 5000;
        final TcpEngine tcp = peer.stack.agent.tcp();
        final Random random = new Random(rfc1337 ? 1337 : 9293);
        final int rcvNxt = X + 2;
        long handle = TimeWaitEvictionTest.cycleIntoTimeWait(peer);
        int sndNxt = recordSndNxt(tcp, handle);
        int endedByRst = 0;
        int endedBy2Msl = 0;
        int acks = 0;
        for (int i = 0; i < SEGMENTS; i++)
        {
            final Seg s = randomSegment(random, rcvNxt, sndNxt);
            peer.send(s);
            final List<Seg> answers = peer.drain();
            assertTrue(answers.size() <= 1, "segment " + i + " drew " + answers);
            for (final Seg a : answers)
            {
                assertTrue(seg().ack(rcvNxt).seq(sndNxt).matches(a) && a.flags == TcpHeader.ACK,
                    "segment " + i + ": " + a);
                acks++;
            }
            final boolean exactRst = (s.flags & TcpHeader.RST) != 0 && s.seq == rcvNxt;
            if (i % 4_000 == 3_999)
            {
                peer.advanceSeconds(61); // 2MSL passes
                assertEquals(TcpState.CLOSED, tcp.stateOf(handle));
                endedBy2Msl++;
            }
            else
            {
                peer.advanceMs(random.nextInt(3));
            }
            final TcpState state = tcp.stateOf(handle);
            if (state == TcpState.CLOSED && !(i % 4_000 == 3_999))
            {
                assertTrue(exactRst && !rfc1337, "segment " + i + " ended TIME-WAIT: " + s);
                endedByRst++;
            }
            else if (i % 4_000 != 3_999)
            {
                assertEquals(TcpState.TIME_WAIT, state, "segment " + i + ": " + s);
            }
            assertEquals(tcp.connectionsIn(TcpState.TIME_WAIT), peer.stack.counters.get(StackCounter.TCP_TIME_WAIT));
            if (state == TcpState.CLOSED || i % 4_000 == 3_999)
            {
                assertEquals(0, tcp.connectionsInUse());
                handle = TimeWaitEvictionTest.cycleIntoTimeWait(peer);
                sndNxt = recordSndNxt(tcp, handle);
            }
            else
            {
                assertEquals(1, tcp.connectionsIn(TcpState.TIME_WAIT));
            }
        }
        assertEquals(0, peer.stack.counters.get(StackCounter.TCP_RESETS_SENT));
        assertTrue(acks > SEGMENTS / 10, "acks " + acks);
        assertTrue(rfc1337 ? endedByRst == 0 : endedByRst > 10, "ended by RST " + endedByRst);
        assertEquals(SEGMENTS / 4_000, endedBy2Msl);
    }

    private static int recordSndNxt(final TcpEngine tcp, final long handle)
    {
        final TimeWaitTable records = tcp.timeWaitTable();
        return records.sndNxt(records.findHandle(handle));
    }

    private static Seg randomSegment(final Random random, final int rcvNxt, final int sndNxt)
    {
        final Seg s = seg();
        final int[] flags = {TcpHeader.SYN, TcpHeader.FIN, TcpHeader.RST, TcpHeader.PSH};
        for (final int flag : flags)
        {
            if (random.nextInt(4) == 0)
            {
                s.flags |= flag;
            }
        }
        if (random.nextInt(4) != 0)
        {
            s.ack(switch (random.nextInt(4))
            {
                case 0 -> sndNxt;
                case 1 -> sndNxt + random.nextInt(7) - 3;
                case 2 -> sndNxt - random.nextInt(100_000);
                default -> random.nextInt();
            });
        }
        s.seq(switch (random.nextInt(5))
        {
            case 0 -> rcvNxt;
            case 1 -> rcvNxt - 1; // where the peer's FIN was: its retransmission
            case 2 -> rcvNxt + random.nextInt(7) - 3;
            case 3 -> rcvNxt + random.nextInt(70_000);
            default -> random.nextInt();
        });
        if (random.nextInt(3) == 0)
        {
            s.data(new byte[1 + random.nextInt(64)]);
        }
        return s;
    }
}
