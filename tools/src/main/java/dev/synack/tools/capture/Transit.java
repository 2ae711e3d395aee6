package dev.synack.tools.capture;

/**
 * One segment's trip across the wire, as the capture points saw it.
 *
 * @param segment the segment.
 * @param sendNs when its sender sent it (when the only capture point saw it, if that is not the sender).
 * @param receiveNs when its receiver took it in ({@code sendNs} when only one capture point saw it).
 * @param dropped whether it was seen leaving its sender and never arriving, with both ends captured.
 * @param senderStack the capturing stack that sent it, or null.
 * @param receiverStack the capturing stack that received it, or null (always null for a pcap's frames).
 * @param sendOrder where its sending was recorded in the capture (orders events of one instant).
 * @param receiveOrder where its arrival was recorded (its sending's place when only one capture point saw it).
 */
record Transit(TcpSegment segment, long sendNs, long receiveNs, boolean dropped, String senderStack,
    String receiverStack, int sendOrder, int receiveOrder)
{
}
