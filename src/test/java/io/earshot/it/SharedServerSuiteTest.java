package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.platform.suite.api.SelectClasses;

/**
 * Every integration test class that shares the server (extends {@link EarshotDeployment}) runs once, in
 * {@link SharedServerIT}: the suite selects it and failsafe's excludes in pom.xml name it, so that it neither
 * goes untested nor runs a second time in the other test JVM, on a deployment of its own.
 */
class SharedServerSuiteTest {

    private static Set<String> sharedServerClasses() throws IOException, ClassNotFoundException {
        Set<String> names = new TreeSet<>();
        Path dir = Path.of("target/test-classes/io/earshot/it");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith("IT.class")).toList()) {
                String simple = f.getFileName().toString().replace(".class", "");
                Class<?> c = Class.forName("io.earshot.it." + simple, false, SharedServerSuiteTest.class.getClassLoader());
                if (EarshotDeployment.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) {
                    names.add(simple);
                }
            }
        }
        return names;
    }

    @Test
    void theSuiteSelectsEverySharedServerClass() throws Exception {
        Set<String> selected = Arrays.stream(SharedServerIT.class.getAnnotation(SelectClasses.class).value())
                .map(Class::getSimpleName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(sharedServerClasses(), selected);
    }

    @Test
    void failsafeRunsThemOnlyInTheSuite() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String failsafe = pom.substring(pom.indexOf("<artifactId>maven-failsafe-plugin</artifactId>\n        <configuration>"));
        String excludes = failsafe.substring(failsafe.indexOf("<excludes>"), failsafe.indexOf("</excludes>"));
        Matcher m = Pattern.compile("<exclude>\\*\\*/(\\w+)\\.java</exclude>").matcher(excludes);
        Set<String> excluded = new TreeSet<>();
        while (m.find()) {
            excluded.add(m.group(1));
        }
        assertEquals(sharedServerClasses(), excluded);
        assertEquals(List.of(), excluded.stream().filter(n -> n.equals("SharedServerIT")).toList());
    }
}
