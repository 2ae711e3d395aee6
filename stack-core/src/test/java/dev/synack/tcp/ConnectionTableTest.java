package dev.synack.tcp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The 4-tuple lookup, and its one-entry cache of the last connection found, which must never outlive the slot. */
class ConnectionTableTest
{
    private static final int PEER = 0xC6120002;

    @Test
    void findsEachFourTupleAndNoOther()
    {
        final ConnectionTable table = new ConnectionTable(null, 4);
        final TcpConnection a = table.allocate(PEER, 40000, 80);
        final TcpConnection b = table.allocate(PEER, 40001, 80);
        assertSame(a, table.find(PEER, 40000, 80));
        assertSame(a, table.find(PEER, 40000, 80)); // from the cache
        assertSame(b, table.find(PEER, 40001, 80));
        assertSame(a, table.find(PEER, 40000, 80));
        assertNull(table.find(PEER, 40000, 81));
        assertNull(table.find(PEER + 1, 40000, 80));
    }

    @Test
    void aReleasedConnectionIsNotFoundEvenRightAfterALookupFoundIt()
    {
        final ConnectionTable table = new ConnectionTable(null, 2);
        final TcpConnection a = table.allocate(PEER, 40000, 80);
        assertSame(a, table.find(PEER, 40000, 80));
        table.release(a);
        assertNull(table.find(PEER, 40000, 80));
        // the slot comes back for another 4-tuple: the old one still finds nothing, the new one its connection
        final TcpConnection reused = table.allocate(PEER, 50000, 443);
        assertSame(a, reused);
        assertNull(table.find(PEER, 40000, 80));
        assertSame(reused, table.find(PEER, 50000, 443));
        final TcpConnection other = table.allocate(PEER, 40000, 80);
        assertNotSame(reused, other);
        assertSame(other, table.find(PEER, 40000, 80));
    }

    @Test
    void openAddressingAgreesWithAMapThroughChurnThatWrapsAndShiftsBack()
    {
        // 64 slots over 256 buckets, 4-tuples from a few hundred ports: runs wrap past the end of the index and
        // removals pull later entries back (Algorithm R). Any lost or stale entry shows as a disagreement.
        final long seed = 0x5EED_7AB1EL;
        final SplittableRandom random = new SplittableRandom(seed);
        final ConnectionTable table = new ConnectionTable(null, 64);
        final Map<Long, TcpConnection> model = new HashMap<>();
        final List<TcpConnection> live = new ArrayList<>();
        for (int step = 0; step < 200_000; step++)
        {
            final int remote = PEER + random.nextInt(3);
            final int remotePort = 40_000 + random.nextInt(300);
            final int localPort = 80 + random.nextInt(2);
            final long key = ConnectionTable.key(remote, remotePort, localPort);
            final int op = random.nextInt(3);
            if (op == 0 && !model.containsKey(key) && live.size() < 64)
            {
                final TcpConnection c = table.allocate(remote, remotePort, localPort);
                model.put(key, c);
                live.add(c);
            }
            else if (op == 1 && !live.isEmpty())
            {
                final TcpConnection c = live.remove(random.nextInt(live.size()));
                model.remove(ConnectionTable.key(c.remoteIp, c.remotePort, c.localPort));
                table.release(c);
            }
            assertSame(model.get(key), table.find(remote, remotePort, localPort), "seed " + seed + " step " + step);
            if (step % 1000 == 0)
            {
                for (final Map.Entry<Long, TcpConnection> e : model.entrySet())
                {
                    final TcpConnection c = e.getValue();
                    assertSame(c, table.find(c.remoteIp, c.remotePort, c.localPort), "seed " + seed + " step " + step);
                }
                assertEquals(model.size(), table.inUse());
            }
        }
    }
}
