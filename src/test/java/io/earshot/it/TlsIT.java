package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * {@code wss://} through Payara Micro's HTTPS listener, with a certificate generated for the test: keytool makes
 * a self-signed certificate for 127.0.0.1 in a PKCS12 keystore, and Payara Micro is started with it the way
 * docs/operations.md describes ({@code -Djavax.net.ssl.keyStore}, {@code --sslport}, {@code --sslcert}). A
 * client that trusts that certificate streams and gets its acks; one that does not is refused by TLS. The server
 * runs the fast test engine: nothing here is transcribed.
 */
class TlsIT {

    @Test
    void wssWorksThroughTheHttpsListener() throws Exception {
        Path dir = Path.of("target/tls-it");
        try (PayaraProcess server = new PayaraProcess(dir).withEnergyEngine()) {
            Path keystore = dir.resolve("earshot-test.p12").toAbsolutePath();
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "earshot", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1,dns:localhost", "-keystore", keystore.toString(),
                    "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                    .redirectErrorStream(true).start();
            String out = new String(keytool.getInputStream().readAllBytes());
            assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, out);
            int tlsPort = PayaraProcess.freePort();
            server.with(List.of("-Djavax.net.ssl.keyStore=" + keystore, "-Djavax.net.ssl.keyStorePassword=changeit"),
                    List.of("--sslport", Integer.toString(tlsPort), "--sslcert", "earshot"));
            server.start();

            KeyStore trusted = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                trusted.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);

            HttpClient https = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> status = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort
                    + "/v1/status")).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode(), status::body);

            List<byte[]> chunks = Frames.pcmChunks(100, 640, 7);
            try (StreamClient c = StreamClient.connectTls(URI.create("wss://127.0.0.1:" + tlsPort + "/v1/stream"), tls)) {
                JsonNode started = c.start();
                assertTrue(started.path("session_id").asText().startsWith("s_"), started::toString);
                c.sendBinary(Frames.frame(chunks, 1, 100));
                c.awaitAck(100);
                c.sendJson(java.util.Map.of("type", "end"));
                JsonNode ended = c.expect("ended");
                assertEquals(100, ended.path("last_seq").asLong(), ended::toString);
            }
            SSLContext untrusting = SSLContext.getInstance("TLS");
            untrusting.init(null, null, null);
            assertThrows(AssertionError.class, () -> StreamClient.connectTls(URI.create("wss://127.0.0.1:" + tlsPort
                    + "/v1/stream"), untrusting), "a certificate the client does not trust is refused");
            System.out.println("wss:// through the HTTPS listener on port " + tlsPort + ": 100 chunks acked");
        }
    }
}
