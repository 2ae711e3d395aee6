package dev.synack.tools.capture;

/**
 * One frame from a capture journal or a pcap file.
 *
 * @param timeNs when the stack saw it (the journal's clock: wall-clock ns for the demo, the manual clock's in
 *     tests; a pcap's timestamp).
 * @param outbound whether the stack sent it (false for received, and for every frame read from a pcap).
 * @param stack the name of the stack whose tap saw it ("pcap" for frames read from a pcap file).
 * @param bytes the Ethernet frame.
 */
public record CapturedFrame(long timeNs, boolean outbound, String stack, byte[] bytes)
{
}
