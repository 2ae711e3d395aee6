package dev.synack.embed.examples;

import dev.synack.embed.Synack;
import dev.synack.embed.SynackBuilder;
import dev.synack.embed.SynackStack;

/** An echo service (RFC 862) on port 7: every byte comes back; it closes when the client does. */
public final class EchoService
{
    public static SynackStack start(final SynackBuilder where)
    {
        return where.start().listen(7, (connection, buffer, offset, length) -> connection.send(buffer, offset, length));
    }

    public static void main(final String[] args) // e.g. eth1 198.18.0.1/24, as root
    {
        final SynackStack stack = start(Synack.builder().device(args[0]).address(args[1]));
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close)); // Ctrl-C detaches the XDP program
    }
}
