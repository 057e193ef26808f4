package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.engine.LibriVox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The demo page and {@code earshot.js} in a real, headless Chromium (Debian's {@code chromium}, driven by npm
 * {@code playwright-core}), against a real server (its own Payara Micro, the development settings, the fast test
 * engine: the subject is the page and the client, not recognition): the node test
 * runner runs {@code src/test/e2e/client.test.mjs} (earshot.js alone) and {@code src/test/e2e/demo.test.mjs}, with
 * a fake microphone playing LibriVox speech. Screenshots of
 * the page in its states go to {@code target/e2e-shots}. Skipped, with a message, where Chromium, Node.js or npm
 * are missing; {@code .ci/run} installs them.
 */
class BrowserIT {

    @Test
    void theDemoPageStreamsResumesHandsOffAndPolls() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        Assumptions.assumeTrue(Files.isExecutable(Path.of(chromium)) && JobsIT.commandWorks("node", "--version")
                && JobsIT.commandWorks("npm", "--version"), "Chromium, Node.js and npm are needed for the browser "
                + "tests (.ci/run installs them); skipped");
        Path e2e = Path.of("src/test/e2e");
        if (!Files.isDirectory(e2e.resolve("node_modules/playwright-core"))) {
            Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(e2e.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(install.waitFor(180, TimeUnit.SECONDS), "npm ci took over 180 s");
            assertEquals(0, install.exitValue(), out);
        }
        Path shots = Files.createDirectories(Path.of("target/e2e-shots"));
        // Two LibriVox clips with silence around them: what the fake microphone plays, over and over.
        Path speech = Path.of("target/e2e-speech.wav").toAbsolutePath();
        Files.write(speech, JobsIT.wav(LibriVox.clips().subList(0, 2)));
        try (PayaraProcess server = new PayaraProcess(Path.of("target/browser-it")).withEnergyEngine()) {
            server.start();
            ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-concurrency=1", "--test-reporter=spec",
                    "client.test.mjs", "demo.test.mjs").directory(e2e.toFile()).redirectErrorStream(true);
            pb.environment().put("EARSHOT_URL", "http://127.0.0.1:" + server.port());
            pb.environment().put("FAKE_AUDIO", speech.toString());
            pb.environment().put("SHOTS", shots.toAbsolutePath().toString());
            pb.environment().put("CHROMIUM", chromium);
            Process node = pb.start();
            StringBuilder output = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        System.out.println(line);
                        synchronized (output) {
                            output.append(line).append('\n');
                        }
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            reader.start();
            boolean finished = node.waitFor(8, TimeUnit.MINUTES);
            if (!finished) {
                node.destroyForcibly();
            }
            reader.join(5_000);
            String out;
            synchronized (output) {
                out = output.toString();
            }
            assertTrue(finished, "the browser tests took over 8 minutes:\n" + out);
            assertEquals(0, node.exitValue(), "the browser tests failed:\n" + out);
        }
    }
}
