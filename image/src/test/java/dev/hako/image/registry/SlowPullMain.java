package dev.hako.image.registry;

import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.Reference;
import dev.hako.oci.image.Descriptor;

import java.nio.file.Path;
import java.util.List;

/** Child-JVM entry for KillDuringPullTest: a deliberately slow pull (args: storeDir registryHost reference). */
public final class SlowPullMain {
    public static void main(String[] args) {
        RegistriesConf conf = RegistriesConf.parse("[[registry]]\nlocation = \"" + args[1] + "\"\ninsecure = true\n", "child");
        try (RegistryClient c = RegistryClient.builder().registries(conf).certsDirs(List.of()).build()) {
            c.pull(Reference.parse(args[2]), null, ContentStore.open(Path.of(args[0])), new ProgressListener() {
                @Override public void blobProgress(Descriptor blob, long done) {
                    try { Thread.sleep(10); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                }
            });
        }
        System.out.println("finished");
    }
}
