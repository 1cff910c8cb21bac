package dev.hako.kernel.crypto;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenSSL's digests through FFM give the JDK's results for every way MessageDigest is fed. */
class OpenSslProviderTest {
    private static final OpenSslProvider PROVIDER = new OpenSslProvider();

    @Test
    void libcryptoIsThere() throws Exception {
        assertThat(PROVIDER.getService("MessageDigest", "SHA-256")).as("libcrypto.so.3 loaded").isNotNull();
        assertThat(java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256", PROVIDER).digest("abc".getBytes())))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void sameResultsAsTheJdkForSlicesSingleBytesResetAndClone() throws Exception {
        Random random = new Random(42);
        for (String alg : new String[] {"SHA-256", "SHA-512"}) {
            MessageDigest ours = MessageDigest.getInstance(alg, PROVIDER), jdk = MessageDigest.getInstance(alg);
            for (int size : new int[] {0, 1, 55, 64, 127, 1000, 1 << 20}) {
                byte[] data = new byte[size + 10];
                random.nextBytes(data);
                ours.update(data, 5, size);
                jdk.update(data, 5, size);
                ours.update((byte) 7);
                jdk.update((byte) 7);
                MessageDigest copy = (MessageDigest) ours.clone();
                byte[] expected = jdk.digest();
                assertThat(ours.digest()).as(alg + " of " + size + " bytes").isEqualTo(expected);
                assertThat(copy.digest()).as("a clone continues from where it was made").isEqualTo(expected);
                // digest() reset both: the next round starts from empty
            }
            ours.update(new byte[] {1, 2, 3}, 0, 3);
            ours.reset();
            assertThat(ours.digest()).isEqualTo(MessageDigest.getInstance(alg).digest());
            assertThat(ours.getDigestLength()).isEqualTo(jdk.getDigestLength());
        }
    }
}
