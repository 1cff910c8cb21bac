package dev.hako.engine.attach;

import java.io.ByteArrayOutputStream;

/**
 * docker's --detach-keys: a comma-separated list of keys, each a single character or {@code ctrl-X} with X one of
 * a-z @ [ \ ] ^ _ (default {@code ctrl-p,ctrl-q}). {@link Matcher} scans the caller's stdin for the sequence.
 */
public record DetachKeys(byte[] sequence) {
    public static final String DEFAULT = "ctrl-p,ctrl-q";

    public static DetachKeys parse(String spec) {
        if (spec == null || spec.isEmpty()) spec = DEFAULT;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String key : spec.split(",", -1)) {
            String k = key.trim();
            if (k.length() == 1) {
                out.write(k.charAt(0));
            } else if (k.length() == 6 && k.regionMatches(true, 0, "ctrl-", 0, 5)) {
                char c = Character.toLowerCase(k.charAt(5));
                if (c >= 'a' && c <= 'z') out.write(c - 'a' + 1);
                else if ("@[\\]^_".indexOf(c) >= 0) out.write(c - '@');
                else throw new IllegalArgumentException("Unknown character: '" + k.charAt(5) + "'");
            } else {
                throw new IllegalArgumentException("Invalid detach keys (" + spec + ") provided");
            }
        }
        return new DetachKeys(out.toByteArray());
    }

    /**
     * Stateful scanner: bytes that start the sequence are held back; if the sequence breaks off they are passed
     * on with what follows (docker's escape proxy), if it completes the caller detaches.
     */
    public final class Matcher {
        private int matched;

        /** The bytes of {@code in[0..len)} to pass on to the container; {@link #detached()} once the sequence is complete. */
        public byte[] feed(byte[] in, int len) {
            ByteArrayOutputStream pass = new ByteArrayOutputStream(len + sequence.length);
            for (int i = 0; i < len && matched < sequence.length; i++) {
                byte b = in[i];
                if (b == sequence[matched]) {
                    matched++;
                } else {
                    pass.write(sequence, 0, matched);
                    matched = 0;
                    if (b == sequence[0]) matched = 1;
                    else pass.write(b);
                }
            }
            return pass.toByteArray();
        }

        public boolean detached() { return sequence.length > 0 && matched == sequence.length; }
    }

    public Matcher matcher() { return new Matcher(); }
}
