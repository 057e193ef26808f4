package io.earshot.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * What every Arquillian integration test shares: the WAR Maven built, deployed unchanged to a managed Payara Micro
 * configured by payara/ and src/test/resources/earshot-it.properties, once for all the classes of the test JVM
 * ({@link io.earshot.it.suite.SuiteDeployer}, named in arquillian.xml; the classes run in one test JVM as the suite
 * {@link SharedServerIT}), and loopback URLs to reach it. The classes
 * share that server, so none may count on a state another left: a test that needs no session live waits for it
 * ({@link #awaitNoLiveSessions}), and every session a test opens is ended or handed off before it returns.
 */
abstract class EarshotDeployment {

    /** The spool directory the server uses in the tests (earshot-it.properties). */
    static final Path SPOOL = Path.of("target/it-spool");

    @ArquillianResource
    URL base;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File("target/earshot.war"));
    }

    /**
     * The injected URL names the machine's network address, but the listener is bound to loopback only
     * (payara/pre-boot-commands.txt): talk to 127.0.0.1 on the same port and path.
     */
    URI http(String relative) {
        String path = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
        return URI.create("http://127.0.0.1:" + base.getPort() + path + relative);
    }

    URI streamUri() {
        return streamUri(base.getPort());
    }

    /** The stream endpoint on another port (a proxy in front of the server). */
    URI streamUri(int port) {
        String path = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
        return URI.create("ws://127.0.0.1:" + port + path + "v1/stream");
    }

    int serverPort() {
        return base.getPort();
    }

    JsonNode status() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(http("v1/status")).GET()
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /v1/status -> " + r.statusCode() + " " + r.body());
        }
        return StreamClient.JSON.readTree(r.body());
    }

    /** Waits (bounded) until no session is attached or waiting for a resume, so limit tests start clean. */
    void awaitNoLiveSessions(Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        JsonNode s = status();
        while (s.path("sessions_attached").asInt() + s.path("sessions_detached").asInt() > 0) {
            if (System.nanoTime() > end) {
                throw new AssertionError("sessions still live after " + max + ": " + s);
            }
            Thread.sleep(100);
            s = status();
        }
    }
}
