package io.earshot.bench;

import static io.earshot.bench.Bench.say;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.earshot.audio.AudioCodec;
import io.earshot.audio.PacketDecoder;
import io.earshot.audio.PcmSink;
import io.earshot.audio.Resampler;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusPacketInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Opus decode benchmark (run with {@code mvn -Pbench verify}, next to the throughput benchmark; it needs no
 * server): how many times faster than real time one core decodes 20 ms Opus packets of mono speech from a
 * 16 kHz and from a 48 kHz source, along Earshot's own path and with Concentus alone, against libopus on the
 * same files in the same run. Also the resampler's throughput on its own.
 *
 * <p>The speech is the LibriVox clips of the test resources, {@value #COPIES} times over. At run time
 * {@code sox} joins them (and makes the 48 kHz copy) and {@code opusenc} encodes them, so opus-tools and sox
 * must be installed. libopus is timed twice: as {@code opusdec}, and, when a C compiler and the libopus headers
 * are there, as a small program calling {@code opus_decode} on the same packets (in a virtual machine,
 * {@code opusdec}'s figure includes a large fixed cost per packet that the plain API does not have).
 *
 * <p>Every case runs once as warm-up, then {@code bench.opus.rounds} (5) times, the cases taking turns so that a
 * slow moment of the machine hits them all; figures are medians over the rounds. Java cases are timed by the
 * decoding thread's CPU time, processes by their user + system time as the shell's {@code time} reports it.
 * The figures go to standard output and to {@code target/opus-decode-benchmark.md}; the test then fails if
 * Earshot's path decodes either source at less than {@value #TARGET_X_REALTIME} times real time per core.
 */
class OpusDecodeBenchmark {

    static final double TARGET_X_REALTIME = 200;
    /** How many times the 24.7 s of LibriVox clips are joined: about two minutes of speech. */
    static final int COPIES = 5;

    private static final int ROUNDS = Integer.getInteger("bench.opus.rounds", 5);
    private static final Path CLIPS = Path.of("src/test/resources/audio/librivox");
    private static final Path WORK = Path.of("target/bench-opus");
    private static final String INSTALL = "apt-get install opus-tools sox";
    private static final String EARSHOT = "Earshot path: Concentus at 48 kHz, resampled to 16 kHz";
    private static final String CONCENTUS_48K = "Concentus decode only, 48 kHz";
    private static final String CONCENTUS_16K = "Concentus decode only, 16 kHz";
    private static final String OPUSDEC_16K = "opusdec --rate 16000";
    private static final String OPUSDEC_48K = "opusdec --rate 48000";
    private static final String OPUS_DECODE_16K = "opus_decode, 16 kHz";
    private static final String OPUS_DECODE_48K = "opus_decode, 48 kHz";

    /** Decodes length-prefixed packets (2 bytes, little-endian) with libopus's plain single-stream API. */
    private static final String OPUS_DECODE_C = """
            #include <opus.h>
            #include <stdio.h>
            #include <stdlib.h>

            static unsigned char data[1 << 24];
            static short pcm[5760];

            int main(int argc, char **argv) {
                FILE *in = fopen(argv[1], "rb");
                size_t n = fread(data, 1, sizeof data, in);
                int error;
                OpusDecoder *decoder = opus_decoder_create(atoi(argv[2]), 1, &error);
                long long sum = 0;
                for (size_t p = 0; p + 2 <= n; ) {
                    int length = data[p] | data[p + 1] << 8;
                    int samples = opus_decode(decoder, data + p + 2, length, pcm, 5760, 0);
                    if (samples < 0) {
                        return 1;
                    }
                    for (int i = 0; i < samples; i++) {
                        sum += abs(pcm[i]);
                    }
                    p += 2 + length;
                }
                printf("%lld\\n", sum);
                return 0;
            }
            """;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** Where the resampler's output goes, so that the compiler cannot drop the work. */
    private static double blackhole;

    /** One encoded file: its packets (headers removed) and what they hold. */
    record Source(String name, int inputRate, int kbps, Path opus, Path packetFile, List<byte[]> packets,
            double seconds, Map<String, Integer> modes) {

        String describeModes() {
            return modes.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .map(e -> e.getKey() + " " + percent(e.getValue(), packets.size()))
                    .collect(Collectors.joining(", "));
        }

        private static String percent(int n, int of) {
            double p = 100.0 * n / of;
            return p >= 1 || p == 0 ? String.format(Locale.ROOT, "%.0f %%", p) : n + " packets";
        }
    }

    /**
     * One timed run: wall clock and CPU time (the decoding thread's, or the child process's user + system), and
     * for a Java case the whole JVM's CPU time over the same run (garbage collection and compilation included).
     */
    record Timing(long wallNanos, long cpuNanos, long jvmCpuNanos) {
    }

    /** Something to time on one source, and the libopus rows it compares with. */
    private abstract static class Row {
        final Source source;
        final String label;
        final List<String> comparedWith;
        final List<Timing> timings = new ArrayList<>();
        /** Why the figure is not valid, or empty. */
        String note = "";

        Row(Source source, String label, List<String> comparedWith) {
            this.source = source;
            this.label = label;
            this.comparedWith = comparedWith;
        }

        abstract Timing runOnce() throws Exception;

        void measure() throws Exception {
            timings.add(runOnce());
        }

        long medianCpu() {
            return median(timings.stream().mapToLong(Timing::cpuNanos).toArray());
        }

        long bestCpu() {
            return timings.stream().mapToLong(Timing::cpuNanos).min().orElseThrow();
        }

        long medianWall() {
            return median(timings.stream().mapToLong(Timing::wallNanos).toArray());
        }

        double realTime() {
            return source.seconds / (medianCpu() / 1e9);
        }
    }

    /** A decode in this JVM; it returns the sum of the absolute samples, so that no work can be dropped. */
    private static final class JavaRow extends Row {
        private final DecodeTask task;
        private final int outputRate;
        long lastSum;

        JavaRow(Source source, String label, int outputRate, List<String> comparedWith, DecodeTask task) {
            super(source, label, comparedWith);
            this.outputRate = outputRate;
            this.task = task;
        }

        @Override
        Timing runOnce() throws Exception {
            long wall = System.nanoTime();
            long jvm = OS.getProcessCpuTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            lastSum = task.run();
            long cpuEnd = THREADS.getCurrentThreadCpuTime();
            return new Timing(System.nanoTime() - wall, cpuEnd - cpu, OS.getProcessCpuTime() - jvm);
        }

        /** Mean absolute sample of the last run's output: a silent decode shows here. */
        double level() {
            return lastSum / (source.seconds * outputRate);
        }

        long medianJvmCpu() {
            return median(timings.stream().mapToLong(Timing::jvmCpuNanos).toArray());
        }
    }

    /** A process, timed by the shell's {@code time} (millisecond figures from the child's resource usage). */
    private static final class ProcessRow extends Row {
        private final List<String> command;

        ProcessRow(Source source, String label, List<String> args) {
            super(source, label, List.of());
            this.command = new ArrayList<>(List.of("bash", "-c", "TIMEFORMAT='%3R %3U %3S'; time \"$@\"", "bash"));
            command.addAll(args);
        }

        @Override
        Timing runOnce() throws Exception {
            String[] lines = run(command).trim().split("\n");
            String[] f = lines[lines.length - 1].trim().split(" ");
            double wall = Double.parseDouble(f[0]);
            double cpu = Double.parseDouble(f[1]) + Double.parseDouble(f[2]);
            return new Timing(Math.round(wall * 1e9), Math.round(cpu * 1e9), -1);
        }
    }

    @FunctionalInterface
    interface DecodeTask {
        long run() throws Exception;
    }

    @Test
    void measure() throws Exception {
        String opusdecVersion = requireTools();
        Files.createDirectories(WORK);
        Path wav16 = WORK.resolve("speech-16k.wav");
        Path wav48 = WORK.resolve("speech-48k.wav");
        joinClips(wav16);
        run(List.of("sox", wav16.toString(), "-r", "48000", wav48.toString()));
        Source s16 = encode(wav16, "16 kHz", 16_000, 24);
        Source s48 = encode(wav48, "48 kHz", 48_000, 32);
        Path opusDecode = compileOpusDecode();
        say("Opus decode benchmark: " + machine(opusdecVersion) + "; " + ROUNDS + " rounds after one warm-up round");
        for (Source s : List.of(s16, s48)) {
            say(String.format(Locale.ROOT, "%s source: %.1f s of speech, %d packets of 20 ms, opusenc --bitrate %d, "
                    + "%d bytes; %s", s.name, s.seconds, s.packets.size(), s.kbps, Files.size(s.opus),
                    s.describeModes()));
        }
        if (opusDecode == null) {
            say("no C compiler or no libopus headers (apt-get install gcc libopus-dev pkg-config): "
                    + "libopus is timed as opusdec only");
        }

        List<Row> rows = new ArrayList<>();
        for (Source s : List.of(s16, s48)) {
            JavaRow full = new JavaRow(s, EARSHOT, 16_000, List.of(OPUSDEC_16K, OPUS_DECODE_16K),
                    () -> earshotPath(s));
            JavaRow at48 = new JavaRow(s, CONCENTUS_48K, 48_000, List.of(OPUSDEC_48K, OPUS_DECODE_48K),
                    () -> concentus(s, 48_000));
            JavaRow at16 = new JavaRow(s, CONCENTUS_16K, 16_000, List.of(OPUSDEC_16K, OPUS_DECODE_16K),
                    () -> concentus(s, 16_000));
            rows.addAll(List.of(full, at48, at16));
            rows.add(opusdec(s, OPUSDEC_16K, "16000"));
            rows.add(opusdec(s, OPUSDEC_48K, "48000"));
            if (opusDecode != null) {
                rows.add(new ProcessRow(s, OPUS_DECODE_16K,
                        List.of(opusDecode.toString(), s.packetFile.toString(), "16000")));
                rows.add(new ProcessRow(s, OPUS_DECODE_48K,
                        List.of(opusDecode.toString(), s.packetFile.toString(), "48000")));
            }
        }
        ProcessRow startUp = new ProcessRow(s16, "opusdec --version", List.of("opusdec", "--version"));

        // The throughput benchmark's server, when that ran first in this JVM, may still be up: say what it used.
        CpuMeter meter = CpuMeter.create();
        CpuMeter.Sample before = meter.sample();
        long started = System.nanoTime();
        for (Row r : rows) {
            r.runOnce();
        }
        for (int round = 1; round <= ROUNDS; round++) {
            for (Row r : rows) {
                r.measure();
            }
            startUp.measure();
            say("round " + round + " of " + ROUNDS + " done");
        }
        for (Row r : rows) {
            if (r instanceof JavaRow j && j.label.equals(CONCENTUS_16K)) {
                JavaRow at48 = (JavaRow) find(rows, j.source, CONCENTUS_48K);
                if (j.level() < 0.5 * at48.level()) {
                    j.note = String.format(Locale.ROOT, "Concentus decoded the %s source to silence at 16 kHz "
                            + "(mean absolute sample %.0f, against %.0f at 48 kHz): it does not decode hybrid "
                            + "packets below 48 kHz, so that row's figure is not a valid decode.", j.source.name,
                            j.level(), at48.level());
                }
            }
        }
        for (Row r : rows) {
            if (r instanceof JavaRow j) {
                say(String.format(Locale.ROOT, "%s source, %s: thread CPU %.3f s, whole JVM %.3f s, mean level %.0f",
                        j.source.name, j.label, j.medianCpu() / 1e9, j.medianJvmCpu() / 1e9, j.level()));
            }
        }
        List<String> resampling = List.of(resamplerFigure(48_000), resamplerFigure(44_100));
        double minutes = (System.nanoTime() - started) / 60e9;
        String otherLoad = meter.server().isEmpty() ? "" : String.format(Locale.ROOT, " The throughput "
                + "benchmark's Payara Micro was still running and used %s of a core meanwhile.",
                CpuMeter.between(before, meter.sample()).server());

        String report = report(rows, startUp, resampling, List.of(s16, s48), opusdecVersion, otherLoad, minutes);
        Files.writeString(Path.of("target/opus-decode-benchmark.md"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(report);
        System.out.println("(written to target/opus-decode-benchmark.md)");

        String missed = rows.stream().filter(r -> r.label.equals(EARSHOT) && r.realTime() < TARGET_X_REALTIME)
                .map(r -> String.format(Locale.ROOT, "%s source %.0f×", r.source.name, r.realTime()))
                .collect(Collectors.joining(", "));
        assertTrue(missed.isEmpty(), String.format(Locale.ROOT, "Earshot's Opus path decodes below the target of "
                + "%.0f× real time per core: %s", TARGET_X_REALTIME, missed));
    }

    /** Earshot's decoder exactly as a session uses it: Concentus at 48 kHz, then the converter to 16 kHz. */
    private static long earshotPath(Source s) throws Exception {
        long[] sum = new long[1];
        PcmSink sink = (samples, offset, length) -> {
            long acc = 0;
            for (int i = offset; i < offset + length; i++) {
                acc += Math.abs(samples[i]);
            }
            sum[0] += acc;
        };
        PacketDecoder decoder = AudioCodec.OPUS.newDecoder(s.inputRate, 1, sink);
        for (byte[] p : s.packets) {
            decoder.decode(p, 0, p.length);
        }
        decoder.finish();
        return sum[0];
    }

    /** Concentus alone, producing {@code rate} itself: no conversion to float, no resampling. */
    private static long concentus(Source s, int rate) throws Exception {
        OpusDecoder decoder = new OpusDecoder(rate, 1);
        short[] pcm = new short[rate * 120 / 1000];
        long sum = 0;
        for (byte[] p : s.packets) {
            int n = decoder.decode(p, 0, p.length, pcm, 0, pcm.length, false);
            for (int i = 0; i < n; i++) {
                sum += Math.abs(pcm[i]);
            }
        }
        return sum;
    }

    /** opusdec writing a WAV file, as it is normally used (it dithers the 16-bit output). */
    private static ProcessRow opusdec(Source s, String label, String rate) {
        String out = s.opus.getFileName().toString().replace(".opus", "-opusdec-" + rate + ".wav");
        return new ProcessRow(s, label, List.of("opusdec", "--quiet", "--rate", rate, s.opus.toString(),
                WORK.resolve(out).toString()));
    }

    /** The resampler alone, to 16 kHz, fed 20 ms blocks of noise (its cost does not depend on the signal). */
    private static String resamplerFigure(int inRate) {
        int block = inRate / 50;
        int blocks = 6_000;
        float[] in = new float[block];
        Random random = new Random(1);
        for (int i = 0; i < block; i++) {
            in[i] = random.nextFloat() - 0.5f;
        }
        long[] cpu = new long[ROUNDS + 1];
        int taps = 0;
        for (int round = 0; round <= ROUNDS; round++) {
            Resampler resampler = new Resampler(inRate, 16_000);
            taps = resampler.taps();
            float[] out = null;
            long t = THREADS.getCurrentThreadCpuTime();
            for (int b = 0; b < blocks; b++) {
                out = resampler.process(in, 0, block, out);
                blackhole += resampler.lastCount() > 0 ? out[0] : 0;
            }
            cpu[round] = THREADS.getCurrentThreadCpuTime() - t;
        }
        double seconds = median(Arrays.copyOfRange(cpu, 1, cpu.length)) / 1e9;
        double samples = (double) block * blocks;
        String line = String.format(Locale.ROOT,
                "| Resampler %s → 16 kHz (%d taps) | %.0f | %.3f | %.1f M | **%.0f×** |",
                khz(inRate), taps, samples / inRate, seconds, samples / seconds / 1e6, samples / inRate / seconds);
        say(line);
        return line;
    }

    private static void joinClips(Path wav) throws Exception {
        List<Path> clips;
        try (Stream<Path> list = Files.list(CLIPS)) {
            clips = list.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
        }
        List<String> join = new ArrayList<>(List.of("sox"));
        for (int i = 0; i < COPIES; i++) {
            clips.forEach(c -> join.add(c.toString()));
        }
        join.add(wav.toString());
        run(join);
    }

    /**
     * Encodes the WAV with opusenc in 20 ms frames and reads the packets back; also writes them length-prefixed
     * for the C program.
     */
    private static Source encode(Path wav, String name, int rate, int kbps) throws Exception {
        Path opus = WORK.resolve(wav.getFileName().toString().replace(".wav", ".opus"));
        run(List.of("opusenc", "--quiet", "--framesize", "20", "--bitrate", Integer.toString(kbps),
                wav.toString(), opus.toString()));
        List<byte[]> packets = oggPackets(Files.readAllBytes(opus));
        long samples = 0;
        Map<String, Integer> modes = new LinkedHashMap<>();
        ByteArrayOutputStream prefixed = new ByteArrayOutputStream();
        for (byte[] p : packets) {
            samples += OpusPacketInfo.getNumSamples(p, 0, p.length, 48_000);
            modes.merge(mode(p[0]), 1, Integer::sum);
            prefixed.write(p.length & 0xff);
            prefixed.write(p.length >> 8);
            prefixed.write(p, 0, p.length);
        }
        Path packetFile = WORK.resolve(wav.getFileName().toString().replace(".wav", ".packets"));
        Files.write(packetFile, prefixed.toByteArray());
        return new Source(name, rate, kbps, opus, packetFile, packets, samples / 48_000.0, modes);
    }

    /** Coding mode and audio bandwidth from an Opus packet's table-of-contents byte (RFC 6716, 3.1). */
    static String mode(byte toc) {
        int config = (toc & 0xff) >> 3;
        String[] silk = {"NB", "MB", "WB"};
        String[] celt = {"NB", "WB", "SWB", "FB"};
        if (config < 12) {
            return "SILK " + silk[config / 4];
        }
        if (config < 16) {
            return "hybrid " + (config < 14 ? "SWB" : "FB");
        }
        return "CELT " + celt[(config - 16) / 4];
    }

    /**
     * The packets of a single-stream Ogg file, in order, without the two header packets (OpusHead, OpusTags).
     * A packet is the concatenation of lacing segments up to one shorter than 255 bytes (RFC 3533).
     */
    static List<byte[]> oggPackets(byte[] file) {
        List<byte[]> packets = new ArrayList<>();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        int page = 0;
        while (page < file.length) {
            if (page + 27 > file.length || file[page] != 'O' || file[page + 1] != 'g' || file[page + 2] != 'g'
                    || file[page + 3] != 'S') {
                throw new IllegalStateException("No Ogg page at byte " + page);
            }
            int segments = file[page + 26] & 0xff;
            int data = page + 27 + segments;
            for (int i = 0; i < segments; i++) {
                int lacing = file[page + 27 + i] & 0xff;
                packet.write(file, data, lacing);
                data += lacing;
                if (lacing < 255) {
                    packets.add(packet.toByteArray());
                    packet.reset();
                }
            }
            page = data;
        }
        if (packets.size() < 3 || !new String(packets.get(0), 0, 8, StandardCharsets.US_ASCII).equals("OpusHead")) {
            throw new IllegalStateException("Not an Ogg Opus file");
        }
        return packets.subList(2, packets.size());
    }

    /** Builds the opus_decode program, or returns null when there is no C compiler or no libopus headers. */
    private static Path compileOpusDecode() throws InterruptedException {
        Path source = WORK.resolve("opus_decode.c");
        Path binary = WORK.resolve("opus_decode");
        try {
            Files.writeString(source, OPUS_DECODE_C, StandardCharsets.US_ASCII);
            List<String> command = new ArrayList<>(List.of("cc", "-O2", "-o", binary.toString(), source.toString()));
            command.addAll(List.of(run(List.of("pkg-config", "--cflags", "--libs", "opus")).trim().split("\\s+")));
            run(command);
            return binary;
        } catch (IOException e) {
            return null;
        }
    }

    private static String report(List<Row> rows, ProcessRow startUp, List<String> resampling, List<Source> sources,
            String opusdecVersion, String otherLoad, double minutes) {
        boolean plainApi = rows.stream().anyMatch(r -> r.label.equals(OPUS_DECODE_16K));
        StringBuilder md = new StringBuilder();
        md.append("# Opus decode benchmark, ")
                .append(OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE)).append("\n\n");
        md.append(String.format(Locale.ROOT, "%s.%s %d rounds after one warm-up round, %.1f min in all. Medians "
                + "over the rounds; × RT per core = audio seconds ÷ CPU seconds.%n%n", machine(opusdecVersion),
                otherLoad, ROUNDS, minutes));
        for (Source s : sources) {
            md.append(String.format(Locale.ROOT, "- %s source: %.1f s of speech, %d packets of 20 ms, "
                    + "`opusenc --framesize 20 --bitrate %d`; %s%n", s.name, s.seconds, s.packets.size(), s.kbps,
                    s.describeModes()));
        }
        md.append("\n| Source | Case | Audio s | Wall s | CPU s (median / best) | × RT per core | ÷ `opusdec`");
        md.append(plainApi ? " | ÷ `opus_decode` |\n|---|---|---:|---:|---:|---:|---:|---:|\n"
                : " |\n|---|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            List<String> ratios = new ArrayList<>();
            for (String other : r.comparedWith) {
                rows.stream().filter(o -> o.source == r.source && o.label.equals(other)).findFirst()
                        .ifPresent(o -> ratios.add(r.note.isEmpty() ? String.format(Locale.ROOT, "%.2f (%s)",
                                r.realTime() / o.realTime(), other.contains("16") ? "16 kHz" : "48 kHz") : "-"));
            }
            while (ratios.size() < (plainApi ? 2 : 1)) {
                ratios.add("");
            }
            String label = r instanceof ProcessRow ? "libopus: `" + r.label + "`"
                    : r.note.isEmpty() ? r.label : r.label + " (silent, see below)";
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.3f | %.3f / %.3f | **%.0f×** | %s |%n",
                    r.source.name, label, r.source.seconds, r.medianWall() / 1e9, r.medianCpu() / 1e9,
                    r.bestCpu() / 1e9, r.realTime(), String.join(" | ", ratios)));
        }
        rows.stream().filter(r -> !r.note.isEmpty()).forEach(r -> md.append('\n').append(r.note).append('\n'));
        md.append(String.format(Locale.ROOT, "%nProcess start-up (`opusdec --version`): %.3f s of CPU, included in "
                + "the libopus figures.%n", startUp.medianCpu() / 1e9));
        md.append("\n| Resampler alone | Audio s | CPU s | Input samples/s per core | × RT per core |\n"
                + "|---|---:|---:|---:|---:|\n");
        resampling.forEach(line -> md.append(line).append('\n'));
        md.append(String.format(Locale.ROOT, "%n| Target | Value | Met |%n|---|---:|---|%n"));
        for (Row r : rows) {
            if (r.label.equals(EARSHOT)) {
                md.append(String.format(Locale.ROOT,
                        "| Earshot path, %s source, ≥ %.0f× RT per core | %.0f× | %s |%n",
                        r.source.name, TARGET_X_REALTIME, r.realTime(),
                        r.realTime() >= TARGET_X_REALTIME ? "yes" : "**no**"));
            }
        }
        return md.toString();
    }

    /** Checks that sox and opus-tools are there; returns opusdec's version line. */
    private static String requireTools() throws InterruptedException {
        try {
            run(List.of("sox", "--version"));
            run(List.of("opusenc", "--version"));
            return run(List.of("opusdec", "--version")).lines().findFirst().orElse("opusdec").trim();
        } catch (IOException e) {
            fail("The Opus decode benchmark needs opusenc, opusdec (opus-tools) and sox: " + INSTALL + " ("
                    + e.getMessage() + ")");
            throw new AssertionError(e);
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + exit + ": " + out.trim());
        }
        return out;
    }

    private static String machine(String opusdecVersion) {
        return Bench.cores() + ", " + opusdecVersion;
    }

    private static Row find(List<Row> rows, Source source, String label) {
        return rows.stream().filter(r -> r.source == source && r.label.equals(label)).findFirst().orElseThrow();
    }

    private static String khz(int rate) {
        return rate % 1000 == 0 ? rate / 1000 + " kHz" : String.format(Locale.ROOT, "%.1f kHz", rate / 1000.0);
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

}
