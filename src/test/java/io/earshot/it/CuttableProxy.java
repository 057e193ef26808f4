package io.earshot.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of the server that can cut every connection abruptly (a TCP reset, no
 * WebSocket close) or freeze it (nothing forwarded either way, while what the server sends is captured),
 * so tests see what a lost network does to a session. Listens on 127.0.0.1 only; threads are daemons.
 */
final class CuttableProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    /** While set, WebSocket handshakes are reset (a network that lets HTTP through but not WebSockets). */
    volatile boolean refuseWebSockets;

    private final class Link {
        final Socket client;
        final Socket server;
        volatile boolean frozen;
        final ByteArrayOutputStream capturedFromServer = new ByteArrayOutputStream();

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void pump(InputStream in, OutputStream out, boolean fromServer) {
            byte[] buf = new byte[16384];
            boolean first = !fromServer;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (first) {
                        first = false;
                        String head = new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                                .toLowerCase(java.util.Locale.ROOT);
                        if (refuseWebSockets && head.contains("upgrade: websocket")) {
                            reset(client);
                            reset(server);
                            return;
                        }
                    }
                    if (frozen) {
                        if (fromServer) {
                            synchronized (capturedFromServer) {
                                capturedFromServer.write(buf, 0, n);
                            }
                        }
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // cut or closed
            }
            if (!frozen) {
                closeQuietly(client);
                closeQuietly(server);
            }
        }
    }

    CuttableProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Link link = new Link(client, server);
                links.add(link);
                start(() -> {
                    try {
                        link.pump(client.getInputStream(), server.getOutputStream(), false);
                    } catch (IOException ignored) {
                        // socket gone
                    }
                });
                start(() -> {
                    try {
                        link.pump(server.getInputStream(), client.getOutputStream(), true);
                    } catch (IOException ignored) {
                        // socket gone
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Resets every connection in both directions, as a network failure would; returns how many were open. */
    int cutAll() {
        int n = 0;
        for (Link link : links) {
            if (!link.client.isClosed() && !link.server.isClosed()) {
                n++;
            }
            reset(link.client);
            reset(link.server);
            links.remove(link);
        }
        return n;
    }

    /** Stops forwarding on every connection; the client and server each see a silent peer. */
    void freezeAll() {
        for (Link link : links) {
            link.frozen = true;
        }
    }

    /** Bytes the server sent on the first connection after it was frozen. */
    byte[] capturedAfterFreeze() {
        Link link = links.get(0);
        synchronized (link.capturedFromServer) {
            return link.capturedFromServer.toByteArray();
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        cutAll();
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // closing anyway
        }
        closeQuietly(s);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
