package io.earshot.protocol;

/**
 * How long a WebSocket endpoint waits after {@code @OnOpen} before it sends or closes anything: a send or close
 * from inside {@code @OnOpen}, before the container has written the handshake's answer, breaks Payara's handling of
 * the connection (it then answers later requests with 500), and a CI run saw a job subscription get nothing.
 */
public final class AfterOpen {

    /** The delay, in milliseconds. */
    public static final long DELAY_MS = 50;

    private AfterOpen() {
    }
}
