package io.earshot.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU goes during a profiled run: a JDK Flight Recorder recording of the server (started in the
 * Payara Micro process with {@code jcmd}) and of the client (this JVM), summarised as the methods the
 * execution samples were in, plus one thread dump of the server.
 */
final class Profiler {

    private static final Path JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd");

    /** Frames outside Earshot worth an inclusive figure: the per-message platform costs and the I/O. */
    private static final Set<String> NOTABLE = Set.of(
            "org.glassfish.tyrus.core.ProtocolHandler.process",
            "org.glassfish.tyrus.core.TyrusSession.restartIdleTimeoutExecutor",
            "org.glassfish.concurrent.runtime.ContextSetupProviderImpl.saveContext",
            "org.glassfish.tyrus.core.TyrusRemoteEndpoint$Async.sendObject",
            "org.glassfish.tyrus.core.TyrusRemoteEndpoint$Basic.sendBinary",
            "org.glassfish.tyrus.core.TyrusRemoteEndpoint$Basic.sendText",
            "sun.nio.ch.FileChannelImpl.write",
            "sun.nio.ch.SocketChannelImpl.write",
            "sun.nio.ch.SocketChannelImpl.read",
            "com.fasterxml.jackson.databind.ObjectMapper.writeValueAsString",
            "com.fasterxml.jackson.databind.ObjectMapper.readTree");

    private final long serverPid;
    private final Path dir;
    private Recording client;

    /** The recordings go to {@code dir} as bench-server.jfr and bench-client.jfr. */
    Profiler(long serverPid, Path dir) {
        this.serverPid = serverPid;
        this.dir = dir.toAbsolutePath();
    }

    static boolean available() {
        return Files.isExecutable(JCMD);
    }

    /**
     * Starts and stops a recording on both sides at once. The first recording in a JVM makes the JIT
     * recompile for several seconds (Flight Recorder instruments classes), so this is done before the
     * warm-up, not during a profiled run.
     */
    void prime() throws Exception {
        jcmd("JFR.start", "name=earshot-bench-prime", "settings=profile");
        jcmd("JFR.stop", "name=earshot-bench-prime");
        try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
            r.start();
            r.stop();
        }
    }

    void start() throws Exception {
        jcmd("JFR.start", "name=earshot-bench", "settings=profile");
        client = new Recording(Configuration.getConfiguration("profile"));
        client.start();
    }

    /** A server thread dump, kept as a file next to the report. */
    Path threadDump() throws Exception {
        Path out = dir.resolve("bench-server-threads.txt");
        Files.writeString(out, jcmd("Thread.print"), StandardCharsets.UTF_8);
        return out;
    }

    /** Stops both recordings and returns their files: server, client. */
    Path[] stop() throws Exception {
        Path server = dir.resolve("bench-server.jfr");
        Path clientFile = dir.resolve("bench-client.jfr");
        jcmd("JFR.stop", "name=earshot-bench", "filename=" + server);
        client.stop();
        client.dump(clientFile);
        client.close();
        return new Path[] {server, clientFile};
    }

    private String jcmd(String... command) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(JCMD.toString());
        cmd.add(Long.toString(serverPid));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /**
     * Execution samples of a recording, summarised.
     *
     * @param samples number of Java execution samples
     * @param byThread samples per thread (digits in names folded to #)
     * @param byTopFrame self time: the method the sample was in
     * @param byComponent self time by library (Tyrus, Grizzly, Jackson, Earshot, ...)
     * @param inclusive inclusive time: samples with the method anywhere on the stack, for Earshot's methods
     *     and a few notable platform ones
     * @param blockedOn monitor classes of long (10 ms and over) contended monitor enters
     */
    record Summary(int samples, Map<String, Integer> byThread, Map<String, Integer> byTopFrame,
            Map<String, Integer> byComponent, Map<String, Integer> inclusive, Map<String, Integer> blockedOn) {
    }

    /** Summarises the events of a recording that started between {@code from} and {@code to}. */
    static Summary summarise(Path recording, Instant from, Instant to) throws IOException {
        int samples = 0;
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> byTopFrame = new HashMap<>();
        Map<String, Integer> byComponent = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> blockedOn = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
                continue;
            }
            String type = e.getEventType().getName();
            if (type.equals("jdk.ExecutionSample")) {
                samples++;
                var thread = e.getThread("sampledThread");
                String name = thread == null ? "?" : String.valueOf(thread.getJavaName());
                byThread.merge(name.replaceAll("\\d+", "#"), 1, Integer::sum);
                RecordedStackTrace st = e.getStackTrace();
                if (st != null && !st.getFrames().isEmpty()) {
                    byTopFrame.merge(frame(st.getFrames().get(0)), 1, Integer::sum);
                    byComponent.merge(component(st.getFrames().get(0).getMethod().getType().getName()), 1,
                            Integer::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame f : st.getFrames()) {
                        String m = frame(f);
                        if ((m.startsWith("io.earshot.") || NOTABLE.contains(m)) && seen.add(m)) {
                            inclusive.merge(m, 1, Integer::sum);
                        }
                    }
                }
            } else if (type.equals("jdk.JavaMonitorEnter")) {
                var monitorClass = e.getClass("monitorClass");
                blockedOn.merge(monitorClass == null ? "?" : monitorClass.getName(), 1, Integer::sum);
            }
        }
        return new Summary(samples, top(byThread, 8), top(byTopFrame, 20), top(byComponent, 10),
                top(inclusive, 15), top(blockedOn, 5));
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String component(String type) {
        String[][] known = {
            {"io.earshot.", "Earshot"},
            {"com.fasterxml.jackson.", "Jackson"},
            {"org.glassfish.tyrus.", "Tyrus"},
            {"org.glassfish.grizzly.", "Grizzly"},
            {"sun.nio.ch.", "NIO socket/file I/O"},
            {"sun.nio.fs.", "file system"},
            {"java.nio.", "java.nio buffers/channels"},
            {"java.util.logging.", "java.util.logging"},
            {"java.util.zip.", "class loader resource lookup (jar/zip)"},
            {"java.util.jar.", "class loader resource lookup (jar/zip)"},
            {"jdk.internal.loader.", "class loader resource lookup (jar/zip)"},
            {"java.util.concurrent.", "java.util.concurrent"},
            {"java.lang.invoke.", "reflection/invoke"},
            {"jdk.internal.reflect.", "reflection/invoke"},
            {"java.lang.reflect.", "reflection/invoke"},
            {"org.jboss.weld.", "Weld (CDI)"},
            {"jdk.jfr.", "JFR"},
            {"org.glassfish.", "Payara/GlassFish other"},
            {"fish.payara.", "Payara/GlassFish other"},
            {"java.", "JDK other"},
            {"jdk.", "JDK other"},
            {"sun.", "JDK other"},
        };
        for (String[] k : known) {
            if (type.startsWith(k[0])) {
                return k[1];
            }
        }
        return "other";
    }

    private static Map<String, Integer> top(Map<String, Integer> counts, int n) {
        Map<String, Integer> out = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
