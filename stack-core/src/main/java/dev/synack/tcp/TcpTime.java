package dev.synack.tcp;

/**
 * The time the engine's current entry point (a segment, a poll, a timer, an ICMP report) was given, from the
 * stack's injected clock: one value every part of the engine reads for the whole of that event.
 */
final class TcpTime
{
    long now;

    TcpTime(final long now)
    {
        this.now = now;
    }
}
