/**
 * linux.seccomp → classic BPF, in Java (no libseccomp).
 * <ul>
 *   <li>{@link dev.hako.runtime.seccomp.SeccompCompiler#compile(dev.hako.oci.runtime.Linux.Seccomp, java.util.function.Consumer)}
 *       gives the executor's {@code SeccompPlan} (program bytes + SECCOMP_FILTER_FLAG_* + listener path);
 *       {@code validate} checks a config without compiling; both throw {@link dev.hako.runtime.seccomp.SeccompException}
 *       (a ConfigException) naming the field.
 *   <li>{@link dev.hako.runtime.seccomp.DefaultProfile} resolves Docker-format profiles (Docker's default is a
 *       resource; Podman's and user files work too) for a capability set into linux.seccomp.
 *   <li>Syscall tables: resources {@code syscalls/ARCH.tsv}, generated from the kernel headers by
 *       scripts/gen-seccomp-syscalls.sh.
 * </ul>
 */
package dev.hako.runtime.seccomp;
