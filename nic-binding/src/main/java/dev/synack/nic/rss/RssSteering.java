package dev.synack.nic.rss;

import java.util.Arrays;

/**
 * What a NIC does with a received IPv4 TCP segment's 4-tuple: Toeplitz hash with its key, then the hash (modulo the
 * table's size) indexes its indirection table, whose entry is the rx queue. Read from the NIC with
 * {@link Ethtool#rss}, or made from known values in tests.
 * <p>
 * Who calls it: the embedding's multi-queue start-up, and each queue's stack to choose an active open's source port
 * whose return traffic lands on its own queue ({@link #queueOf} on each candidate). Immutable; any thread;
 * allocation-free after construction. Caveat: it assumes the NIC hashes TCP over IPv4 on addresses and ports
 * ({@code ethtool -N DEV rx-flow-hash tcp4 sdfn}, the default of most NICs) and nobody changes the key or the table
 * while it runs.
 */
public final class RssSteering
{
    private final Toeplitz toeplitz;
    private final int[] indirection;
    private final byte[] key;

    /**
     * @param key the hash key.
     * @param indirection the indirection table: entry i is the queue of hashes equal to i modulo its length.
     */
    public RssSteering(final byte[] key, final int[] indirection)
    {
        if (indirection.length == 0)
        {
            throw new IllegalArgumentException("an empty RSS indirection table");
        }
        this.toeplitz = new Toeplitz(key);
        this.key = key.clone();
        this.indirection = indirection.clone();
    }

    /**
     * @param sourceIp the segment's source (for the return traffic of an active open: the peer).
     * @param destinationIp its destination.
     * @param sourcePort its source port.
     * @param destinationPort its destination port.
     * @return the rx queue the NIC puts it on.
     */
    public int queueOf(final int sourceIp, final int destinationIp, final int sourcePort, final int destinationPort)
    {
        final int hash = toeplitz.hash(sourceIp, destinationIp, sourcePort, destinationPort);
        return indirection[Integer.remainderUnsigned(hash, indirection.length)];
    }

    /**
     * @param queue the queue the return traffic must reach.
     * @param peerIp the peer.
     * @param peerPort its port.
     * @param localIp our address.
     * @param from the first local port to try.
     * @return the first local port from {@code from} up to 65535 whose return traffic lands on {@code queue}, or -1.
     */
    public int firstPortFor(final int queue, final int peerIp, final int peerPort, final int localIp, final int from)
    {
        for (int port = from; port <= 0xFFFF; port++)
        {
            if (queueOf(peerIp, localIp, peerPort, port) == queue)
            {
                return port;
            }
        }
        return -1;
    }

    /**
     * @param queue a queue id.
     * @return how many indirection entries point at it (0: no hash lands there).
     */
    public int entriesFor(final int queue)
    {
        int count = 0;
        for (final int entry : indirection)
        {
            count += entry == queue ? 1 : 0;
        }
        return count;
    }

    /** @return the indirection table's size. */
    public int tableSize()
    {
        return indirection.length;
    }

    /** @return the key's length in bytes. */
    public int keyBytes()
    {
        return key.length;
    }

    @Override
    public String toString()
    {
        return "Toeplitz RSS, " + key.length + "-byte key, " + indirection.length + "-entry table over queues "
            + Arrays.toString(Arrays.stream(indirection).distinct().sorted().toArray());
    }
}
