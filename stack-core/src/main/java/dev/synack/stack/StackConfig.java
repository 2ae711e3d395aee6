package dev.synack.stack;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

import dev.synack.ip.Ipv4Address;
import dev.synack.wire.MacAddress;

/**
 * Everything a stack is sized and addressed by, fixed at start-up. Fluent setters; {@link #validate()}
 * turns a wrong value into one clear message before anything is allocated.
 * <p>
 * Not thread-safe; build it on one thread, then hand it to the stack.
 */
public final class StackConfig
{
    /** The first port active opens take by default: the range is IANA's dynamic ports, 49152..65535. */
    public static final int DEFAULT_EPHEMERAL_FIRST = 49152;

    /** The largest direct chunk of connection rings (TcpEngine's ConnectionBuffers). */
    private static final long MAX_RING_CHUNK_BYTES = 1L << 30;
    /** As Linux's: its default tcp_rmem[1], 128 KiB of buffer, starts a connection at about 64 KiB of window. */
    private static final int DEFAULT_RECEIVE_WINDOW = 64 * 1024;
    /** Ethernet, IPv4 and TCP headers without options: a full segment is maxFrameLength less this. */
    private static final int FRAME_HEADERS = 14 + 20 + 20;
    private static final int DEFAULT_RECEIVE_PAGE = 4096;
    private static final int MIN_RECEIVE_PAGE = 256;

    private String name = "synack";
    private long mac = -1L;
    private int ip;
    private boolean ipSet;
    private int prefixLength = 24;
    private int gateway;
    private int maxFrameLength = 1514;
    private int rxBatchLimit = 64;
    private int neighbourCapacity = 64;
    private int neighbourQueue = 16;
    private long arpRetryIntervalNs = TimeUnit.SECONDS.toNanos(1);
    private int arpRetries = 3;
    private int maxConnections = 1024;
    private int listenBacklog = 128;
    private int ephemeralFirst = DEFAULT_EPHEMERAL_FIRST;
    private int ephemeralLast = 0xFFFF;
    private int sendBufferSize = 64 * 1024;
    private int receiveBufferSize = 64 * 1024;
    /** 0: min(64 KiB, receiveBufferSize), see {@link #receiveWindowInitial()}. */
    private int receiveWindowInitial;
    private boolean receiveAutoTuning = true;
    /** 0: min(4 KiB, receiveBufferSize), see {@link #receivePageSize()}. */
    private int receivePageSize;
    /** 0: maxConnections × receiveBufferSize, see {@link #receivePoolBytes()}. */
    private long receivePoolBytes;
    private int outOfOrderSegments = 16;
    private int reassemblySlots = 8;
    private long reassemblyTimeoutNs = TimeUnit.SECONDS.toNanos(30);
    private long mslNs = TimeUnit.SECONDS.toNanos(30);
    private long initialRtoNs = TimeUnit.SECONDS.toNanos(1);
    private long minRtoNs = TimeUnit.MILLISECONDS.toNanos(200);
    private long maxRtoNs = TimeUnit.SECONDS.toNanos(60);
    private int synRetries = 6;
    private int dataRetries = 15;
    private long delayedAckNs = TimeUnit.MILLISECONDS.toNanos(40);
    private long invalidAckIntervalNs = TimeUnit.MILLISECONDS.toNanos(500);
    private long timerTickNs = TimeUnit.MILLISECONDS.toNanos(1);
    private boolean rstOnFullTable = true;
    private boolean synCookies = true;
    private boolean evictTimeWait = true;
    private boolean timestamps = true;
    private boolean sack = true;
    private int challengeAckLimit = 100;
    private boolean rfc1337;
    private CongestionControl congestionControl = CongestionControl.RENO;
    private long keepAliveIdleNs;
    private long finWait2TimeoutNs = TimeUnit.SECONDS.toNanos(60);
    private long keepAliveIntervalNs = TimeUnit.SECONDS.toNanos(75);
    private int keepAliveProbes = 9;
    // RFC 6528 §3: the ISN hash key must be secret and unpredictable; a constant would let anyone who reads the
    // source compute every ISN. Drawn once, when the configuration is built; tests inject their own.
    private long isnSecret = new SecureRandom().nextLong();

    /** @return a human name, used as the counters' label prefix. */
    public String name()
    {
        return name;
    }

    /**
     * @param name a human name.
     * @return this.
     */
    public StackConfig name(final String name)
    {
        this.name = name;
        return this;
    }

    /** @return IPv4 datagrams reassembled at once (0: fragments are dropped, counted). */
    public int reassemblySlots()
    {
        return reassemblySlots;
    }

    /**
     * RFC 1122 §3.3.2: a host MUST reassemble. Each slot preallocates 64 KiB; when all are busy the oldest
     * datagram is evicted. Default 8.
     *
     * @param slots datagrams held at once, 0..1024; 0 refuses fragments (a counted deviation).
     * @return this.
     */
    public StackConfig reassemblySlots(final int slots)
    {
        this.reassemblySlots = slots;
        return this;
    }

    /** @return how long an incomplete IPv4 datagram is held. */
    public long reassemblyTimeoutNs()
    {
        return reassemblyTimeoutNs;
    }

    /**
     * @param timeoutNs how long an incomplete IPv4 datagram is held (default 30 s, as Linux's ipfrag_time).
     * @return this.
     */
    public StackConfig reassemblyTimeoutNs(final long timeoutNs)
    {
        this.reassemblyTimeoutNs = timeoutNs;
        return this;
    }

    /** @return our MAC. */
    public long mac()
    {
        return mac;
    }

    /**
     * @param mac our MAC, "aa:bb:cc:dd:ee:ff".
     * @return this.
     */
    public StackConfig mac(final String mac)
    {
        this.mac = MacAddress.parse(mac);
        return this;
    }

    /**
     * @param mac our MAC in the low 48 bits.
     * @return this.
     */
    public StackConfig mac(final long mac)
    {
        this.mac = mac;
        return this;
    }

    /** @return our IPv4 address. */
    public int ip()
    {
        return ip;
    }

    /**
     * @param cidr our address and prefix, "198.18.0.1/24" (prefix optional, default 24).
     * @return this.
     */
    public StackConfig ip(final String cidr)
    {
        final int slash = cidr.indexOf('/');
        if (slash >= 0)
        {
            try
            {
                prefixLength = Integer.parseInt(cidr.substring(slash + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("bad prefix length in " + cidr, ex);
            }
            Ipv4Address.mask(prefixLength);
            ip = Ipv4Address.parse(cidr.substring(0, slash));
        }
        else
        {
            ip = Ipv4Address.parse(cidr);
        }
        ipSet = true;
        return this;
    }

    /** @return the subnet prefix length. */
    public int prefixLength()
    {
        return prefixLength;
    }

    /** @return the default gateway, 0 when none (on-link only). */
    public int gateway()
    {
        return gateway;
    }

    /**
     * @param gateway the default gateway, dotted quad.
     * @return this.
     */
    public StackConfig gateway(final String gateway)
    {
        this.gateway = Ipv4Address.parse(gateway);
        return this;
    }

    /** @return the largest frame accepted or sent (without FCS). */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @param length the largest frame, 14 + MTU.
     * @return this.
     */
    public StackConfig maxFrameLength(final int length)
    {
        this.maxFrameLength = length;
        return this;
    }

    /** @return frames read from the rx ring per duty cycle. */
    public int rxBatchLimit()
    {
        return rxBatchLimit;
    }

    /**
     * @param limit frames per duty cycle.
     * @return this.
     */
    public StackConfig rxBatchLimit(final int limit)
    {
        this.rxBatchLimit = limit;
        return this;
    }

    /** @return neighbour table size. */
    public int neighbourCapacity()
    {
        return neighbourCapacity;
    }

    /**
     * @param capacity neighbour table size.
     * @return this.
     */
    public StackConfig neighbourCapacity(final int capacity)
    {
        this.neighbourCapacity = capacity;
        return this;
    }

    /** @return frames that may wait for one neighbour's ARP resolution. */
    public int neighbourQueue()
    {
        return neighbourQueue;
    }

    /**
     * A burst of connects to a neighbour not yet resolved leaves together when ARP answers, instead of waiting
     * out a SYN retransmission. Memory: neighbourCapacity × frames × maxFrameLength bytes.
     *
     * @param frames frames that may wait for one neighbour's resolution (more are dropped, counted).
     * @return this.
     */
    public StackConfig neighbourQueue(final int frames)
    {
        this.neighbourQueue = frames;
        return this;
    }

    /** @return time between ARP requests for one address. */
    public long arpRetryIntervalNs()
    {
        return arpRetryIntervalNs;
    }

    /**
     * @param interval time between ARP requests.
     * @param unit its unit.
     * @return this.
     */
    public StackConfig arpRetryInterval(final long interval, final TimeUnit unit)
    {
        this.arpRetryIntervalNs = unit.toNanos(interval);
        return this;
    }

    /** @return ARP requests after the first before giving up. */
    public int arpRetries()
    {
        return arpRetries;
    }

    /**
     * @param retries ARP requests after the first.
     * @return this.
     */
    public StackConfig arpRetries(final int retries)
    {
        this.arpRetries = retries;
        return this;
    }

    /** @return connection table capacity. */
    public int maxConnections()
    {
        return maxConnections;
    }

    /**
     * @param max connection table capacity (TIME-WAIT included).
     * @return this.
     */
    public StackConfig maxConnections(final int max)
    {
        this.maxConnections = max;
        return this;
    }

    /** @return connections per listener not yet ESTABLISHED. */
    public int listenBacklog()
    {
        return listenBacklog;
    }

    /**
     * @param backlog connections per listener in SYN-RECEIVED.
     * @return this.
     */
    public StackConfig listenBacklog(final int backlog)
    {
        this.listenBacklog = backlog;
        return this;
    }

    /** @return the first port active opens take. */
    public int ephemeralFirst()
    {
        return ephemeralFirst;
    }

    /** @return the last port active opens take. */
    public int ephemeralLast()
    {
        return ephemeralLast;
    }

    /**
     * The local ports active opens take, as Linux's {@code ip_local_port_range}: a client holding TIME-WAITs to one
     * server port can have at most this many at once, so a connection rate × 2MSL above it is refused.
     *
     * @param first the first port (default 49152, IANA's dynamic range).
     * @param last  the last port (default 65535).
     * @return this.
     */
    public StackConfig ephemeralPorts(final int first, final int last)
    {
        this.ephemeralFirst = first;
        this.ephemeralLast = last;
        return this;
    }

    /** @return per-connection send buffer bytes (a power of two). */
    public int sendBufferSize()
    {
        return sendBufferSize;
    }

    /**
     * @param size per-connection send buffer bytes, a power of two.
     * @return this.
     */
    public StackConfig sendBufferSize(final int size)
    {
        this.sendBufferSize = size;
        return this;
    }

    /** @return per-connection receive buffer bytes (a power of two). */
    public int receiveBufferSize()
    {
        return receiveBufferSize;
    }

    /**
     * @param size per-connection receive buffer bytes, a power of two.
     * @return this.
     */
    public StackConfig receiveBufferSize(final int size)
    {
        this.receiveBufferSize = size;
        return this;
    }

    /**
     * @return the receive window a connection starts with while auto-tuning (set, or by default
     *     min(64 KiB, {@link #receiveBufferSize()})).
     */
    public int receiveWindowInitial()
    {
        return receiveWindowInitial != 0 ? receiveWindowInitial : Math.min(DEFAULT_RECEIVE_WINDOW, receiveBufferSize);
    }

    /**
     * The receive window each connection starts with when {@link #receiveAutoTuning(boolean)} is on; it then grows
     * with the rate the application reads at times the round-trip time, up to {@link #receiveBufferSize()}. The
     * window scale is still chosen from receiveBufferSize, so the window can grow past 64 KiB.
     *
     * @param bytes at least two full segments (or the whole receive buffer, if smaller), at most receiveBufferSize.
     * @return this.
     */
    public StackConfig receiveWindowInitial(final int bytes)
    {
        this.receiveWindowInitial = bytes;
        return this;
    }

    /** @return whether receive windows grow with the measured rate × RTT (Linux: tcp_moderate_rcvbuf). */
    public boolean receiveAutoTuning()
    {
        return receiveAutoTuning;
    }

    /**
     * Receive-window auto-tuning, as Linux's tcp_moderate_rcvbuf (on by default): a connection starts at
     * {@link #receiveWindowInitial()} and, once per round trip, grows its window to about twice what the
     * application read in that round trip, up to {@link #receiveBufferSize()}. A connection whose application sets
     * its own receive buffer limit is not tuned. Off: every connection offers the whole receive buffer at once.
     *
     * @param on whether to tune.
     * @return this.
     */
    public StackConfig receiveAutoTuning(final boolean on)
    {
        this.receiveAutoTuning = on;
        return this;
    }

    /** @return bytes per page of the receive pool (set, or by default min(4 KiB, {@link #receiveBufferSize()})). */
    public int receivePageSize()
    {
        return receivePageSize != 0 ? receivePageSize : Math.min(DEFAULT_RECEIVE_PAGE, receiveBufferSize);
    }

    /**
     * Receive rings draw their memory from one pool shared by all connections, a page at a time: a page is taken
     * when data is written into it and returned once read. Smaller pages follow the data more closely; larger
     * ones mean fewer page-table entries and fewer pieces per delivery.
     *
     * @param bytes a power of two, 256..receiveBufferSize.
     * @return this.
     */
    public StackConfig receivePageSize(final int bytes)
    {
        this.receivePageSize = bytes;
        return this;
    }

    /**
     * @return the receive pool's size (set, or by default {@link #maxConnections()} × {@link #receiveBufferSize()}:
     *     every connection can fill its whole buffer at once).
     */
    public long receivePoolBytes()
    {
        return receivePoolBytes != 0 ? receivePoolBytes : (long)maxConnections * receiveBufferSize;
    }

    /**
     * The memory all receive rings share, preallocated off-heap. Every window a connection offers is backed by
     * pages reserved from it (what is offered must be held: RFC 9293 §3.8.6.2.2), so a pool smaller than
     * maxConnections × receiveBufferSize caps the windows of all connections together: busy connections grow
     * theirs (see {@link #receiveAutoTuning(boolean)}) while idle ones hold little.
     *
     * @param bytes a multiple of {@link #receivePageSize()}, from receiveBufferSize up to maxConnections ×
     *     receiveBufferSize.
     * @return this.
     */
    public StackConfig receivePoolBytes(final long bytes)
    {
        this.receivePoolBytes = bytes;
        return this;
    }

    /** @return out-of-order segments held per connection. */
    public int outOfOrderSegments()
    {
        return outOfOrderSegments;
    }

    /**
     * @param segments out-of-order ranges held per connection.
     * @return this.
     */
    public StackConfig outOfOrderSegments(final int segments)
    {
        this.outOfOrderSegments = segments;
        return this;
    }

    /** @return Maximum Segment Lifetime; TIME-WAIT lasts twice this. */
    public long mslNs()
    {
        return mslNs;
    }

    /**
     * @param msl Maximum Segment Lifetime (RFC 9293 §3.4.2).
     * @param unit its unit.
     * @return this.
     */
    public StackConfig msl(final long msl, final TimeUnit unit)
    {
        this.mslNs = unit.toNanos(msl);
        return this;
    }

    /** @return RTO before any RTT sample (RFC 6298 §2.1: 1 s). */
    public long initialRtoNs()
    {
        return initialRtoNs;
    }

    /**
     * @param rto initial RTO.
     * @param unit its unit.
     * @return this.
     */
    public StackConfig initialRto(final long rto, final TimeUnit unit)
    {
        this.initialRtoNs = unit.toNanos(rto);
        return this;
    }

    /** @return lower bound of the RTO. */
    public long minRtoNs()
    {
        return minRtoNs;
    }

    /**
     * @param rto lower bound of the RTO (RFC 6298 says 1 s; Linux uses 200 ms).
     * @param unit its unit.
     * @return this.
     */
    public StackConfig minRto(final long rto, final TimeUnit unit)
    {
        this.minRtoNs = unit.toNanos(rto);
        return this;
    }

    /** @return upper bound of the RTO (RFC 6298 §2.5: at least 60 s). */
    public long maxRtoNs()
    {
        return maxRtoNs;
    }

    /**
     * @param rto upper bound of the RTO.
     * @param unit its unit.
     * @return this.
     */
    public StackConfig maxRto(final long rto, final TimeUnit unit)
    {
        this.maxRtoNs = unit.toNanos(rto);
        return this;
    }

    /** @return SYN / SYN-ACK retransmissions before giving up. */
    public int synRetries()
    {
        return synRetries;
    }

    /**
     * @param retries SYN / SYN-ACK retransmissions before giving up (default 6: 127 s at a 1 s initial RTO). A
     *     SYN-RECEIVED connection made while more than half its listener's backlog is taken gets at most 2.
     * @return this.
     */
    public StackConfig synRetries(final int retries)
    {
        this.synRetries = retries;
        return this;
    }

    /** @return data/FIN retransmissions before the connection is aborted. */
    public int dataRetries()
    {
        return dataRetries;
    }

    /**
     * @param retries data/FIN retransmissions before abort.
     * @return this.
     */
    public StackConfig dataRetries(final int retries)
    {
        this.dataRetries = retries;
        return this;
    }

    /** @return longest an ACK may be delayed. */
    public long delayedAckNs()
    {
        return delayedAckNs;
    }

    /**
     * @param delay longest an ACK may be delayed (RFC 9293 §3.8.6.3: under 0.5 s); 0 disables delay.
     * @param unit its unit.
     * @return this.
     */
    public StackConfig delayedAck(final long delay, final TimeUnit unit)
    {
        this.delayedAckNs = unit.toNanos(delay);
        return this;
    }

    /** @return the least time between two ACKs answering invalid segments on one connection. */
    public long invalidAckIntervalNs()
    {
        return invalidAckIntervalNs;
    }

    /**
     * @param interval the least time between two ACKs a connection sends in answer to segments without text that
     *     fail the sequence check, PAWS or the ACK check (RFC 9293 §3.10.7.4, RFC 7323 §5.3, RFC 5961 §5.2); the
     *     rest are counted and not answered, so two ends that disagree cannot ACK each other in a loop, and a
     *     forged flood cannot make us an ACK amplifier. As Linux's tcp_invalid_ratelimit; default 500 ms; 0 answers
     *     every one.
     * @param unit its unit.
     * @return this.
     */
    public StackConfig invalidAckInterval(final long interval, final TimeUnit unit)
    {
        this.invalidAckIntervalNs = unit.toNanos(interval);
        return this;
    }

    /** @return timer wheel tick. */
    public long timerTickNs()
    {
        return timerTickNs;
    }

    /** @return whether a full table answers a SYN with RST (else drops it). */
    public boolean rstOnFullTable()
    {
        return rstOnFullTable;
    }

    /**
     * @param rst whether a full table answers a SYN with RST (true) or drops it silently.
     * @return this.
     */
    public StackConfig rstOnFullTable(final boolean rst)
    {
        this.rstOnFullTable = rst;
        return this;
    }

    /** @return whether a listener with a full backlog (or a full table) answers SYNs with SYN cookies. */
    public boolean synCookies()
    {
        return synCookies;
    }

    /**
     * SYN cookies (RFC 4987 §3.6; on by default, as Linux's tcp_syncookies=1): when a listener's backlog of
     * SYN-RECEIVED connections or the connection table is full, a SYN is answered with a SYN-ACK whose ISS encodes
     * the peer's MSS (rounded down to 536, 1300, 1440 or 1460) under a keyed hash, and no state is kept; the ACK that
     * completes the handshake opens the connection. Window scale and SACK-permitted ride in the low bits of our
     * timestamp, so a peer that sent no timestamps gets a connection without either. Off, a full backlog refuses
     * the SYN as {@link #rstOnFullTable} says, and a flood of spoofed SYNs shuts out every genuine client.
     *
     * @param on whether a full listener answers with SYN cookies.
     * @return this.
     */
    public StackConfig synCookies(final boolean on)
    {
        this.synCookies = on;
        return this;
    }

    /** @return whether a RST in TIME-WAIT is ignored (RFC 1337), not an early end of it. */
    public boolean rfc1337()
    {
        return rfc1337;
    }

    /**
     * @param ignoreRstInTimeWait true: a RST in TIME-WAIT is dropped and counted, and TIME-WAIT runs its 2MSL
     *     (RFC 1337's fix for "TIME-WAIT assassination": an old duplicate RST ending it early lets the next
     *     incarnation take the old one's duplicates). Default false, as Linux's {@code net.ipv4.tcp_rfc1337}: an
     *     exact RST ends TIME-WAIT (RFC 9293 §3.10.7.4).
     * @return this.
     */
    public StackConfig rfc1337(final boolean ignoreRstInTimeWait)
    {
        this.rfc1337 = ignoreRstInTimeWait;
        return this;
    }

    /** @return how connections grow and cut their congestion window. */
    public CongestionControl congestionControl()
    {
        return congestionControl;
    }

    /**
     * @param algorithm how every connection grows its congestion window between losses and how far a loss cuts it:
     *     {@link CongestionControl#RENO} (the default: RFC 5681, ssthresh = FlightSize / 2) or
     *     {@link CongestionControl#CUBIC} (RFC 9438, ssthresh = 0.7 × cwnd, the window a cubic function of the time
     *     since the last loss). Loss detection and recovery (fast retransmit, NewReno, SACK) are the same for both.
     * @return this.
     */
    public StackConfig congestionControl(final CongestionControl algorithm)
    {
        this.congestionControl = algorithm;
        return this;
    }

    /** @return the most challenge ACKs sent per second on one connection (RFC 5961 §7). */
    public int challengeAckLimit()
    {
        return challengeAckLimit;
    }

    /**
     * @param perSecond the most challenge ACKs (answers to blind RSTs, SYNs and ACKs) sent per second on one
     *     connection; past it they are counted and not sent (RFC 5961 §7). Per connection, not stack-wide: one
     *     counter shared by all connections is the side channel of CVE-2016-5696. Default 100.
     * @return this.
     */
    public StackConfig challengeAckLimit(final int perSecond)
    {
        this.challengeAckLimit = perSecond;
        return this;
    }

    /** @return whether SYNs offer SACK-permitted (RFC 2018). */
    public boolean sack()
    {
        return sack;
    }

    /**
     * RFC 2018 selective acknowledgements, receiver side (on by default): SACK-permitted in our SYNs, and when the
     * peer's SYN had it too, our ACKs name the out-of-order blocks we hold so the sender resends only the holes.
     *
     * @param on whether to offer SACK.
     * @return this.
     */
    public StackConfig sack(final boolean on)
    {
        this.sack = on;
        return this;
    }

    /** @return whether SYNs offer the RFC 7323 timestamps option. */
    public boolean timestamps()
    {
        return timestamps;
    }

    /**
     * RFC 7323 timestamps (on by default, as in Linux): offered in our SYNs and accepted in the peer's; once both
     * SYNs carry the option, every segment does, and PAWS (§5) drops old duplicates by their timestamp.
     *
     * @param on whether to offer and accept timestamps.
     * @return this.
     */
    public StackConfig timestamps(final boolean on)
    {
        this.timestamps = on;
        return this;
    }

    /** @return whether a full table ends its oldest TIME-WAIT to make room for a new connection. */
    public boolean evictTimeWait()
    {
        return evictTimeWait;
    }

    /**
     * A client opening connections at rate R holds R × 2MSL of them in TIME-WAIT; when that outgrows the table,
     * the oldest TIME-WAIT is ended early (and counted) rather than refusing the new connection, as Linux does
     * past {@code tcp_max_tw_buckets}. Off, a full table refuses until 2MSL frees a slot (RFC 9293 §3.6.1 to
     * the letter).
     *
     * @param evict whether a full table may end its oldest TIME-WAIT early.
     * @return this.
     */
    public StackConfig evictTimeWait(final boolean evict)
    {
        this.evictTimeWait = evict;
        return this;
    }

    /** @return time without traffic before the first keep-alive probe; 0 = keep-alive off (the default). */
    public long keepAliveIdleNs()
    {
        return keepAliveIdleNs;
    }

    /** @return time between unanswered keep-alive probes. */
    public long keepAliveIntervalNs()
    {
        return keepAliveIntervalNs;
    }

    /** @return unanswered keep-alive probes before a connection is declared dead. */
    public int keepAliveProbes()
    {
        return keepAliveProbes;
    }

    /**
     * Keep-alive for every new connection (RFC 9293 §3.8.4; RFC 1122 §4.2.3.6 wants it off unless asked for,
     * and an idle time of at least two hours by default — Linux's 7200 s / 75 s / 9 are a common choice).
     * Each connection can change it with {@code TcpConnection.keepAlive}.
     *
     * @param idle time without traffic before the first probe; 0 turns keep-alive off.
     * @param interval time between unanswered probes.
     * @param probes unanswered probes before the connection is reset.
     * @param unit unit of idle and interval.
     * @return this.
     */
    public StackConfig keepAlive(final long idle, final long interval, final int probes, final TimeUnit unit)
    {
        this.keepAliveIdleNs = unit.toNanos(idle);
        this.keepAliveIntervalNs = unit.toNanos(interval);
        this.keepAliveProbes = probes;
        return this;
    }

    /** @return how long a connection waits in FIN-WAIT-2 without hearing from the peer; 0 for ever. */
    public long finWait2TimeoutNs()
    {
        return finWait2TimeoutNs;
    }

    /**
     * @param timeout how long a connection stays in FIN-WAIT-2 (our FIN acknowledged, the peer's not come) without a
     *     segment from the peer before it is reset and closed with TIMEOUT, counted; as Linux's tcp_fin_timeout
     *     (default 60 s). A silent peer would otherwise hold the slot for ever. 0 waits for ever (the RFC's letter).
     * @param unit its unit.
     * @return this.
     */
    public StackConfig finWait2Timeout(final long timeout, final TimeUnit unit)
    {
        this.finWait2TimeoutNs = unit.toNanos(timeout);
        return this;
    }

    /** @return the secret key of the ISN hash (RFC 6528): random per configuration unless set. */
    public long isnSecret()
    {
        return isnSecret;
    }

    /**
     * @param secret the ISN hash key, replacing the random one drawn from {@link SecureRandom} when the configuration
     *     was built: for tests and reproductions that need the same ISNs and ephemeral ports on every run.
     * @return this.
     */
    public StackConfig isnSecret(final long secret)
    {
        this.isnSecret = secret;
        return this;
    }

    /**
     * Checks every value.
     *
     * @return this.
     * @throws IllegalArgumentException naming the first wrong value and what is allowed.
     */
    public StackConfig validate()
    {
        require(mac >= 0 && (mac >>> 48) == 0 && !MacAddress.isMulticast(mac),
            "mac must be set to a unicast address, e.g. mac(\"02:00:00:00:00:01\")");
        require(ipSet && !dev.synack.ip.Ipv4Address.isMartianSource(ip),
            "ip must be set to a unicast address, e.g. ip(\"198.18.0.1/24\")");
        require(maxFrameLength >= 64 && maxFrameLength <= 9014, "maxFrameLength must be 64..9014: " + maxFrameLength);
        require(rxBatchLimit > 0, "rxBatchLimit must be positive: " + rxBatchLimit);
        require(neighbourCapacity > 0, "neighbourCapacity must be positive: " + neighbourCapacity);
        require(neighbourQueue > 0, "neighbourQueue must be positive: " + neighbourQueue);
        require(congestionControl != null, "congestionControl must be RENO or CUBIC, not null");
        require(challengeAckLimit >= 0, "challengeAckLimit must not be negative: " + challengeAckLimit);
        require(invalidAckIntervalNs >= 0, "invalidAckInterval must not be negative: " + invalidAckIntervalNs);
        require(finWait2TimeoutNs >= 0, "finWait2Timeout must not be negative: " + finWait2TimeoutNs);
        require(validKeepAlive(keepAliveIdleNs, keepAliveIntervalNs, keepAliveProbes), "keep-alive needs idle >= 0,"
            + " and with idle > 0 an interval > 0 and at least 1 probe: " + keepAliveIdleNs + " ns, "
            + keepAliveIntervalNs + " ns, " + keepAliveProbes);
        require(arpRetries >= 0 && arpRetryIntervalNs > 0, "arp retries/interval must be non-negative/positive");
        require(maxConnections > 0 && maxConnections <= (1 << 22), "maxConnections must be 1..4194304");
        require(listenBacklog > 0, "listenBacklog must be positive: " + listenBacklog);
        require(ephemeralFirst >= 1 && ephemeralFirst <= ephemeralLast && ephemeralLast <= 0xFFFF,
            "ephemeralPorts must be first..last within 1..65535: " + ephemeralFirst + ".." + ephemeralLast);
        require(isPowerOfTwo(sendBufferSize) && sendBufferSize >= 1024,
            "sendBufferSize must be a power of two >= 1024: " + sendBufferSize);
        require(isPowerOfTwo(receiveBufferSize) && receiveBufferSize >= 1024 && receiveBufferSize <= (1 << 30),
            "receiveBufferSize must be a power of two in 1024..2^30: " + receiveBufferSize);
        // The rings live in direct chunks of at most 1 GiB (a ByteBuffer stops below 2 GiB); one connection's two
        // rings must fit in one chunk. The total may pass 2 GiB: a million connections at 1 KiB each way do.
        final long rings = (long)sendBufferSize + receiveBufferSize;
        require(rings <= MAX_RING_CHUNK_BYTES, "sendBufferSize + receiveBufferSize = " + rings
            + " bytes exceeds the 1 GiB ring chunk: lower one of them");
        // A window under two full segments leaves a sender waiting on every delayed ACK (RFC 9293 §3.8.6.3).
        final int minimumWindow = Math.min(receiveBufferSize, 2 * (maxFrameLength - FRAME_HEADERS));
        final int initialWindow = receiveWindowInitial();
        require(initialWindow >= minimumWindow && initialWindow <= receiveBufferSize,
            "receiveWindowInitial must be " + minimumWindow + ".." + receiveBufferSize
            + " (two full segments up to receiveBufferSize): " + initialWindow);
        final int page = receivePageSize();
        require(isPowerOfTwo(page) && page >= MIN_RECEIVE_PAGE && page <= receiveBufferSize,
            "receivePageSize must be a power of two in " + MIN_RECEIVE_PAGE + ".." + receiveBufferSize
            + " (receiveBufferSize): " + page);
        final long pool = receivePoolBytes();
        final long allBuffers = (long)maxConnections * receiveBufferSize;
        require(pool >= receiveBufferSize && pool <= allBuffers && pool % page == 0,
            "receivePoolBytes must be a multiple of receivePageSize (" + page + ") from receiveBufferSize ("
            + receiveBufferSize + ") to maxConnections × receiveBufferSize (" + allBuffers + "): " + pool);
        require(pool / page <= Integer.MAX_VALUE - 8, "receivePoolBytes / receivePageSize = " + pool / page
            + " pages exceeds one array: raise receivePageSize");
        // The page table: one int per ring page of every connection (ReceivePages).
        final long tableEntries = (long)maxConnections * (receiveBufferSize / page);
        require(tableEntries <= Integer.MAX_VALUE - 8, "maxConnections × receiveBufferSize / receivePageSize = "
            + tableEntries + " page-table entries exceeds one array: raise receivePageSize");
        require(outOfOrderSegments >= 0, "outOfOrderSegments must not be negative");
        // Every connection's ranges sit in one flat int array per bound (TcpEngine's OutOfOrderRanges).
        final long ranges = (long)maxConnections * outOfOrderSegments;
        require(ranges <= Integer.MAX_VALUE - 8, "maxConnections × outOfOrderSegments = " + ranges
            + " ranges exceeds one array: lower one of them");
        require(reassemblySlots >= 0 && reassemblySlots <= 1024, "reassemblySlots must be 0..1024: " + reassemblySlots);
        require(reassemblyTimeoutNs > 0, "reassemblyTimeout must be positive: " + reassemblyTimeoutNs + " ns");
        require(mslNs > 0, "msl must be positive");
        require(minRtoNs > 0 && minRtoNs <= initialRtoNs && initialRtoNs <= maxRtoNs,
            "RTO bounds must satisfy 0 < minRto <= initialRto <= maxRto");
        require(synRetries >= 0 && dataRetries >= 0, "retry limits must not be negative");
        require(delayedAckNs >= 0 && delayedAckNs < TimeUnit.MILLISECONDS.toNanos(500),
            "delayedAck must be under 500 ms (RFC 9293 §3.8.6.3)");
        return this;
    }

    private static boolean isPowerOfTwo(final int v)
    {
        return v > 0 && (v & (v - 1)) == 0;
    }

    /**
     * The keep-alive rule, for the stack-wide default and for a connection's own setting alike.
     *
     * @param idleNs time without traffic before the first probe; 0 = off.
     * @param intervalNs time between unanswered probes.
     * @param probes unanswered probes before the connection is reset.
     * @return whether the three make a valid setting.
     */
    public static boolean validKeepAlive(final long idleNs, final long intervalNs, final int probes)
    {
        return idleNs == 0 || (idleNs > 0 && intervalNs > 0 && probes >= 1);
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException("stack config: " + message);
        }
    }
}
