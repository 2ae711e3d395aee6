package dev.synack.tcp;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.synack.stat.StackCounter;
import dev.synack.stat.StackCounters;

/**
 * Receive memory for every connection, in pages of one preallocated pool. A connection's receive ring keeps its
 * addressing — sequence number {@code seq} at ring position (seq - IRS - 1) & (ring - 1) — but a ring page holds
 * memory only while data lives in it: a page comes off the pool's free stack when the first byte is written into
 * it, and goes back once READ.SEQ has moved wholly past it (out-of-order data lies beyond RCV.NXT, so never in such
 * a page), or when the connection is freed. Bytes read straight from the segment (the common case) never touch it.
 * <p>
 * Memory that the peer has been offered must exist when it arrives (RFC 9293 §3.8.6.2.2: an offered right edge
 * never moves left), so every advertised window is backed by a reservation: a connection holds a count of pages
 * from the page holding READ.SEQ on, and the pool's reserved pages never pass its size. A window is offered only as
 * far as its reservation reaches; when the pool cannot grant more, the window stays where it is (counted), and
 * auto-tuning's growth with it. As READ.SEQ passes a page, that page leaves the reservation, so the reserved edge
 * itself never moves left. A page taken for data always lies inside its connection's reservation, so the free
 * stack is never empty when a page is needed.
 * <p>
 * A full ring's window from a READ.SEQ in mid-page spans one page more than the ring: its last page is the next
 * lap of the page READ.SEQ stands in, the same ring page, one piece of memory (bytes behind READ.SEQ are free for
 * the next lap, as in any ring). So a reservation may reach ring / page + 1 pages but is charged to the pool for at
 * most ring / page: the default pool, every connection's whole ring, never refuses. When READ.SEQ passes a page
 * whose next lap already holds text, the page stays. The page table is one int array, {@code slots × ring / page}
 * entries, -1 for a ring page without memory. Pool pages are spread over direct chunks of at most {@link
 * ConnectionBuffers#MAX_CHUNK_BYTES}, a power-of-two number of pages each. Stack thread only; never allocates after
 * construction.
 */
final class ReceivePages
{
    private static final int NONE = -1;

    private final StackCounters counters;
    private final int pageSize;
    private final int pageShift;
    private final int ringSize;
    /** Page-table entries per connection: the ring's pages. */
    private final int rowPages;
    private final int rowMask;
    /** The most pages a reservation may reach: a ring's worth of bytes from mid-page spans one more. */
    private final int maxReserved;
    private final UnsafeBuffer[] chunks;
    private final int chunkShift;
    private final int chunkMask;
    private final int[] table;
    private final int[] free;
    private int freeCount;
    private int reserved;

    /**
     * @param counters where refusals are counted.
     * @param slots connections.
     * @param ringSize receive ring bytes per connection, a power of two.
     * @param pageSize bytes per page, a power of two no larger than the ring.
     * @param pages pages in the pool.
     * @param maxChunkBytes the largest direct chunk.
     */
    ReceivePages(
        final StackCounters counters, final int slots, final int ringSize, final int pageSize, final int pages,
        final int maxChunkBytes)
    {
        if (Integer.bitCount(ringSize) != 1 || Integer.bitCount(pageSize) != 1 || pageSize > ringSize || pages < 1
            || pageSize > maxChunkBytes || (long)slots * (ringSize / pageSize) > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException("cannot page " + slots + " rings of " + ringSize + " bytes in "
                + pages + " pages of " + pageSize);
        }
        this.counters = counters;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.ringSize = ringSize;
        this.rowPages = ringSize >>> pageShift;
        this.rowMask = rowPages - 1;
        this.maxReserved = (ringSize >>> pageShift) + 1;
        final int perChunk = Integer.highestOneBit(Math.min(pages, maxChunkBytes >>> pageShift));
        this.chunkShift = Integer.numberOfTrailingZeros(perChunk);
        this.chunkMask = perChunk - 1;
        chunks = new UnsafeBuffer[(int)(((long)pages + perChunk - 1) >>> chunkShift)];
        for (int i = 0; i < chunks.length; i++)
        {
            final int inChunk = Math.min(perChunk, pages - (i << chunkShift));
            chunks[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(inChunk << pageShift));
        }
        table = new int[slots * rowPages];
        java.util.Arrays.fill(table, NONE);
        free = new int[pages];
        // Popped from the top: page 0 first, so a lightly used pool touches the start of its first chunk only.
        for (int i = 0; i < pages; i++)
        {
            free[i] = pages - 1 - i;
        }
        freeCount = pages;
    }

    int pageSize()
    {
        return pageSize;
    }

    /** @return pages in the pool. */
    int pages()
    {
        return free.length;
    }

    /** @return pages holding data now. */
    int pagesInUse()
    {
        return free.length - freeCount;
    }

    /** @return pool pages charged for the windows offered, all connections. */
    int pagesReserved()
    {
        return reserved;
    }

    /** @return pages holding data for this connection. */
    int pagesHeld(final TcpConnection c)
    {
        int held = 0;
        final int row = c.slot * rowPages;
        for (int i = 0; i < rowPages; i++)
        {
            if (table[row + i] != NONE)
            {
                held++;
            }
        }
        return held;
    }

    /** @return bytes allocated, all chunks. */
    long bytes()
    {
        long bytes = 0;
        for (final UnsafeBuffer chunk : chunks)
        {
            bytes += chunk.capacity();
        }
        return bytes;
    }

    /** IRS and READ.SEQ are (newly) known and no data is held: the reservation counts from READ.SEQ's page. */
    void start(final TcpConnection c)
    {
        c.rcvPageBase = pageStart(c, c.readSeq);
        c.rcvStoredEnd = c.readSeq;
    }

    /** @return the sequence number the reservation reaches (exclusive): no window may be offered past it. */
    int reservedEdge(final TcpConnection c)
    {
        return c.rcvPageBase + (c.rcvReservedPages << pageShift);
    }

    /**
     * Grows the connection's reservation to reach {@code edge}, as far as the pool allows; a refusal is counted.
     * Never past a ring's bytes and one page from READ.SEQ's page.
     */
    void reserve(final TcpConnection c, final int edge)
    {
        final int want = (int)Math.min(maxReserved, ((edge - c.rcvPageBase) + (long)pageSize - 1) >> pageShift);
        final int held = c.rcvReservedPages;
        if (want <= held)
        {
            return;
        }
        final int extra = charge(want) - charge(held);
        final int grant = Math.min(extra, free.length - reserved);
        if (grant < extra)
        {
            counters.increment(StackCounter.TCP_RCV_POOL_REFUSED);
            c.rcvReservedPages = held + grant; // below a ring's pages, where each page is charged
        }
        else
        {
            c.rcvReservedPages = want;
        }
        reserved += grant;
    }

    /**
     * READ.SEQ may have moved: the pages it passed wholly go back to the pool and leave the reservation (its edge
     * stays where it was) — but a page whose next lap already holds text stays; so does the page READ.SEQ stands
     * in, unless nothing is held from READ.SEQ on.
     */
    void readAdvanced(final TcpConnection c)
    {
        final int base = pageStart(c, c.readSeq);
        final int passed = (base - c.rcvPageBase) >>> pageShift;
        final int row = c.slot * rowPages;
        if (SeqNum.ge(c.readSeq, c.rcvStoredEnd))
        {
            freeEntry(c, row + ringPage(c, c.readSeq));
            c.rcvStoredEnd = c.readSeq; // kept within a ring of READ.SEQ, so modular comparisons with it hold
        }
        if (passed == 0)
        {
            return;
        }
        final int held = c.rcvReservedPages;
        final int firstPage = ringPage(c, c.rcvPageBase);
        for (int i = 0; i < passed; i++)
        {
            final boolean nextLapHeld = i + rowPages < held
                && SeqNum.gt(c.rcvStoredEnd, c.rcvPageBase + (i << pageShift) + ringSize);
            if (!nextLapHeld)
            {
                freeEntry(c, row + ((firstPage + i) & rowMask));
            }
        }
        c.rcvPageBase = base;
        final int left = Math.max(0, held - passed);
        reserved -= charge(held) - charge(left);
        c.rcvReservedPages = left;
    }

    /**
     * The peer's FIN: nothing arrives past {@code end}, so the reservation beyond the pages [READ.SEQ, end) spans
     * goes back (all of it once READ.SEQ is there).
     */
    void trimReservation(final TcpConnection c, final int end)
    {
        final int need = end == c.readSeq ? 0
            : (int)Math.min(maxReserved, ((end - c.rcvPageBase) + (long)pageSize - 1) >> pageShift);
        if (need < c.rcvReservedPages)
        {
            reserved -= charge(c.rcvReservedPages) - charge(need);
            c.rcvReservedPages = need;
        }
    }

    /** The connection is freed: every page and the whole reservation go back. */
    void releaseAll(final TcpConnection c)
    {
        // Most connections end holding no page (all read, or no text at all): their row, cold in a big table, is
        // not touched.
        final int row = c.slot * rowPages;
        for (int i = 0; i < rowPages && c.rcvPagesHeld > 0; i++)
        {
            freeEntry(c, row + i);
        }
        reserved -= charge(c.rcvReservedPages);
        c.rcvReservedPages = 0;
    }

    /** Copies received bytes to their ring positions, page by page, taking a page for each first write into it. */
    void store(final TcpConnection c, final int seq, final DirectBuffer source, final int offset, final int length)
    {
        final int row = c.slot * rowPages;
        int done = 0;
        while (done < length)
        {
            final int inPage = (seq + done - c.irs - 1) & (pageSize - 1);
            final int n = Math.min(length - done, pageSize - inPage);
            final int at = row + (((seq + done - c.irs - 1) >>> pageShift) & rowMask);
            int page = table[at];
            if (page == NONE)
            {
                page = take();
                table[at] = page;
                c.rcvPagesHeld++;
            }
            chunks[page >>> chunkShift].putBytes(((page & chunkMask) << pageShift) + inPage, source, offset + done, n);
            done += n;
        }
        if (SeqNum.gt(seq + length, c.rcvStoredEnd))
        {
            c.rcvStoredEnd = seq + length;
        }
    }

    /** @return how many bytes from {@code seq} lie in its page: what one view of the ring can show. */
    int contiguous(final TcpConnection c, final int seq)
    {
        return pageSize - ((seq - c.irs - 1) & (pageSize - 1));
    }

    /** @return the buffer holding the byte at {@code seq} (which must be held). */
    UnsafeBuffer buffer(final TcpConnection c, final int seq)
    {
        return chunks[table[c.slot * rowPages + ringPage(c, seq)] >>> chunkShift];
    }

    /** @return where the byte at {@code seq} lies in {@link #buffer}. */
    int offset(final TcpConnection c, final int seq)
    {
        final int page = table[c.slot * rowPages + ringPage(c, seq)];
        return ((page & chunkMask) << pageShift) + ((seq - c.irs - 1) & (pageSize - 1));
    }

    /** @return the pool pages a reservation of {@code pages} costs: its last may share the first's ring page. */
    private int charge(final int pages)
    {
        return Math.min(pages, rowPages);
    }

    private void freeEntry(final TcpConnection c, final int at)
    {
        if (table[at] != NONE)
        {
            free[freeCount++] = table[at];
            table[at] = NONE;
            c.rcvPagesHeld--;
        }
    }

    private int take()
    {
        if (freeCount == 0)
        {
            // Cannot happen: data is accepted only inside a reservation, and reservations never pass the pool.
            throw new IllegalStateException("receive page pool empty: a page was written outside its reservation");
        }
        return free[--freeCount];
    }

    private int ringPage(final TcpConnection c, final int seq)
    {
        return ((seq - c.irs - 1) >>> pageShift) & rowMask;
    }

    private int pageStart(final TcpConnection c, final int seq)
    {
        return seq - ((seq - c.irs - 1) & (pageSize - 1));
    }
}
