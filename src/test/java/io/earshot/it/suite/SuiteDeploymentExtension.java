package io.earshot.it.suite;

import org.jboss.arquillian.core.spi.LoadableExtension;

/**
 * Registers {@link SuiteDeployer}: with it, every Arquillian test class of a test JVM shares one deployment, made
 * once before the first class and removed when the containers stop, instead of one deployment (on Payara Micro,
 * one server boot) per class. It uses only Arquillian's own events, so it works with any container adapter. It is
 * on only where arquillian.xml names the deployment, in {@code <extension qualifier="suite-deployment">} with the
 * property {@code deploymentClass}: the class whose static {@code @Deployment} method makes the archive.
 */
public final class SuiteDeploymentExtension implements LoadableExtension {

    @Override
    public void register(ExtensionBuilder builder) {
        builder.observer(SuiteDeployer.class);
    }
}
