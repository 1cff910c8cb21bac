package dev.hako.kernel.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.security.MessageDigestSpi;
import java.security.Provider;
import java.security.ProviderException;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * SHA-256 and SHA-512 from the system's OpenSSL (libcrypto.so.3) through FFM, as a JCA provider. The JDK's own
 * digests are as fast only once C2 has compiled them (their SHA-NI intrinsics are C2's): in a command's JVM or a
 * young CLI service, hashing the 450 MB of a 300 MB pull took 5 CPU-s instead of 0.3. OpenSSL's assembly is fast
 * from the first call, and the bytes go from the Java array to it without a copy (a "critical" downcall).
 *
 * <p>Not installed in the JVM: hako's digest code asks for it by name (found through {@link java.util.ServiceLoader}).
 * Without libcrypto it has no services, and the JDK's are used.
 */
public final class OpenSslProvider extends Provider {
    public static final String NAME = "HakoOpenSSL";

    public OpenSslProvider() {
        super(NAME, "1", "SHA-256 and SHA-512 from OpenSSL's libcrypto through FFM");
        if (Lib.AVAILABLE) {
            putService(new DigestService(this, "SHA-256", () -> new Spi(Lib.SHA256, 32)));
            putService(new DigestService(this, "SHA-512", () -> new Spi(Lib.SHA512, 64)));
        }
    }

    /** Creates the SPI directly (no reflection on a class name). */
    private static final class DigestService extends Provider.Service {
        private final Supplier<MessageDigestSpi> factory;

        DigestService(Provider p, String algorithm, Supplier<MessageDigestSpi> factory) {
            super(p, "MessageDigest", algorithm, Spi.class.getName(), null, null);
            this.factory = factory;
        }

        @Override
        public Object newInstance(Object constructorParameter) { return factory.get(); }
    }

    /** The libcrypto bindings; AVAILABLE is false when the library or a symbol is missing. */
    private static final class Lib {
        static final boolean AVAILABLE;
        static final MemorySegment SHA256, SHA512;   // EVP_MD*, fetched once
        static MethodHandle ctxNew, ctxFree, init, update, finish, copy;

        static {
            boolean ok = false;
            MemorySegment s256 = MemorySegment.NULL, s512 = MemorySegment.NULL;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup crypto = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
                Linker.Option critical = Linker.Option.critical(true);   // heap arrays passed as they are
                MethodHandle fetch = linker.downcallHandle(crypto.findOrThrow("EVP_MD_fetch"),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
                ctxNew = linker.downcallHandle(crypto.findOrThrow("EVP_MD_CTX_new"), FunctionDescriptor.of(ADDRESS));
                ctxFree = linker.downcallHandle(crypto.findOrThrow("EVP_MD_CTX_free"), FunctionDescriptor.ofVoid(ADDRESS));
                init = linker.downcallHandle(crypto.findOrThrow("EVP_DigestInit_ex"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical);
                update = linker.downcallHandle(crypto.findOrThrow("EVP_DigestUpdate"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), critical);
                finish = linker.downcallHandle(crypto.findOrThrow("EVP_DigestFinal_ex"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical);
                copy = linker.downcallHandle(crypto.findOrThrow("EVP_MD_CTX_copy_ex"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), critical);
                try (Arena a = Arena.ofConfined()) {
                    s256 = (MemorySegment) fetch.invokeExact(MemorySegment.NULL, a.allocateFrom("SHA256"), MemorySegment.NULL);
                    s512 = (MemorySegment) fetch.invokeExact(MemorySegment.NULL, a.allocateFrom("SHA512"), MemorySegment.NULL);
                }
                ok = !s256.equals(MemorySegment.NULL) && !s512.equals(MemorySegment.NULL);
            } catch (Throwable t) {
                // no libcrypto.so.3 (or an older one without EVP_MD_fetch): the JDK's digests
            }
            SHA256 = s256;
            SHA512 = s512;
            AVAILABLE = ok;
        }
    }

    private static final Cleaner CLEANER = Cleaner.create();

    /** One EVP_MD_CTX, freed when the digest object is collected. Not thread-safe, like any MessageDigest. */
    private static final class Spi extends MessageDigestSpi implements Cloneable {
        private final MemorySegment md;
        private final int length;
        private MemorySegment ctx;

        Spi(MemorySegment md, int length) {
            this.md = md;
            this.length = length;
            adopt(newContext());
            engineReset();
        }

        private static MemorySegment newContext() {
            try {
                MemorySegment c = (MemorySegment) Lib.ctxNew.invokeExact();
                if (c.equals(MemorySegment.NULL)) throw new ProviderException("EVP_MD_CTX_new: out of memory");
                return c;
            } catch (ProviderException e) {
                throw e;
            } catch (Throwable t) {
                throw new ProviderException("EVP_MD_CTX_new", t);
            }
        }

        private void adopt(MemorySegment c) {
            ctx = c;
            long address = c.address();   // the action must not hold this object
            CLEANER.register(this, () -> {
                try {
                    Lib.ctxFree.invokeExact(MemorySegment.ofAddress(address));
                } catch (Throwable t) {
                    // nothing to do in a cleaner
                }
            });
        }

        @FunctionalInterface
        private interface Call {
            int invoke() throws Throwable;
        }

        /** Runs a libcrypto call that returns 1 on success. */
        private static void call(String name, Call c) {
            int r;
            try {
                r = c.invoke();
            } catch (Throwable t) {
                throw new ProviderException(name, t);
            }
            if (r != 1) throw new ProviderException(name + " failed");
        }

        @Override
        protected void engineUpdate(byte input) { engineUpdate(new byte[] {input}, 0, 1); }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len == 0) return;
            java.util.Objects.checkFromIndexSize(offset, len, input.length);
            MemorySegment bytes = MemorySegment.ofArray(input).asSlice(offset, len);
            call("EVP_DigestUpdate", () -> (int) Lib.update.invokeExact(ctx, bytes, (long) len));
        }

        @Override
        protected byte[] engineDigest() {
            byte[] out = new byte[length];
            call("EVP_DigestFinal_ex", () -> (int) Lib.finish.invokeExact(ctx, MemorySegment.ofArray(out),
                    MemorySegment.ofArray(new int[1])));
            engineReset();   // MessageDigest.digest() leaves the digest ready for new input
            return out;
        }

        @Override
        protected void engineReset() {
            call("EVP_DigestInit_ex", () -> (int) Lib.init.invokeExact(ctx, md, MemorySegment.NULL));
        }

        @Override
        protected int engineGetDigestLength() { return length; }

        @Override
        public Object clone() throws CloneNotSupportedException {
            Spi c = (Spi) super.clone();
            MemorySegment copy = newContext();
            c.adopt(copy);
            call("EVP_MD_CTX_copy_ex", () -> (int) Lib.copy.invokeExact(copy, ctx));
            return c;
        }
    }
}
