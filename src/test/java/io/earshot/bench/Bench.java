package io.earshot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the benchmarks share: the machine they ran on, and progress lines on standard output. */
final class Bench {

    private Bench() {
    }

    /** "2 cores (Intel(R) Xeon(R) ...)": the processor count and, on Linux, the CPU's model name. */
    static String cores() {
        String model = "CPU model unknown";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            model = lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(model);
        } catch (IOException | RuntimeException e) {
            // not Linux: no model name
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + model + "), Java "
                + System.getProperty("java.runtime.version");
    }

    /** A progress line, marked as the benchmark's and flushed at once (Maven interleaves the streams). */
    static void say(String line) {
        System.out.println("[bench] " + line);
        System.out.flush();
    }
}
