package io.earshot.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time used by the benchmark client (this JVM) and by the server (the Payara Micro process that the
 * Arquillian container started as a child of this JVM), to tell which side a figure is limited by. On Linux
 * it also reads each thread's CPU time from /proc, to name the busiest threads (a single thread near 100% of
 * a core is a serial bottleneck however many cores there are), and the server's user/system split.
 */
final class CpuMeter {

    /** Clock ticks per second of /proc/.../stat times; 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100;

    /** A point in time: wall clock and CPU time of both processes, in nanoseconds (-1 when unknown). */
    record Sample(long wallNanos, long clientCpuNanos, long serverCpuNanos, long serverUserTicks,
            long serverSystemTicks, Map<Integer, ThreadTicks> serverThreads, Map<Integer, ThreadTicks> clientThreads) {
    }

    record ThreadTicks(String name, long ticks) {
    }

    /** CPU use of the threads of one name (as the OS has it) in percent of one core, and how many were busy. */
    record ThreadUse(String name, int threads, double percent) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s%s %.0f%%", name, threads > 1 ? " (x" + threads + ")" : "", percent);
        }
    }

    /**
     * CPU use between two samples, in percent of one core (the machine's total is cores x 100); -1 when unknown.
     */
    record Usage(double clientPercent, double serverPercent, double serverUserPercent, double serverSystemPercent,
            List<ThreadUse> serverBusiest, List<ThreadUse> clientBusiest) {
        String client() {
            return format(clientPercent);
        }

        String server() {
            return format(serverPercent);
        }

        String serverSplit() {
            return serverUserPercent < 0 ? "" : String.format(Locale.ROOT, "user %.0f%% + system %.0f%%",
                    serverUserPercent, serverSystemPercent);
        }

        private static String format(double p) {
            return p < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", p);
        }
    }

    private final ProcessHandle server;

    private CpuMeter(ProcessHandle server) {
        this.server = server;
    }

    /** Finds the Payara Micro process among this JVM's descendants (if not found, server CPU is n/a). */
    static CpuMeter create() {
        Optional<ProcessHandle> payara = ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("payara-micro"))
                .findFirst();
        return new CpuMeter(payara.orElse(null));
    }

    Optional<ProcessHandle> server() {
        return Optional.ofNullable(server);
    }

    Sample sample() {
        long client = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            client = os.getProcessCpuTime();
        }
        long serverCpu = -1;
        long user = -1;
        long system = -1;
        Map<Integer, ThreadTicks> serverThreads = Map.of();
        if (server != null) {
            serverCpu = server.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
            long[] us = processTicks(server.pid());
            user = us[0];
            system = us[1];
            serverThreads = threadTicks(server.pid());
        }
        return new Sample(System.nanoTime(), client, serverCpu, user, system, serverThreads,
                threadTicks(ProcessHandle.current().pid()));
    }

    static Usage between(Sample from, Sample to) {
        double wall = to.wallNanos() - from.wallNanos();
        double client = from.clientCpuNanos() < 0 || to.clientCpuNanos() < 0 ? -1
                : 100.0 * (to.clientCpuNanos() - from.clientCpuNanos()) / wall;
        double server = from.serverCpuNanos() < 0 || to.serverCpuNanos() < 0 ? -1
                : 100.0 * (to.serverCpuNanos() - from.serverCpuNanos()) / wall;
        double user = -1;
        double system = -1;
        if (from.serverUserTicks() >= 0 && to.serverUserTicks() >= 0) {
            user = percent(to.serverUserTicks() - from.serverUserTicks(), wall);
            system = percent(to.serverSystemTicks() - from.serverSystemTicks(), wall);
        }
        return new Usage(client, server, user, system, busiest(from.serverThreads(), to.serverThreads(), wall),
                busiest(from.clientThreads(), to.clientThreads(), wall));
    }

    private static double percent(long ticks, double wallNanos) {
        return 100.0 * ticks / TICKS_PER_SECOND / (wallNanos / 1e9);
    }

    /**
     * The three busiest thread groups between two samples. Threads are grouped by the name the OS has for
     * them (the Java name cut to 15 characters, so a pool's workers share one), since a connection's work
     * moves from one pool thread to the next.
     */
    private static List<ThreadUse> busiest(Map<Integer, ThreadTicks> from, Map<Integer, ThreadTicks> to,
            double wall) {
        Map<String, long[]> groups = new HashMap<>();
        to.forEach((tid, t) -> {
            ThreadTicks before = from.get(tid);
            long ticks = t.ticks() - (before == null ? 0 : before.ticks());
            if (ticks > 0) {
                String name = t.name().replaceAll("\\(\\d+\\)|\\d+$", "#");
                long[] g = groups.computeIfAbsent(name, n -> new long[2]);
                g[0]++;
                g[1] += ticks;
            }
        });
        List<ThreadUse> out = new ArrayList<>();
        groups.forEach((name, g) -> out.add(new ThreadUse(name, (int) g[0], percent(g[1], wall))));
        out.sort(Comparator.comparingDouble(ThreadUse::percent).reversed());
        return out.stream().limit(3).collect(Collectors.toList());
    }

    /** utime and stime of a process in clock ticks, or -1s when /proc is not there. */
    private static long[] processTicks(long pid) {
        try {
            String[] f = fieldsAfterName(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    private static Map<Integer, ThreadTicks> threadTicks(long pid) {
        Map<Integer, ThreadTicks> out = new HashMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        if (!Files.isDirectory(tasks)) {
            return out;
        }
        try (Stream<Path> list = Files.list(tasks)) {
            list.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = fieldsAfterName(stat);
                    out.put(Integer.parseInt(task.getFileName().toString()),
                            new ThreadTicks(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
                } catch (IOException | RuntimeException ignored) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException ignored) {
            // no per-thread figures then
        }
        return out;
    }

    /** The fields of a /proc stat line after "pid (name)": index 0 is the state, 11 utime, 12 stime. */
    private static String[] fieldsAfterName(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }
}
