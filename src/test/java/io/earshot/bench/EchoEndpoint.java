package io.earshot.bench;

import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The baseline of the benchmark: a bare WebSocket endpoint that sends every binary message straight back.
 * Not part of Earshot; {@link ThroughputBenchmark} adds it to the deployed WAR so both figures come from
 * the same server in the same run. Its session is set up like Earshot's stream endpoint (no idle timeout).
 */
@ServerEndpoint("/bench/echo")
public class EchoEndpoint {

    @OnOpen
    public void open(Session session) {
        session.setMaxIdleTimeout(0);
    }

    @OnMessage
    public void echo(ByteBuffer message, Session session) throws IOException {
        session.getBasicRemote().sendBinary(message);
    }
}
