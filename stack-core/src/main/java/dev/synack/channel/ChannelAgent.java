package dev.synack.channel;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import dev.synack.api.CloseReason;
import dev.synack.api.TcpHandler;
import dev.synack.stack.StackAgent;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpEngine;

/**
 * The stack side of the channels: an Agrona {@link Agent} run on the stack thread next to the
 * {@link StackAgent} (in a {@code CompositeAgent}, or called after it in the same loop). Each duty cycle it
 * moves backlogged events to their channels, retries data held back for a full event ring, and executes at most
 * {@code commandLimit} commands from the shared command ring on the {@link TcpEngine}; as the engine's
 * {@link TcpHandler} it turns callbacks into events on the owning channel's ring.
 * <p>
 * Backpressure, never loss:
 * <ul>
 * <li>DATA that does not fit the event ring stays in the stack: {@link TcpConnection#keepUnread} keeps the rest
 *     in the connection's receive buffer (its window closes as more arrives) and {@link TcpConnection#resumeReading}
 *     delivers it when the ring has room again.</li>
 * <li>Control events (OPENED, PEER_CLOSED, CLOSED, WRITABLE, SEND_PARTIAL, answers, errors) that find the ring
 *     full wait in the channel's backlog, in order; while a channel has a backlog its DATA waits too, so a
 *     connection's events never overtake each other.</li>
 * <li>When a backlog climbs past its high-water mark (room kept for four events per connection), the agent
 *     stops reading commands (the command ring fills and the application's calls return false) and refuses new
 *     passive opens for that channel with RST ({@link ChannelError#ACCEPT_OVERFLOW}). An application that stops
 *     polling thus stalls the command ring it shares with others: give it a stack of its own if that matters.</li>
 * </ul>
 * A bad command (unknown or stale handle, another channel's connection, a send the connection cannot take, a
 * bad port, a malformed message) is counted ({@link #errors}) and, where the channel is known, reported as an
 * ERROR event (or LISTEN_FAILED / CONNECT_FAILED); nothing is thrown on the stack thread.
 * <p>
 * Threads: everything here runs on the stack thread, except {@link #newChannel} (set-up, before the agent runs)
 * and the counters ({@link #errors} and the others, readable from any thread). Allocation-free after set-up.
 * <p>
 * Known limit: bytes held back for a full event ring are lost if the engine closes the connection first — an
 * RST (as TCP wants), and also entering TIME-WAIT, where the engine reports CLOSED(NORMAL) at once; an
 * application that reads slowly and closes should wait for PEER_CLOSED before CLOSE.
 */
public final class ChannelAgent implements Agent
{
    /** Default command ring size in bytes (a power of two): sends of up to 128 KiB. */
    public static final int DEFAULT_COMMAND_RING_BYTES = 1 << 20;
    /** Default commands executed per duty cycle. */
    public static final int DEFAULT_COMMAND_LIMIT = 64;

    private static final long NO_HANDLE = -1L;
    private static final byte OPENED = 1;
    private static final byte PASSIVE = 2;
    private static final byte BLOCKED = 4;
    private static final byte REFUSING = 8;
    private static final int EVENT_RECORD_BYTES = 8 + ChannelEvents.MAX_CONTROL_LENGTH;
    private static final int EVENTS_PER_CONNECTION = 4;
    private static final int PORTS = 65536;
    private static final int STAT_DATA_KEPT = ChannelError.count();
    private static final int STAT_EVENTS_BACKLOGGED = STAT_DATA_KEPT + 1;
    private static final int STAT_SENDS_PARTIAL = STAT_DATA_KEPT + 2;
    private static final int STAT_COMMANDS = STAT_DATA_KEPT + 3;
    private static final int STAT_SENDS_REFUSED = STAT_DATA_KEPT + 4;
    private static final int STATS = STAT_DATA_KEPT + 5;

    private final TcpEngine engine;
    private final RingBuffer commands;
    private final int commandLimit;
    private final int capacity;
    private final long[] handles;
    private final int[] owners;
    private final long[] correlations;
    private final long[] positions;
    private final byte[] flags;
    private final boolean[] queued;
    private final int[] blocked;
    private int blockedHead;
    private int blockedCount;
    private final int[] listenOwners = new int[PORTS];
    private final long[] listenCorrelations = new long[PORTS];
    private final UnsafeBuffer stats = new UnsafeBuffer(ByteBuffer.allocateDirect(STATS * Long.BYTES));
    private final Callbacks callbacks = new Callbacks();
    private final CommandReader reader = new CommandReader();
    private final BacklogMover mover = new BacklogMover();
    private Channel[] channels = new Channel[0];
    private RingBuffer claimedRing;
    private long dataEvents;

    /**
     * An agent for the stack's engine, sized from its configuration.
     *
     * @param stack the stack whose engine runs the commands (on the same thread as this agent).
     * @param commands the command ring application threads write into ({@link #commandRing}).
     */
    public ChannelAgent(final StackAgent stack, final RingBuffer commands)
    {
        this(stack.tcp(), stack.config().maxConnections(), commands, DEFAULT_COMMAND_LIMIT);
    }

    /**
     * @param engine the engine that runs the commands (on the same thread as this agent).
     * @param maxConnections the engine's connection table capacity.
     * @param commands the command ring application threads write into ({@link #commandRing}).
     * @param commandLimit the most commands executed per duty cycle.
     */
    public ChannelAgent(final TcpEngine engine, final int maxConnections, final RingBuffer commands,
        final int commandLimit)
    {
        if (maxConnections <= 0 || commandLimit <= 0)
        {
            throw new IllegalArgumentException("maxConnections and commandLimit must be positive: "
                + maxConnections + ", " + commandLimit);
        }
        this.engine = engine;
        this.commands = commands;
        this.commandLimit = commandLimit;
        this.capacity = maxConnections;
        handles = new long[maxConnections];
        Arrays.fill(handles, NO_HANDLE);
        owners = new int[maxConnections];
        correlations = new long[maxConnections];
        positions = new long[maxConnections];
        flags = new byte[maxConnections];
        queued = new boolean[maxConnections];
        blocked = new int[maxConnections];
    }

    /**
     * @param bytes the ring's capacity, a power of two (at least 1 KiB).
     * @return a command ring over a direct buffer, for many application threads and this agent.
     */
    public static RingBuffer commandRing(final int bytes)
    {
        return new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * @param bytes the ring's capacity, a power of two; a DATA event carries at most an eighth of it, less 8.
     * @return an event ring over a direct buffer, for this agent and one polling thread.
     */
    public static RingBuffer eventRing(final int bytes)
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * Registers an application: set-up only, before (or never concurrently with) the agent's duty cycle.
     * The backlog for control events keeps room past its high-water mark for everything that can still come
     * once the agent stops reading commands: four events per connection and five per command of one batch.
     *
     * @param events the channel's event ring ({@link #eventRing}), read by one application thread.
     * @return the application's end, to hand to its threads.
     */
    public StackChannel newChannel(final RingBuffer events)
    {
        // Past the high-water mark no command is read and no passive open accepted, so what may still come is
        // bounded: four events for each connection (OPENED, WRITABLE, PEER_CLOSED, CLOSED), and for each command
        // of the batch being read its answer plus the four of a connection it opens; plus a wrap's padding.
        final int reserve = (EVENTS_PER_CONNECTION * capacity + (EVENTS_PER_CONNECTION + 1) * commandLimit + 2)
            * EVENT_RECORD_BYTES;
        final int backlogBytes = BitUtil.findNextPositivePowerOfTwo(Math.max(16 * 1024, 2 * reserve));
        final RingBuffer backlog = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(backlogBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        final Channel channel = new Channel(channels.length, events, backlog, backlogBytes - reserve);
        channels = Arrays.copyOf(channels, channels.length + 1);
        channels[channel.id] = channel;
        return new StackChannel(commands, events, channel.id);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        boolean stalled = false;
        for (final Channel ch : channels)
        {
            if (ch.backlogCount > 0)
            {
                mover.channel = ch;
                work += ch.backlog.controlledRead(mover, commandLimit);
            }
            stalled |= ch.overHighWater();
        }
        work += retryBlocked();
        if (!stalled)
        {
            work += commands.read(reader, commandLimit);
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return "synack-channel";
    }

    /**
     * @param error a kind of error.
     * @return how many commands or events met it; readable from any thread.
     */
    public long errors(final ChannelError error)
    {
        return stats.getLongVolatile(error.ordinal() * Long.BYTES);
    }

    /** @return times DATA was held back in the stack because its channel could not take it (any thread). */
    public long dataKept()
    {
        return stats.getLongVolatile(STAT_DATA_KEPT * Long.BYTES);
    }

    /** @return control events that waited in a backlog because the event ring was full (any thread). */
    public long eventsBacklogged()
    {
        return stats.getLongVolatile(STAT_EVENTS_BACKLOGGED * Long.BYTES);
    }

    /** @return SEND_PARTIAL events: sends not taken whole (any thread). */
    public long sendsPartial()
    {
        return stats.getLongVolatile(STAT_SENDS_PARTIAL * Long.BYTES);
    }

    /** @return sends dropped whole between a SEND_PARTIAL and the RESUME_SEND that ends it (any thread). */
    public long sendsRefused()
    {
        return stats.getLongVolatile(STAT_SENDS_REFUSED * Long.BYTES);
    }

    /** @return commands read from the command ring, bad ones included (any thread). */
    public long commandsRead()
    {
        return stats.getLongVolatile(STAT_COMMANDS * Long.BYTES);
    }

    /** @return connections whose data waits for room in their channel now (stack thread). */
    public int blockedConnections()
    {
        int n = 0;
        for (int slot = 0; slot < capacity; slot++)
        {
            n += (flags[slot] & BLOCKED) != 0 ? 1 : 0;
        }
        return n;
    }

    private void count(final int stat)
    {
        final int at = stat * Long.BYTES;
        stats.putLongOrdered(at, stats.getLong(at) + 1);
    }

    // ------------------------------------------------------------------------------------------------
    // Held-back data
    // ------------------------------------------------------------------------------------------------

    private void block(final int slot)
    {
        flags[slot] |= BLOCKED;
        if (!queued[slot])
        {
            queued[slot] = true;
            blocked[(blockedHead + blockedCount) % capacity] = slot;
            blockedCount++;
        }
    }

    private int retryBlocked()
    {
        int work = 0;
        for (int n = blockedCount; n > 0; n--)
        {
            final int slot = blocked[blockedHead];
            blockedHead = (blockedHead + 1) % capacity;
            blockedCount--;
            queued[slot] = false;
            final long handle = handles[slot];
            if ((flags[slot] & BLOCKED) == 0 || handle == NO_HANDLE)
            {
                continue;
            }
            final Channel ch = channels[owners[slot]];
            if (ch.backlogCount > 0 || ch.free() < ch.retryRoom)
            {
                block(slot);
                continue;
            }
            flags[slot] &= ~BLOCKED;
            final TcpConnection c = engine.connection(handle);
            if (c != null)
            {
                // Delivers what was kept (onData below); whatever still does not fit is kept again.
                final long before = dataEvents;
                c.resumeReading();
                work += dataEvents != before ? 1 : 0;
            }
        }
        return work;
    }

    // ------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------

    /**
     * Claims room for a control event: in the event ring when nothing waits before it, else in the backlog.
     * Sets {@link #claimedRing} for {@link #commit}.
     *
     * @return the index to write at, or -1 when even the backlog is full (counted as lost).
     */
    private int claim(final Channel ch, final int type, final int length)
    {
        final int index = claimEvent(ch, type, length);
        return index >= 0 ? index : claimBacklog(ch, type, length);
    }

    /** Room in the event ring itself, only when nothing waits in the backlog (order); -1 otherwise, uncounted. */
    private int claimEvent(final Channel ch, final int type, final int length)
    {
        if (ch.backlogCount != 0)
        {
            return -1;
        }
        final int index = ch.events.tryClaim(type, length);
        if (index >= 0)
        {
            claimedRing = ch.events;
        }
        return index;
    }

    private int claimBacklog(final Channel ch, final int type, final int length)
    {
        final int index = ch.backlog.tryClaim(type, length);
        if (index >= 0)
        {
            ch.backlogCount++;
            count(STAT_EVENTS_BACKLOGGED);
            claimedRing = ch.backlog;
            return index;
        }
        count(ChannelError.EVENT_LOST.ordinal());
        return -1;
    }

    private MutableDirectBuffer claimed()
    {
        return claimedRing.buffer();
    }

    private void commit(final int index)
    {
        claimedRing.commit(index);
    }

    private void handleEvent(final Channel ch, final int type, final long handle)
    {
        final int index = claim(ch, type, ChannelEvents.HANDLE_LENGTH);
        if (index >= 0)
        {
            claimed().putLong(index + ChannelEvents.ID_OFFSET, handle);
            commit(index);
        }
    }

    private void error(final Channel ch, final long id, final int commandType, final ChannelError error)
    {
        count(error.ordinal());
        final int index = claim(ch, ChannelEvents.ERROR, ChannelEvents.ERROR_LENGTH);
        if (index >= 0)
        {
            final MutableDirectBuffer b = claimed();
            b.putLong(index + ChannelEvents.ID_OFFSET, id);
            b.putInt(index + ChannelEvents.INT8_OFFSET, commandType);
            b.putInt(index + ChannelEvents.INT12_OFFSET, error.ordinal());
            commit(index);
        }
    }

    private void listenAnswer(final Channel ch, final long correlationId, final int port, final ChannelError error)
    {
        if (error != ChannelError.NONE)
        {
            count(error.ordinal());
        }
        final boolean ok = error == ChannelError.NONE;
        final int index = claim(ch, ok ? ChannelEvents.LISTENING : ChannelEvents.LISTEN_FAILED,
            ok ? ChannelEvents.LISTENING_LENGTH : ChannelEvents.LISTEN_FAILED_LENGTH);
        if (index >= 0)
        {
            final MutableDirectBuffer b = claimed();
            b.putLong(index + ChannelEvents.ID_OFFSET, correlationId);
            b.putInt(index + ChannelEvents.INT8_OFFSET, port);
            if (!ok)
            {
                b.putInt(index + ChannelEvents.INT12_OFFSET, error.ordinal());
            }
            commit(index);
        }
    }

    private void connectFailed(
        final Channel ch, final long correlationId, final long handle, final CloseReason reason,
        final ChannelError error)
    {
        if (error != ChannelError.NONE)
        {
            count(error.ordinal());
        }
        final int index = claim(ch, ChannelEvents.CONNECT_FAILED, ChannelEvents.CONNECT_FAILED_LENGTH);
        if (index >= 0)
        {
            final MutableDirectBuffer b = claimed();
            b.putLong(index + ChannelEvents.ID_OFFSET, correlationId);
            b.putLong(index + ChannelEvents.ID2_OFFSET, handle);
            b.putInt(index + ChannelEvents.INT16_OFFSET, reason == null ? -1 : reason.ordinal());
            b.putInt(index + ChannelEvents.INT20_OFFSET, error.ordinal());
            commit(index);
        }
    }

    private void sendPartial(final Channel ch, final long handle, final int slot, final int accepted,
        final int requested)
    {
        count(STAT_SENDS_PARTIAL);
        final int index = claim(ch, ChannelEvents.SEND_PARTIAL, ChannelEvents.SEND_PARTIAL_LENGTH);
        if (index >= 0)
        {
            final MutableDirectBuffer b = claimed();
            b.putLong(index + ChannelEvents.ID_OFFSET, handle);
            b.putLong(index + ChannelEvents.ID2_OFFSET, positions[slot]);
            b.putInt(index + ChannelEvents.INT16_OFFSET, accepted);
            b.putInt(index + ChannelEvents.INT20_OFFSET, requested);
            commit(index);
        }
    }

    private void opened(final Channel ch, final TcpConnection c, final long handle, final long correlationId,
        final boolean passive)
    {
        final int index = claim(ch, ChannelEvents.OPENED, ChannelEvents.OPENED_LENGTH);
        if (index >= 0)
        {
            final MutableDirectBuffer b = claimed();
            b.putLong(index + ChannelEvents.ID_OFFSET, handle);
            b.putLong(index + ChannelEvents.ID2_OFFSET, correlationId);
            b.putInt(index + ChannelEvents.INT16_OFFSET, c.remoteIp());
            b.putInt(index + ChannelEvents.INT20_OFFSET, c.remotePort());
            b.putInt(index + ChannelEvents.INT24_OFFSET, c.localPort());
            b.putInt(index + ChannelEvents.INT28_OFFSET, passive ? 1 : 0);
            commit(index);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------------------------------------

    private void onCommand(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        count(STAT_COMMANDS);
        final int minLength = ChannelCommands.minLength(type);
        if (minLength < 0)
        {
            count(ChannelError.UNKNOWN_COMMAND.ordinal());
            return;
        }
        if (length < minLength)
        {
            count(ChannelError.MALFORMED_COMMAND.ordinal());
            return;
        }
        final int channelId = ChannelCommands.channel(buffer, index);
        if (channelId < 0 || channelId >= channels.length)
        {
            count(ChannelError.UNKNOWN_CHANNEL.ordinal());
            return;
        }
        final Channel ch = channels[channelId];
        final long id = ChannelCommands.id(buffer, index);
        switch (type)
        {
            case ChannelCommands.LISTEN:
                listen(ch, id, ChannelCommands.arg1(buffer, index));
                break;
            case ChannelCommands.UNLISTEN:
                unlisten(ch, id, ChannelCommands.arg1(buffer, index));
                break;
            case ChannelCommands.CONNECT:
                connect(ch, id, ChannelCommands.arg1(buffer, index), ChannelCommands.arg2(buffer, index));
                break;
            case ChannelCommands.SEND:
                send(ch, id, buffer, index + ChannelCommands.DATA_OFFSET, length - ChannelCommands.DATA_OFFSET);
                break;
            default:
                onHandleCommand(ch, type, id);
                break;
        }
    }

    private void listen(final Channel ch, final long correlationId, final int port)
    {
        if (port <= 0 || port >= PORTS)
        {
            listenAnswer(ch, correlationId, port, ChannelError.BAD_PORT);
            return;
        }
        if (listenOwners[port] != 0 || engine.isListening(port))
        {
            // Taken by a channel, or by the application directly through the engine.
            listenAnswer(ch, correlationId, port, ChannelError.ALREADY_LISTENING);
            return;
        }
        engine.listen(port, callbacks);
        listenOwners[port] = ch.id + 1;
        listenCorrelations[port] = correlationId;
        listenAnswer(ch, correlationId, port, ChannelError.NONE);
    }

    private void unlisten(final Channel ch, final long correlationId, final int port)
    {
        if (port <= 0 || port >= PORTS)
        {
            error(ch, correlationId, ChannelCommands.UNLISTEN, ChannelError.BAD_PORT);
            return;
        }
        if (listenOwners[port] != ch.id + 1)
        {
            // Another channel's port, or one listened on directly through the engine, is not this channel's to stop.
            final boolean owned = listenOwners[port] != 0 || engine.isListening(port);
            error(ch, correlationId, ChannelCommands.UNLISTEN,
                owned ? ChannelError.NOT_OWNER : ChannelError.NOT_LISTENING);
            return;
        }
        engine.unlisten(port);
        listenOwners[port] = 0;
        final int index = claim(ch, ChannelEvents.UNLISTENED, ChannelEvents.LISTENING_LENGTH);
        if (index >= 0)
        {
            final MutableDirectBuffer b = claimed();
            b.putLong(index + ChannelEvents.ID_OFFSET, correlationId);
            b.putInt(index + ChannelEvents.INT8_OFFSET, port);
            commit(index);
        }
    }

    private void connect(final Channel ch, final long correlationId, final int remoteIp, final int remotePort)
    {
        if (remotePort <= 0 || remotePort >= PORTS)
        {
            connectFailed(ch, correlationId, NO_HANDLE, null, ChannelError.BAD_PORT);
            return;
        }
        final long handle = engine.connect(remoteIp, remotePort, callbacks);
        if (handle == -1)
        {
            connectFailed(ch, correlationId, NO_HANDLE, null, ChannelError.TABLE_FULL);
            return;
        }
        final int slot = (int)handle;
        handles[slot] = handle;
        owners[slot] = ch.id;
        correlations[slot] = correlationId;
        positions[slot] = 0;
        flags[slot] = 0;
    }

    /** The connection a command names, or null after reporting why not. */
    private TcpConnection lookup(final Channel ch, final int type, final long handle)
    {
        final int slot = (int)handle;
        final TcpConnection c = slot >= 0 && slot < capacity && handles[slot] == handle
            ? engine.connection(handle) : null;
        if (c == null)
        {
            error(ch, handle, type, ChannelError.UNKNOWN_HANDLE);
            return null;
        }
        if (owners[slot] != ch.id)
        {
            error(ch, handle, type, ChannelError.NOT_OWNER);
            return null;
        }
        return c;
    }

    private void send(final Channel ch, final long handle, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final TcpConnection c = lookup(ch, ChannelCommands.SEND, handle);
        if (c == null)
        {
            return;
        }
        final int slot = (int)handle;
        if ((flags[slot] & REFUSING) != 0)
        {
            // Sent before the application saw SEND_PARTIAL: dropped whole, silently (it resends from the position).
            count(STAT_SENDS_REFUSED);
            return;
        }
        final int accepted = c.send(buffer, offset, length);
        if (accepted < 0)
        {
            error(ch, handle, ChannelCommands.SEND, ChannelError.CANNOT_SEND);
            return;
        }
        positions[slot] += accepted;
        if (accepted < length)
        {
            // The rest must not be overtaken by later sends already in the ring: refuse them until RESUME_SEND.
            flags[slot] |= REFUSING;
            sendPartial(ch, handle, slot, accepted, length);
        }
    }

    private void onHandleCommand(final Channel ch, final int type, final long handle)
    {
        final TcpConnection c = lookup(ch, type, handle);
        if (c == null)
        {
            return;
        }
        switch (type)
        {
            case ChannelCommands.SHUTDOWN_OUTPUT:
                c.shutdownOutput();
                break;
            case ChannelCommands.CLOSE:
                c.close();
                break;
            case ChannelCommands.ABORT:
                c.abort();
                break;
            case ChannelCommands.RESUME_SEND:
                flags[(int)handle] &= ~REFUSING;
                break;
            default:
                break;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Inner workers: preallocated, no captured lambdas
    // ------------------------------------------------------------------------------------------------

    /** One registered application: its event ring, and the backlog of control events waiting for room. */
    private static final class Channel
    {
        final int id;
        final RingBuffer events;
        final RingBuffer backlog;
        final int highWater;
        final int maxData;
        final int retryRoom;
        int backlogCount;

        Channel(final int id, final RingBuffer events, final RingBuffer backlog, final int highWater)
        {
            this.id = id;
            this.events = events;
            this.backlog = backlog;
            this.highWater = highWater;
            this.maxData = events.maxMsgLength() - ChannelEvents.DATA_OFFSET;
            // Twice the longest message (an eighth of the ring): one fits even after the wrap-around padding.
            this.retryRoom = events.capacity() / 4;
        }

        /** A lower bound on the event ring's free bytes: this thread is its only producer. */
        int free()
        {
            return events.capacity() - events.size();
        }

        boolean overHighWater()
        {
            return backlogCount > 0 && backlog.size() > highWater;
        }
    }

    /** Executes commands. */
    private final class CommandReader implements MessageHandler
    {
        @Override
        public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
        {
            onCommand(type, buffer, index, length);
        }
    }

    /** Moves one backlogged event into its channel's ring, or stops when the ring is full. */
    private final class BacklogMover implements ControlledMessageHandler
    {
        Channel channel;

        @Override
        public Action onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final Channel ch = channel;
            final int at = ch.events.tryClaim(type, length);
            if (at < 0)
            {
                return Action.ABORT;
            }
            ch.events.buffer().putBytes(at, buffer, index, length);
            ch.events.commit(at);
            ch.backlogCount--;
            return Action.CONTINUE;
        }
    }

    /** The engine's callbacks for every connection opened through a channel. */
    private final class Callbacks implements TcpHandler
    {
        @Override
        public void onOpen(final TcpConnection c)
        {
            final long handle = c.handle();
            final int slot = (int)handle;
            if (handles[slot] == handle)
            {
                // Active open, registered by CONNECT.
                flags[slot] |= OPENED;
                opened(channels[owners[slot]], c, handle, correlations[slot], false);
                return;
            }
            final int port = c.localPort();
            final int owner = listenOwners[port] - 1;
            if (owner < 0)
            {
                // Its handshake began before UNLISTEN: no one accepts it now, so reset it (a closed listener's RST).
                count(ChannelError.NOT_LISTENING.ordinal());
                c.abort();
                return;
            }
            if (channels[owner].overHighWater())
            {
                // The application is too far behind to be told of one more connection: refuse it (RST).
                count(ChannelError.ACCEPT_OVERFLOW.ordinal());
                c.abort();
                return;
            }
            handles[slot] = handle;
            owners[slot] = owner;
            correlations[slot] = listenCorrelations[port];
            positions[slot] = 0;
            flags[slot] = OPENED | PASSIVE;
            opened(channels[owner], c, handle, listenCorrelations[port], true);
        }

        @Override
        public void onData(final TcpConnection c, final DirectBuffer buffer, final int offset, final int length)
        {
            final long handle = c.handle();
            final int slot = (int)handle;
            final Channel ch = channels[owners[slot]];
            // While the connection may keep bytes, DATA goes to the event ring only (what does not fit stays in
            // the stack: keepUnread). When it ends normally it hands over its last bytes and cannot keep them:
            // they may also go to the backlog, in order behind what waits there (a full backlog counts EVENT_LOST).
            final boolean mustTake = !c.canKeepUnread();
            int done = 0;
            while (done < length)
            {
                final int chunk = Math.min(length - done, ch.maxData);
                final int size = ChannelEvents.DATA_OFFSET + chunk;
                final int index = mustTake ? claim(ch, ChannelEvents.DATA, size)
                    : claimEvent(ch, ChannelEvents.DATA, size);
                if (index < 0)
                {
                    break;
                }
                final MutableDirectBuffer b = claimed();
                b.putLong(index + ChannelEvents.ID_OFFSET, handle);
                b.putBytes(index + ChannelEvents.DATA_OFFSET, buffer, offset + done, chunk);
                commit(index);
                done += chunk;
                dataEvents++;
            }
            if (done < length && !mustTake)
            {
                // Backpressure: the rest stays in the stack, the receive window closes, retried in doWork.
                c.keepUnread(length - done);
                count(STAT_DATA_KEPT);
                block(slot);
            }
        }

        @Override
        public void onWritable(final TcpConnection c)
        {
            final long handle = c.handle();
            final int slot = (int)handle;
            if (handles[slot] == handle)
            {
                handleEvent(channels[owners[slot]], ChannelEvents.WRITABLE, handle);
            }
        }

        @Override
        public void onPeerClosed(final TcpConnection c)
        {
            final long handle = c.handle();
            final int slot = (int)handle;
            if (handles[slot] == handle)
            {
                handleEvent(channels[owners[slot]], ChannelEvents.PEER_CLOSED, handle);
            }
        }

        @Override
        public void onClosed(final TcpConnection c, final CloseReason reason)
        {
            final long handle = c.handle();
            final int slot = (int)handle;
            if (handles[slot] != handle)
            {
                return; // refused in onOpen: the application never heard of it
            }
            final Channel ch = channels[owners[slot]];
            if ((flags[slot] & OPENED) != 0)
            {
                final int index = claim(ch, ChannelEvents.CLOSED, ChannelEvents.CLOSED_LENGTH);
                if (index >= 0)
                {
                    claimed().putLong(index + ChannelEvents.ID_OFFSET, handle);
                    claimed().putInt(index + ChannelEvents.INT8_OFFSET, reason.ordinal());
                    commit(index);
                }
            }
            else
            {
                connectFailed(ch, correlations[slot], handle, reason, ChannelError.NONE);
            }
            handles[slot] = NO_HANDLE;
            flags[slot] = 0;
        }
    }
}
