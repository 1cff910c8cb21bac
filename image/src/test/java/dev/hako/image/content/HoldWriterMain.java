package dev.hako.image.content;

import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Child-JVM entry for ContentStoreProcessTest: writes half a blob, waits for a go-file, finishes. Args: store goFile size seed. */
public final class HoldWriterMain {
    public static void main(String[] args) throws Exception {
        byte[] c = ContentStoreProcessTest.content(Integer.parseInt(args[2]), Long.parseLong(args[3]));
        ContentStore s = ContentStore.open(Path.of(args[0]));
        try (BlobWriter w = s.writer(new Descriptor("x", Digest.sha256(c), c.length))) {
            w.write(c, 0, c.length / 2);
            System.out.println("locked");
            System.out.flush();
            while (!Files.exists(Path.of(args[1]))) Thread.sleep(10);
            w.write(c, c.length / 2, c.length - c.length / 2);
            w.commit();
        }
        System.out.println("committed");
    }
}
