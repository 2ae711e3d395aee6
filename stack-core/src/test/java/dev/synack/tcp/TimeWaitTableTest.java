package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The TIME-WAIT records on their own: the 4-tuple index against a map under random entries and early ends (its
 * backward-shift deletion must never lose a record another probe run passes through), the ring's order, and a
 * restarted record going round to the tail.
 */
class TimeWaitTableTest
{
    private static final int CAPACITY = 64;

    private final TcpConnection c = new TcpConnection(null, 3);

    private int enter(final TimeWaitTable table, final int remoteIp, final int remotePort, final int localPort,
        final long expiresAt)
    {
        c.remoteIp = remoteIp;
        c.remotePort = remotePort;
        c.localPort = localPort;
        c.sndNxt = remotePort * 7;
        c.rcvNxt = localPort * 11;
        c.generation++;
        return table.enter(c, 1000, 1000, expiresAt);
    }

    @Test
    void theIndexFindsEveryLiveRecordAndNoEndedOneThroughRandomChurn()
    {
        final TimeWaitTable table = new TimeWaitTable(CAPACITY);
        final Map<Long, Integer> model = new HashMap<>();
        int entered = 0;
        final Random random = new Random(42);
        // Few ports on one address: many keys share home buckets and probe runs, so deletions shift entries back.
        for (int step = 0; step < 200_000; step++)
        {
            final int remotePort = 1 + random.nextInt(40);
            final int localPort = 1 + random.nextInt(40);
            final long key = ConnectionTable.key(0x0A000001, remotePort, localPort);
            final int found = table.find(0x0A000001, remotePort, localPort);
            assertEquals(model.containsKey(key), found != TimeWaitTable.NONE, "step " + step);
            if (found != TimeWaitTable.NONE)
            {
                assertEquals((int)model.get(key), found);
                assertEquals(remotePort * 7, table.sndNxt(found));
                assertEquals(localPort * 11, table.rcvNxt(found));
                table.remove(found);
                model.remove(key);
            }
            else if (table.live() < CAPACITY && !table.ringFull())
            {
                model.put(key, enter(table, 0x0A000001, remotePort, localPort, step));
                entered++;
            }
            while (table.ringFull() || (random.nextInt(4) == 0 && table.headRecord() != TimeWaitTable.NONE))
            {
                final int head = table.headRecord();
                if (table.isLive(head))
                {
                    model.remove(ConnectionTable.key(table.remoteIp(head), table.remotePort(head),
                        table.localPort(head)));
                    table.remove(head);
                }
                table.popHead();
            }
            assertEquals(model.size(), table.live());
        }
        assertTrue(entered > 10_000, "entered " + entered);
    }

    @Test
    void aRestartedRecordGoesRoundToTheTailAndEndsAtItsOwnDeadline()
    {
        final TimeWaitTable table = new TimeWaitTable(CAPACITY);
        final int first = enter(table, 1, 1000, 80, 100);
        enter(table, 1, 1001, 80, 150);
        table.restart(first, 180);
        assertFalse(table.headDue(99));
        assertTrue(table.headDue(100));
        assertEquals(first, table.headRecord());
        table.requeueHead();
        final int moved = table.find(1, 1000, 80);
        assertTrue(moved != first && table.isLive(moved), "a new place in the ring, found by its 4-tuple");
        assertFalse(table.isLive(first));
        assertEquals(180, table.deadline(moved));
        assertEquals(1000 * 7, table.sndNxt(moved));
        assertEquals(2, table.live());
        assertEquals(2, table.queued());
        // the record that entered second is now the head; the restarted one follows it
        assertFalse(table.headDue(149));
        assertTrue(table.headDue(150));
        table.remove(table.headRecord());
        table.popHead();
        assertEquals(moved, table.headRecord());
        assertFalse(table.headDue(179));
        assertTrue(table.headDue(180));
    }

    @Test
    void aRestartedRecordInAFullRingStaysWhereItIs()
    {
        final TimeWaitTable table = new TimeWaitTable(2); // a ring of 4
        final int first = enter(table, 1, 1000, 80, 100);
        table.remove(enter(table, 1, 1001, 80, 110));
        table.remove(enter(table, 1, 1002, 80, 120));
        enter(table, 1, 1003, 80, 130);
        assertTrue(table.ringFull());
        assertEquals(2, table.live());
        table.restart(first, 250);
        table.requeueHead();
        final int moved = table.find(1, 1000, 80);
        assertEquals(first, moved, "the head is also the tail's next place");
        assertTrue(table.isLive(moved));
        assertEquals(250, table.deadline(moved));
        assertEquals(2, table.live());
        assertTrue(table.ringFull());
    }
}
