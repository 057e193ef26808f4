package io.earshot.bench;

import static io.earshot.bench.Bench.say;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.LibriVox;
import io.earshot.engine.Recognition;
import io.earshot.engine.Wer;
import io.earshot.engine.sphinx4.Sphinx4Engine;
import io.earshot.transcription.Segmenter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The transcription engine benchmark (run with {@code mvn -Pbench verify -Dit.test=EngineBenchmark}; it needs no
 * server): word error rate and real-time factor of the Sphinx4 engine on the five LibriVox clips of the test
 * resources (24.7 s, 71 reference words), each clip recognized whole, one stream at a time and two streams at
 * once on the engine's two recognizers (both cores busy), and once cut into utterances by the live path's
 * {@link Segmenter}.
 *
 * <p>By default it measures the configured engine: Earshot's defaults, or the {@code earshot.engine.sphinx4.*}
 * settings given as system properties. {@code bench.engine.setting} changes that setting, or names several
 * ({@link EngineSetting} describes the text), whose rounds then take turns. {@code bench.engine.grid} measures
 * {@link #GRID_BEAMS} ({@code beams}), {@link #GRID_WEIGHTS} ({@code weights}), both ({@code true}) or the settings
 * given, each applied to {@link #GRID_BASE}, more briefly: one timed round, no segmented pass. Every setting gets
 * freshly loaded recognizers; Sphinx4 reads its settings from system properties whenever a recognizer is loaded,
 * so one JVM measures them all.
 *
 * <p>A recognizer's result depends a little on what it decoded before (its cepstral mean normalization carries
 * over), so the word error rate is pooled over every timed pass. A real-time factor is a stream's decode time
 * (wall clock) over its audio's duration; the decoding threads' CPU time is given alongside. Before timing, the
 * JVM's first engine decodes every clip on both recognizers (for the JIT), every other engine one clip on each.
 * Figures are medians over {@code bench.engine.rounds} rounds (3). Before each round the benchmark waits, up to
 * {@code bench.engine.quiet-wait-s} (60 s), for a second in which other processes use at most
 * {@code bench.engine.max-other-load} cores (0.25), and repeats a round once if they used more during it. The
 * figures go to standard output and to {@code target/engine-benchmark.md} (grid:
 * {@code target/engine-benchmark-grid.md}, transcripts in {@code target/engine-benchmark-grid-transcripts.txt});
 * a missed target fails the test only with {@code bench.enforceTargets=true}.
 */
class EngineBenchmark {

    /** Two streams at once must each decode at this real-time factor or faster, leaving CPU for the server. */
    static final double TARGET_RTF_TWO_STREAMS = 0.7;

    /**
     * What the grid's settings are applied to: Earshot's defaults before this benchmark chose new ones, with
     * Sphinx4's stock weights. Fixed, so that a grid run later compares with the one in docs/benchmarks.md.
     */
    static final EngineSetting GRID_BASE = new EngineSetting(3_000, 1e-50, 50, 1e-40, 8.0, 0.1, 0.1, 1e-2);

    /** The beams with Sphinx4's stock weights, one or two at a time, then together (about 15 minutes). */
    static final String GRID_BEAMS = String.join(";",
            "abw=1000", "abw=2000", "base", "abw=5000", "abw=10000", "abw=20000",
            "awbw=20", "awbw=100", "awbw=200",
            "rbw=1e-40", "rbw=1e-60", "rbw=1e-80", "rwbw=1e-30", "rwbw=1e-60",
            "abw=4000,rbw=1e-60", "abw=4000,rbw=1e-60,awbw=100", "abw=5000,rbw=1e-60", "abw=5000,rbw=1e-60,awbw=100",
            "abw=10000,rbw=1e-60,awbw=200",
            // Sphinx4's stock search
            "abw=20000,rbw=1e-60,awbw=200");

    /** The language model's weights around the promising beams, then those beams again (about 15 minutes). */
    static final String GRID_WEIGHTS = String.join(";",
            "lw=6", "rbw=1e-60,lw=6", "rbw=1e-60,awbw=100,lw=5", "rbw=1e-60,awbw=100,lw=6", "rbw=1e-60,awbw=100,lw=7",
            "abw=4000,rbw=1e-60,awbw=100,lw=6", "abw=4000,rbw=1e-60,awbw=100,lw=10",
            "abw=4000,rbw=1e-60,awbw=100,lw=12",
            "abw=4000,rbw=1e-60,awbw=100,wip=0.01", "abw=4000,rbw=1e-60,awbw=100,wip=0.3",
            "abw=4000,rbw=1e-60,awbw=100,wip=1", "rbw=1e-60,awbw=100,lw=6,wip=0.3",
            "rbw=1e-60,awbw=100,lw=6,sip=0.01", "rbw=1e-60,awbw=100,lw=6,fip=0.1",
            "abw=1500,rbw=1e-60,awbw=100,lw=6", "abw=2000,rbw=1e-60,lw=6", "abw=2000,rbw=1e-60,awbw=100,lw=6",
            "abw=5000,rbw=1e-60,awbw=100,lw=6", "abw=20000,rbw=1e-60,awbw=200,lw=6");

    private static final int ROUNDS = Integer.getInteger("bench.engine.rounds", 3);
    private static final double MAX_OTHER_LOAD =
            Double.parseDouble(System.getProperty("bench.engine.max-other-load", "0.25"));
    private static final long QUIET_WAIT_S = Long.getLong("bench.engine.quiet-wait-s", 60);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final List<LibriVox.Clip> CLIPS = LibriVox.clips();
    private static final double AUDIO_SECONDS = CLIPS.stream().mapToDouble(LibriVox.Clip::seconds).sum();

    private final ExecutorService streams = Executors.newFixedThreadPool(2);
    private boolean jitWarm;
    /** Times a round is repeated when other processes load the machine: once, none in a grid. */
    private int retries = 1;

    /** One clip decoded: the transcript and how long it took. */
    record Decode(int clip, String text, long wallNanos, long cpuNanos) {
    }

    /** One stream's pass over the clips. */
    record Pass(List<Decode> decodes) {
        long wallNanos() {
            return decodes.stream().mapToLong(Decode::wallNanos).sum();
        }

        long cpuNanos() {
            return decodes.stream().mapToLong(Decode::cpuNanos).sum();
        }

        double rtf() {
            return wallNanos() / 1e9 / AUDIO_SECONDS;
        }

        double cpuRtf() {
            return cpuNanos() / 1e9 / AUDIO_SECONDS;
        }

        List<String> texts() {
            return decodes.stream().map(Decode::text).toList();
        }
    }

    /** One timed round: one pass, or two passes at once; and what the machine did meanwhile. */
    record Round(List<Pass> passes, double otherCores, double jvmCores) {
        /** The slower stream's real-time factor. */
        double rtf() {
            return passes.stream().mapToDouble(Pass::rtf).max().orElseThrow();
        }
    }

    /** Everything measured for one setting. */
    record Result(EngineSetting setting, double loadSeconds, List<Round> single, List<Round> concurrent,
            Pass segmented, int utterances) {

        Pass first() {
            return single.get(0).passes().get(0);
        }

        WordErrors errors(Pass pass) {
            WordErrors total = WordErrors.NONE;
            for (Decode d : pass.decodes()) {
                total = total.plus(WordErrors.of(CLIPS.get(d.clip()).reference(), d.text()));
            }
            return total;
        }

        /** Every pass's errors, pooled: a recognizer's result depends a little on what it decoded before. */
        WordErrors errors() {
            return allPasses().map(this::errors).reduce(WordErrors.NONE, WordErrors::plus);
        }

        /** "39.4 % (28.0 of 71 words, 27-30 in 9 passes)". */
        String wer() {
            WordErrors e = errors();
            int[] each = allPasses().mapToInt(p -> errors(p).errors()).toArray();
            return String.format(Locale.ROOT, "%.1f %% (%.1f of %d words, %d–%d in %d passes)", 100 * e.rate(),
                    e.errors() / (double) each.length, e.referenceWords() / each.length,
                    Arrays.stream(each).min().orElseThrow(), Arrays.stream(each).max().orElseThrow(), each.length);
        }

        /** Substitutions / deletions / insertions per pass. */
        String split() {
            WordErrors e = errors();
            double n = passes();
            return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", e.substitutions() / n, e.deletions() / n,
                    e.insertions() / n);
        }

        Stream<Pass> allPasses() {
            return Stream.concat(single.stream(), concurrent.stream()).flatMap(r -> r.passes().stream());
        }

        /** Passes whose transcripts differ from the first one's. */
        long unstable() {
            return allPasses().filter(p -> !p.texts().equals(first().texts())).count();
        }

        long passes() {
            return allPasses().count();
        }

        double singleRtf() {
            return median(single.stream().mapToDouble(Round::rtf).toArray());
        }

        double singleCpuRtf() {
            return median(single.stream().mapToDouble(r -> r.passes().get(0).cpuRtf()).toArray());
        }

        /** Median over the rounds of the slower stream's real-time factor. */
        double concurrentRtf() {
            return median(concurrent.stream().mapToDouble(Round::rtf).toArray());
        }

        double concurrentCpuRtf() {
            return median(concurrent.stream().mapToDouble(r -> r.passes().stream().mapToDouble(Pass::cpuRtf).max()
                    .orElseThrow()).toArray());
        }

        double otherCores() {
            return Stream.concat(single.stream(), concurrent.stream()).mapToDouble(Round::otherCores).max()
                    .orElse(0);
        }

        double singleJvmCores() {
            return median(single.stream().mapToDouble(Round::jvmCores).toArray());
        }

        double concurrentJvmCores() {
            return median(concurrent.stream().mapToDouble(Round::jvmCores).toArray());
        }
    }

    @Test
    void measure() throws Exception {
        String grid = System.getProperty("bench.engine.grid", "").trim();
        try {
            if (grid.isEmpty() || grid.equals("false")) {
                EngineSetting configured = EngineSetting.configured(EarshotConfig.fromEnvironment());
                List<EngineSetting> settings = EngineSetting.list(configured,
                        System.getProperty("bench.engine.setting", ""));
                measureSome(settings.isEmpty() ? List.of(configured) : settings);
            } else {
                String list = switch (grid) {
                    case "true" -> GRID_BEAMS + ";" + GRID_WEIGHTS;
                    case "beams" -> GRID_BEAMS;
                    case "weights" -> GRID_WEIGHTS;
                    default -> grid;
                };
                measureGrid(GRID_BASE, EngineSetting.list(GRID_BASE, list));
            }
        } finally {
            streams.shutdownNow();
        }
    }

    /** Measures the settings with interleaved rounds, so that a slow spell of the machine hits them all. */
    private void measureSome(List<EngineSetting> settings) throws Exception {
        say("Engine benchmark: " + machine() + "; " + ROUNDS + " rounds of " + settings.stream()
                .map(EngineSetting::toString).collect(Collectors.joining("; ")));
        long started = System.nanoTime();
        List<Result> results = run(settings, ROUNDS, true);
        double minutes = (System.nanoTime() - started) / 60e9;
        String report = report(results, minutes);
        Files.writeString(Path.of("target/engine-benchmark.md"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(report);
        System.out.println("(written to target/engine-benchmark.md)");
        if (Boolean.getBoolean("bench.enforceTargets")) {
            Result r = results.get(0);
            assertTrue(r.concurrentRtf() <= TARGET_RTF_TWO_STREAMS, String.format(Locale.ROOT,
                    "two streams at once decode at a real-time factor of %.2f, above the target of %.2f",
                    r.concurrentRtf(), TARGET_RTF_TWO_STREAMS));
        }
    }

    private void measureGrid(EngineSetting base, List<EngineSetting> settings) throws Exception {
        Path out = Path.of("target/engine-benchmark-grid.md");
        String head = String.format(Locale.ROOT, "Engine grid, %s: %s; base %s; one timed round per setting, each clip "
                + "whole.%n%n| Setting | Beams | lw | wip | WER | S / D / I | RTF 1 stream (CPU) | RTF 2 streams "
                + "(CPU) | JVM cores 1 / 2 streams | Other load | Stable |%n|---|---|---:|---:|---:|---|---:|---:|---:|---:|"
                + "---|%n", LocalDate.now(),
                machine(), base);
        Files.writeString(out, head, StandardCharsets.UTF_8);
        Path transcripts = Path.of("target/engine-benchmark-grid-transcripts.txt");
        Files.deleteIfExists(transcripts);
        say("Engine grid: " + settings.size() + " settings, base " + base);
        retries = 0;
        long started = System.nanoTime();
        for (EngineSetting s : settings) {
            Result r = run(List.of(s), 1, false).get(0);
            String row = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.2f (%.2f) | %.2f (%.2f) | %.2f "
                    + "/ %.2f | %.2f | %s |%n", s.difference(base), s.beams(), EngineSetting.number(s.languageWeight()),
                    EngineSetting.number(s.wordInsertionProbability()), r.wer(), r.split(),
                    r.singleRtf(), r.singleCpuRtf(), r.concurrentRtf(), r.concurrentCpuRtf(), r.singleJvmCores(),
                    r.concurrentJvmCores(), r.otherCores(),
                    r.unstable() == 0 ? "yes" : r.unstable() + " of " + r.passes() + " differ");
            Files.writeString(out, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            Files.writeString(transcripts, s + "\n  " + String.join("\n  ", r.first().texts()) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            say("grid " + row.trim());
        }
        say(String.format(Locale.ROOT, "grid done in %.1f min (written to %s, first-pass transcripts to %s)",
                (System.nanoTime() - started) / 60e9, out, transcripts));
    }

    /** Loads an engine for each setting, warms them up and measures them, taking turns round by round. */
    private List<Result> run(List<EngineSetting> settings, int rounds, boolean segmented) throws Exception {
        List<Sphinx4Engine> engines = new ArrayList<>();
        double[] loadSeconds = new double[settings.size()];
        try {
            for (int i = 0; i < settings.size(); i++) {
                settings.get(i).applyWeights();
                long loadStart = System.nanoTime();
                Sphinx4Engine engine = new Sphinx4Engine(settings.get(i).earshotConfig());
                engines.add(engine);
                engine.start();
                settings.get(i).checkApplied();
                loadSeconds[i] = (System.nanoTime() - loadStart) / 1e9;
            }
            for (Sphinx4Engine engine : engines) {
                twoStreams(engine, jitWarm ? List.of(1) : allClips());
                jitWarm = true;
            }
            System.gc();
            List<List<Round>> single = new ArrayList<>();
            List<List<Round>> concurrent = new ArrayList<>();
            for (int i = 0; i < settings.size(); i++) {
                single.add(new ArrayList<>());
                concurrent.add(new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < engines.size(); i++) {
                    Sphinx4Engine engine = engines.get(i);
                    Round r = timed(() -> List.of(pass(engine, allClips())));
                    single.get(i).add(r);
                    progress(round, "1 stream ", settings.get(i), r);
                }
                for (int i = 0; i < engines.size(); i++) {
                    Sphinx4Engine engine = engines.get(i);
                    Round r = timed(() -> twoStreams(engine, allClips()));
                    concurrent.get(i).add(r);
                    progress(round, "2 streams", settings.get(i), r);
                }
            }
            List<Result> results = new ArrayList<>();
            for (int i = 0; i < settings.size(); i++) {
                Pass cut = null;
                int utterances = 0;
                if (segmented) {
                    List<Decode> decodes = new ArrayList<>();
                    for (int c = 0; c < CLIPS.size(); c++) {
                        List<short[]> pieces = utterances(CLIPS.get(c).samples());
                        utterances += pieces.size();
                        decodes.add(decode(engines.get(i), c, pieces));
                    }
                    cut = new Pass(decodes);
                }
                Result r = new Result(settings.get(i), loadSeconds[i], single.get(i), concurrent.get(i), cut,
                        utterances);
                say(String.format(Locale.ROOT, "%s: WER %s, RTF one stream %.2f, two streams %.2f (load %.1f s, "
                        + "other load %.2f cores)", r.setting(), r.wer(), r.singleRtf(), r.concurrentRtf(),
                        r.loadSeconds(), r.otherCores()));
                results.add(r);
            }
            return results;
        } finally {
            engines.forEach(Sphinx4Engine::close);
        }
    }

    private static void progress(int round, String what, EngineSetting setting, Round r) {
        say(String.format(Locale.ROOT, "round %d, %s, %s: RTF %.2f (CPU %.2f), other load %.2f cores", round + 1, what,
                setting, r.rtf(), r.passes().stream().mapToDouble(Pass::cpuRtf).max().orElseThrow(), r.otherCores()));
    }

    @FunctionalInterface
    private interface Work {
        List<Pass> run() throws Exception;
    }

    /** Runs the work once the machine is quiet, and again if other processes loaded it meanwhile. */
    private Round timed(Work work) throws Exception {
        Round best = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            awaitQuiet();
            MachineLoad before = MachineLoad.now();
            List<Pass> passes = work.run();
            MachineLoad after = MachineLoad.now();
            Round r = new Round(passes, after.otherCoresSince(before), after.processCoresSince(before));
            if (best == null || r.otherCores < best.otherCores) {
                best = r;
            }
            if (!(r.otherCores > MAX_OTHER_LOAD) || attempt == retries) {
                break;
            }
            say(String.format(Locale.ROOT, "other processes used %.2f cores meanwhile: once more", r.otherCores));
        }
        return best;
    }

    /** Waits, {@code bench.engine.quiet-wait-s} at most, for a second in which other processes leave the cores. */
    private static void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + QUIET_WAIT_S * 1_000_000_000L;
        boolean said = false;
        while (true) {
            MachineLoad before = MachineLoad.now();
            Thread.sleep(1_000);
            double other = MachineLoad.now().otherCoresSince(before);
            if (!(other > MAX_OTHER_LOAD) || System.nanoTime() > deadline) {
                return;
            }
            if (!said) {
                say(String.format(Locale.ROOT, "other processes use %.2f cores: waiting up to %d s", other,
                        QUIET_WAIT_S));
                said = true;
            }
        }
    }

    /** Two streams, one per recognizer, decoding the same clips at the same time. */
    private List<Pass> twoStreams(Sphinx4Engine engine, List<Integer> clips) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<Pass>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(streams.submit(() -> {
                start.await();
                return pass(engine, clips);
            }));
        }
        List<Pass> passes = new ArrayList<>();
        for (Future<Pass> f : runs) {
            passes.add(f.get());
        }
        return passes;
    }

    private static Pass pass(Sphinx4Engine engine, List<Integer> clips) throws EngineException {
        List<Decode> decodes = new ArrayList<>();
        for (int c : clips) {
            decodes.add(decode(engine, c, List.of(CLIPS.get(c).samples())));
        }
        return new Pass(decodes);
    }

    /** Decodes one clip, whole or as utterances one after another, on the calling thread. */
    private static Decode decode(Sphinx4Engine engine, int clip, List<short[]> pieces) throws EngineException {
        long wall = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        List<String> texts = new ArrayList<>();
        for (short[] p : pieces) {
            for (Recognition r : engine.recognize(p, 0, p.length)) {
                texts.add(r.text());
            }
        }
        long cpuEnd = THREADS.getCurrentThreadCpuTime();
        return new Decode(clip, String.join(" ", texts), System.nanoTime() - wall, cpuEnd - cpu);
    }

    /** The clip cut as the live path cuts a stream, fed in 20 ms chunks. */
    private static List<short[]> utterances(short[] samples) {
        List<short[]> out = new ArrayList<>();
        Segmenter segmenter = new Segmenter(Segmenter.Settings.defaults(),
                (start, s, length) -> out.add(Arrays.copyOf(s, length)));
        for (int p = 0; p < samples.length; p += 320) {
            segmenter.accept(samples, p, Math.min(320, samples.length - p));
        }
        segmenter.finish();
        return out;
    }

    private static List<Integer> allClips() {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < CLIPS.size(); i++) {
            all.add(i);
        }
        return all;
    }

    private static String report(List<Result> results, double minutes) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Transcription engine benchmark, %s%n%n%s. %d timed rounds of each "
                + "phase after warm-up%s; figures are medians over the rounds. %.1f min in all.%n", LocalDate.now(),
                machine(), ROUNDS, results.size() > 1 ? ", the settings taking turns" : "", minutes));
        if (results.size() > 1) {
            md.append(String.format(Locale.ROOT, "%n| Setting | WER, clips whole | WER, segmented | RTF 1 stream (CPU) "
                    + "| RTF 2 streams (CPU) | Other load |%n|---|---:|---:|---:|---:|---:|%n"));
            for (Result r : results) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f (%.2f) | %.2f (%.2f) | %.2f |%n",
                        r.setting(), r.wer(), r.segmented() == null ? "-" : r.errors(r.segmented()).wer(), r.singleRtf(), r.singleCpuRtf(),
                        r.concurrentRtf(), r.concurrentCpuRtf(), r.otherCores()));
            }
        }
        for (Result r : results) {
            md.append("\n").append(report(r));
        }
        return md.toString();
    }

    private static String report(Result r) {
        EngineSetting s = r.setting();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## %s%n%nSphinx4 with beams %s (absolute / relative / absolute word / "
                + "relative word), language weight %s, word insertion probability %s, silence %s, filler %s.%n%n", s,
                s.beams(), EngineSetting.number(s.languageWeight()), EngineSetting.number(s.wordInsertionProbability()),
                EngineSetting.number(s.silenceInsertionProbability()),
                EngineSetting.number(s.fillerInsertionProbability())));
        md.append("| Clip | Audio s | Words | Errors whole, mean of passes | RTF 1 stream | RTF 2 streams (A / B) |");
        md.append(r.segmented() == null ? "" : " Errors segmented |").append(" Transcript, first pass |\n");
        md.append("|---|---:|---:|---:|---:|---:|").append(r.segmented() == null ? "" : "---:|").append("---|\n");
        for (int c = 0; c < CLIPS.size(); c++) {
            LibriVox.Clip clip = CLIPS.get(c);
            int index = c;
            double errors = r.allPasses().mapToInt(p -> WordErrors.of(clip.reference(), p.decodes().get(index).text())
                    .errors()).average().orElseThrow();
            double single = median(r.single().stream().mapToDouble(x -> clipRtf(x.passes().get(0), index)).toArray());
            double a = median(r.concurrent().stream().mapToDouble(x -> clipRtf(x.passes().get(0), index)).toArray());
            double b = median(r.concurrent().stream().mapToDouble(x -> clipRtf(x.passes().get(1), index)).toArray());
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %d | %.1f | %.2f | %.2f / %.2f |",
                    clip.id().substring(clip.id().lastIndexOf('-') + 1), clip.seconds(), Wer.words(clip.reference())
                    .size(), errors, single, a, b));
            if (r.segmented() != null) {
                md.append(" ").append(WordErrors.of(clip.reference(), r.segmented().decodes().get(c).text()).errors())
                        .append(" |");
            }
            md.append(" ").append(r.first().decodes().get(c).text()).append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "%n| Figure | Value |%n|---|---|%n"));
        md.append(String.format(Locale.ROOT, "| WER, each clip whole, all passes | **%s**; S / D / I per pass %s |%n",
                r.wer(), r.split()));
        if (r.segmented() != null) {
            WordErrors cut = r.errors(r.segmented());
            md.append(String.format(Locale.ROOT, "| WER, cut by the live path's segmenter (%d utterances) | %s; "
                    + "S / D / I %s; RTF %.2f |%n", r.utterances(), cut.wer(), cut.split(), r.segmented().rtf()));
        }
        md.append(String.format(Locale.ROOT, "| RTF, one stream (wall; CPU) | **%.2f**; %.2f |%n", r.singleRtf(),
                r.singleCpuRtf()));
        md.append(String.format(Locale.ROOT, "| RTF, two streams at once, slower stream (wall; CPU) | **%.2f**; %.2f "
                + "(target ≤ %.2f) |%n", r.concurrentRtf(), r.concurrentCpuRtf(), TARGET_RTF_TWO_STREAMS));
        md.append(String.format(Locale.ROOT, "| This JVM's CPU while two streams decode | %.2f cores |%n",
                r.concurrentJvmCores()));
        md.append(String.format(Locale.ROOT, "| Other processes' CPU, busiest round | %.2f cores |%n", r.otherCores()));
        md.append(String.format(Locale.ROOT, "| Transcripts the same in every pass | %s |%n", r.unstable() == 0 ? "yes"
                : r.unstable() + " of " + r.passes() + " passes differ"));
        md.append(String.format(Locale.ROOT, "| Loading the engine (2 recognizers) | %.1f s |%n", r.loadSeconds()));
        return md.toString();
    }

    private static double clipRtf(Pass p, int clip) {
        return p.decodes().get(clip).wallNanos() / 1e9 / CLIPS.get(clip).seconds();
    }

    private static String machine() {
        return Bench.cores() + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB";
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

}
