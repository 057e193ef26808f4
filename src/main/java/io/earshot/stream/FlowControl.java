package io.earshot.stream;

import io.earshot.config.EarshotConfig;
import io.earshot.protocol.ServerMessage;

/**
 * Tells the client to slow down when any backlog (acks, the outbound queue, the engine's lag) passes the high
 * water mark, and that all is well once every one is back under the low one. Not thread-safe: the owning
 * {@link StreamSession}'s lock guards it.
 */
final class FlowControl {

    private final double highWater;
    private final double lowWater;
    private final long engineMaxLagMs;
    /** A {@code flow slow_down} is in force on the attached connection; session lock. */
    private boolean slowDown;

    FlowControl(EarshotConfig config) {
        this.highWater = config.flowHighWater;
        this.lowWater = config.flowLowWater;
        this.engineMaxLagMs = config.engineMaxLagMs;
    }

    /** The {@code flow} message the backlogs call for now, or null when nothing changed. */
    ServerMessage.Flow update(int unacked, int window, double sendFill, long lagMs) {
        double ackBacklog = unacked / (double) window;
        double engineBacklog = lagMs / (double) engineMaxLagMs;
        double level = Math.max(Math.max(ackBacklog, sendFill), engineBacklog);
        String reason = engineBacklog >= Math.max(ackBacklog, sendFill) ? "engine_lag"
                : ackBacklog >= sendFill ? "ack_backlog" : "send_backlog";
        if (!slowDown && level >= highWater) {
            slowDown = true;
            return new ServerMessage.Flow("slow_down", reason, unacked, window, lagMs);
        }
        if (slowDown && level <= lowWater) {
            slowDown = false;
            return new ServerMessage.Flow("ok", reason, unacked, window, lagMs);
        }
        return null;
    }

    /** A new connection starts with no slow-down in force. */
    void reset() {
        slowDown = false;
    }
}
