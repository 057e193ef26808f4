package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deploys the WAR built by Maven to a managed Payara Micro and checks that it serves requests.
 */
@ExtendWith(ArquillianExtension.class)
class SmokeIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File("target/earshot.war"));
    }

    @ArquillianResource
    private URL base;

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
}
