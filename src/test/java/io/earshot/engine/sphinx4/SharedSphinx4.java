package io.earshot.engine.sphinx4;

import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import java.util.Map;

/**
 * The one started Sphinx4 engine (two recognizers) of the unit tests' JVM: loading one takes seconds of CPU, so
 * Sphinx4EngineTest and Sphinx4AlignTest share it instead of loading their own. It is closed when the JVM exits.
 */
final class SharedSphinx4 {

    private static Sphinx4Engine engine;

    private SharedSphinx4() {
    }

    static synchronized Sphinx4Engine engine() throws EngineException {
        if (engine == null) {
            Sphinx4Engine e = new Sphinx4Engine(EarshotConfig.from(Map.of("earshot.engine.threads", "2")));
            long t0 = System.nanoTime();
            e.start();
            System.out.printf("Sphinx4 engine loaded for the unit tests in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            Runtime.getRuntime().addShutdownHook(new Thread(e::close, "sphinx4-tests-close"));
            engine = e;
        }
        return engine;
    }
}
