package io.earshot.protocol;

/** The WebSocket close codes Earshot uses (docs/api/streaming.md, "Close codes"). */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int POLICY_VIOLATION = 1008;
    public static final int TOO_BIG = 1009;
    public static final int INTERNAL_ERROR = 1011;
    public static final int TRY_AGAIN_LATER = 1013;
    public static final int IDLE_TIMEOUT = 4000;
    public static final int MAX_DURATION = 4001;
    public static final int HEARTBEAT_TIMEOUT = 4002;
    public static final int TAKEN_OVER = 4003;
    public static final int START_TIMEOUT = 4004;
    public static final int SLOW_CONSUMER = 4005;

    private CloseCodes() {
    }
}
