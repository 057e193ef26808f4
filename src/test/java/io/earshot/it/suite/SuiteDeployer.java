package io.earshot.it.suite;

import java.util.logging.Logger;
import org.jboss.arquillian.config.descriptor.api.ArquillianDescriptor;
import org.jboss.arquillian.config.descriptor.api.ExtensionDef;
import org.jboss.arquillian.container.spi.client.deployment.DeploymentScenario;
import org.jboss.arquillian.container.spi.event.DeployManagedDeployments;
import org.jboss.arquillian.container.spi.event.UnDeployManagedDeployments;
import org.jboss.arquillian.container.spi.event.container.BeforeStop;
import org.jboss.arquillian.container.test.impl.client.deployment.event.GenerateDeployment;
import org.jboss.arquillian.core.api.Event;
import org.jboss.arquillian.core.api.Instance;
import org.jboss.arquillian.core.api.InstanceProducer;
import org.jboss.arquillian.core.api.annotation.Inject;
import org.jboss.arquillian.core.api.annotation.Observes;
import org.jboss.arquillian.core.spi.EventContext;
import org.jboss.arquillian.test.spi.TestClass;
import org.jboss.arquillian.test.spi.annotation.ClassScoped;
import org.jboss.arquillian.test.spi.annotation.SuiteScoped;
import org.jboss.arquillian.test.spi.context.ClassContext;
import org.jboss.arquillian.test.spi.event.suite.BeforeSuite;

/**
 * Makes one deployment scenario for the whole test JVM and lets Arquillian deploy it once.
 *
 * <p>Arquillian generates a deployment scenario per test class (class scoped), deploys it before the class and
 * undeploys it after. Here, before the suite, the scenario of the configured deployment class is generated and
 * kept suite scoped; every class's own generation is skipped, so each class finds the suite's scenario (the same
 * deployment objects, so the same deployment context: the injected URL of the first deployment). The first
 * class's deploy goes ahead, the others' are skipped, and so are the undeploys after each class: the one undeploy
 * runs as the containers stop, after the last class.
 */
public class SuiteDeployer {

    private static final Logger LOG = Logger.getLogger(SuiteDeployer.class.getName());
    static final String EXTENSION = "suite-deployment";

    @Inject
    private Instance<ClassContext> classContext;

    @Inject
    @ClassScoped
    private InstanceProducer<DeploymentScenario> classScenario;

    @Inject
    @SuiteScoped
    private InstanceProducer<DeploymentScenario> suiteScenario;

    @Inject
    private Event<GenerateDeployment> generate;

    @Inject
    private Event<UnDeployManagedDeployments> undeploy;

    /** The class whose {@code @Deployment} is the suite's; null: the extension is off. */
    private Class<?> deploymentClass;
    /** Set while the suite's own scenario is generated (Arquillian fires events on one thread). */
    private boolean generating;
    private boolean deployed;
    private boolean undeploying;

    public void configure(@Observes ArquillianDescriptor descriptor) throws ClassNotFoundException {
        for (ExtensionDef e : descriptor.getExtensions()) {
            String name = e.getExtensionProperties().get("deploymentClass");
            if (e.getExtensionName().equals(EXTENSION) && name != null && !name.isBlank()) {
                deploymentClass = Class.forName(name.strip(), false, Thread.currentThread().getContextClassLoader());
                LOG.info(() -> "One deployment for all test classes: " + deploymentClass.getName());
            }
        }
    }

    /** After the containers have started (they observe BeforeSuite with the default precedence). */
    public void generateSuiteScenario(@Observes(precedence = -100) BeforeSuite event) {
        if (deploymentClass == null) {
            return;
        }
        classContext.get().activate(deploymentClass);
        try {
            generating = true;
            generate.fire(new GenerateDeployment(new TestClass(deploymentClass)));
            suiteScenario.set(classScenario.get());
        } finally {
            generating = false;
            classContext.get().deactivate();
        }
    }

    public void skipClassScenarios(@Observes EventContext<GenerateDeployment> event) {
        if (deploymentClass == null || generating) {
            event.proceed();
        }
    }

    public void deployOnce(@Observes EventContext<DeployManagedDeployments> event) {
        if (deploymentClass == null || !deployed) {
            deployed = true;
            event.proceed();
        }
    }

    public void keepDeployed(@Observes EventContext<UnDeployManagedDeployments> event) {
        if (deploymentClass == null || undeploying) {
            event.proceed();
        }
    }

    public void undeployAtStop(@Observes BeforeStop event) {
        if (deploymentClass == null || !deployed || undeploying) {
            return;
        }
        undeploying = true;
        try {
            undeploy.fire(new UnDeployManagedDeployments());
        } finally {
            undeploying = false;
            deployed = false;
        }
    }
}
