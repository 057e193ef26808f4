package io.earshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package boundaries of docs/architecture.md, read from the sources: a newcomer finds the owner of a behaviour
 * from the package names only while no package reaches back up into one that uses it.
 */
class PackageBoundariesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.earshot(?:\\.[a-z0-9]+)*)\\.[A-Z]");

    /** Package (without "io.earshot.") to the other Earshot packages its sources name. */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String pkg = SOURCES.relativize(f.getParent()).toString().replace('/', '.').replaceFirst("^io\\.earshot\\.?", "");
                Set<String> used = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(read(f));
                while (m.find()) {
                    String other = m.group(1).replaceFirst("^io\\.earshot\\.?", "");
                    if (!other.equals(pkg)) {
                        used.add(other);
                    }
                }
            });
        }
        return uses;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void packagesFormNoCycle() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            findCycle(start, start, uses, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
        }
        assertEquals(List.of(), cycles, "package cycles (each a -> b means a's sources name a class of b)");
    }

    private static void findCycle(String start, String at, Map<String, Set<String>> uses, List<String> path,
            Set<String> seen, List<String> cycles) {
        for (String next : uses.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (seen.add(next) && next.compareTo(start) > 0) {
                path.add(next);
                findCycle(start, next, uses, path, seen, cycles);
                path.remove(path.size() - 1);
            }
        }
    }

    @Test
    void theClientSpeaksOnlyTheWireProtocol() throws IOException {
        assertEquals(Set.of(), dependencies().getOrDefault("client", Set.of()),
                "the Java client ships without the server: it may use no other Earshot package");
    }

    @Test
    void restPlumbingImportsNoFeature() throws IOException {
        Set<String> used = dependencies().get("api");
        for (String feature : List.of("jobs", "stream", "ops")) {
            assertTrue(used.stream().noneMatch(p -> p.equals(feature) || p.startsWith(feature + ".")),
                    "api uses " + used + ": resources say which credential they take (@Credential), api never names them");
        }
    }

    @Test
    void theWireFormatKnowsNeitherSessionsNorConfiguration() throws IOException {
        Set<String> used = dependencies().get("protocol");
        assertTrue(used.isEmpty(), "protocol uses " + used + ": limits come in as arguments");
    }

    @Test
    void theEngineInterfaceKnowsNoImplementationNorPipeline() throws IOException {
        Set<String> used = dependencies().get("engine");
        assertTrue(used.stream().noneMatch(p -> p.startsWith("engine.") || p.equals("transcription")),
                "engine uses " + used);
    }

    @Test
    void onlyTheSphinx4PackageNamesSphinx4() throws IOException {
        List<String> outside = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.startsWith(SOURCES.resolve("io/earshot/engine/sphinx4")))
                    .filter(f -> read(f).contains("edu.cmu.sphinx"))
                    .forEach(f -> outside.add(SOURCES.relativize(f).toString()));
        }
        assertEquals(List.of(), outside);
    }

    @Test
    void everyPackageSaysWhatItOwns() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String pkg : dependencies().keySet()) {
            Path dir = SOURCES.resolve(("io.earshot" + (pkg.isEmpty() ? "" : "." + pkg)).replace('.', '/'));
            if (!Files.exists(dir.resolve("package-info.java"))) {
                missing.add(pkg);
            }
        }
        assertEquals(List.of(), missing, "packages without a package-info.java");
    }
}
