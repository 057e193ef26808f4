package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The WAR built by Maven, deployed to a managed Payara Micro, serves its page, its health checks and its metrics.
 */
@ExtendWith(ArquillianExtension.class)
class SmokeIT extends EarshotDeployment {

    /**
     * The injected URL names the machine's network address, but the HTTP listener is bound to
     * loopback only (payara/pre-boot-commands.txt), so talk to 127.0.0.1 on the same port and path.
     */
    private URI loopback(String relative) {
        String path = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
        return URI.create(base.getProtocol() + "://127.0.0.1:" + base.getPort() + path + relative);
    }

    @Test
    void indexPageIsServed() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(loopback("index.html"))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build();

        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode(), () -> "GET " + request.uri() + " -> " + response.body());
        assertTrue(response.body().contains("<title>Earshot</title>"), response::body);
    }

    /** MicroProfile Health: live at once, ready once the engine has loaded; the checks name their parts. */
    @Test
    void healthChecks() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI live = URI.create("http://127.0.0.1:" + base.getPort() + "/health/live");
        HttpResponse<String> l = client.send(HttpRequest.newBuilder(live).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, l.statusCode(), l::body);
        assertTrue(l.body().contains("earshot-timer"), l::body);
        URI ready = URI.create("http://127.0.0.1:" + base.getPort() + "/health/ready");
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        HttpResponse<String> r;
        do {
            r = client.send(HttpRequest.newBuilder(ready).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                break;
            }
            assertEquals(503, r.statusCode(), r.body());
            Thread.sleep(250);
        } while (System.nanoTime() < end);
        assertEquals(200, r.statusCode(), r.body());
        String body = r.body();
        assertTrue(body.contains("\"earshot\"") && body.contains("\"engine\":\"ready\"")
                && body.matches("(?s).*\"spool\":\"?true.*"), body);
    }

    /** MicroProfile Metrics in Prometheus text: Earshot's gauges, counters and ack-latency histogram are there. */
    @Test
    void metricsInPrometheusFormat() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> m = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + base.getPort()
                + "/metrics?scope=application")).header("Accept", "text/plain").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, m.statusCode(), m::body);
        for (String name : java.util.List.of("earshot_connections", "earshot_sessions_attached",
                "earshot_sessions_detached", "earshot_engine_lag_max", "earshot_engine_breaker", "earshot_jobs_queued",
                "earshot_chunks_stored", "earshot_audio_bytes_stored", "earshot_resumes", "earshot_ack_latency")) {
            assertTrue(m.body().contains(name), () -> name + " missing from\n" + m.body());
        }
    }
}
