package io.earshot.fuzz;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of a fuzzing run that {@code @FuzzTest} can only take as constants: how long it lasts (the system
 * property {@code fuzz.duration}, which the build sets: a few seconds in {@code mvn verify}, minutes with
 * {@code -Pfuzz}) and how long one input may take before it counts as a hang. They reach the fuzzer as its
 * command-line flags, which come after the annotation's and so override it. In regression mode (no
 * {@code JAZZER_FUZZ}) nothing here is read.
 */
final class FuzzRun {

    /** One input that takes longer than this is a hang, reported as a finding. */
    static final int HANG_SECONDS = 10;
    /** One input that takes longer than this fails its own assertion: decoding is meant to be cheap. */
    static final Duration SLOW = Duration.ofSeconds(2);

    private static final Pattern PART = Pattern.compile("(\\d+)(h|m|s)");

    private FuzzRun() {
    }

    /** Passes {@code fuzz.duration} and the hang limit to the fuzzer; call before the fuzz test starts. */
    static void configure() {
        List<String> flags = new ArrayList<>();
        flags.add("fuzz"); // the fuzzer's argv[0], dropped
        String duration = System.getProperty("fuzz.duration", "").strip();
        if (!duration.isEmpty()) {
            long seconds = seconds(duration);
            // libFuzzer reads -max_total_time=0 as "forever": a duration of 0 replays the seeds and stops.
            flags.add(seconds == 0 ? "-runs=0" : "-max_total_time=" + seconds);
        }
        flags.add("-timeout=" + HANG_SECONDS);
        for (int i = 0; i < flags.size(); i++) {
            System.setProperty("jazzer.internal.arg." + i, flags.get(i));
        }
    }

    /** Fails when the input that began at {@code startNanos} took longer than {@link #SLOW}. */
    static void assertFast(long startNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        if (took.compareTo(SLOW) > 0) {
            throw new AssertionError("one input took " + took.toMillis() + " ms, more than the " + SLOW.toMillis()
                    + " ms allowed");
        }
    }

    /** Seconds in "90", "90s", "5m", "1h30m" or an ISO-8601 duration such as "PT5M". */
    static long seconds(String duration) {
        String d = duration.toLowerCase(Locale.ROOT);
        if (d.startsWith("pt")) {
            return Duration.parse(d).toSeconds();
        }
        if (d.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(d);
        }
        Matcher m = PART.matcher(d);
        long seconds = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            seconds += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                default -> n;
            };
            end = m.end();
        }
        if (end != d.length() || end == 0) {
            throw new IllegalArgumentException("fuzz.duration \"" + duration + "\" is not a duration like 30s, 5m "
                    + "or 1h30m");
        }
        return seconds;
    }
}
