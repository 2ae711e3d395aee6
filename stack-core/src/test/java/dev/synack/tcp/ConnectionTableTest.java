package dev.synack.tcp;

import org.junit.jupiter.api.Test;

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
}
