package io.earshot.it;

import org.junit.platform.suite.api.SelectClasses;
import org.junit.platform.suite.api.Suite;

/**
 * The integration tests that share one server (those extending {@link EarshotDeployment}), run in this order in one
 * test JVM, while the classes with servers of their own run in the other (pom.xml). TranscriptionIT comes first, on
 * the engine fresh from the boot: its resume test compares two sessions' utterance boundaries, and Sphinx4's
 * recognizers adapt to what they heard before. Failsafe does not run these classes on their own (pom.xml lists them
 * in its excludes, {@code SharedServerSuiteTest} checks that both lists name every such class), except when one is
 * named with {@code -Dit.test}.
 */
@Suite
@SelectClasses({TranscriptionIT.class, StreamResilienceIT.class, StreamProtocolIT.class, SmokeIT.class, JobsIT.class,
    ClientIT.class, AudioPathIT.class})
public class SharedServerIT {
}
