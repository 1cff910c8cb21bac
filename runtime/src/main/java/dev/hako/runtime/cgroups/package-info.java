/**
 * cgroup management for the OCI runtime (cgroupfs driver; the systemd driver is not supported).
 *
 * <p>Entry point: {@link dev.hako.runtime.cgroups.CgroupManager#forHost(String, String)} with
 * linux.cgroupsPath and the container id. It detects the host layout
 * ({@link dev.hako.runtime.cgroups.CgroupLayout}: v1, v2 or hybrid) and returns the matching
 * manager. Building a manager touches nothing, so every command can rebuild it.
 *
 * <pre>
 *   CgroupManager cg = CgroupManager.forHost(linux.cgroupsPath(), id);
 *   cg.create();                                                    // before the init runs
 *   cg.apply(CgroupManager.withEffectiveDevices(linux.resources(), linux)); // runc's device list
 *   cg.addProcess(initPid);                                         // before the init execs
 *   List&lt;Path&gt; join = cg.procsFiles();                            // exec: executor writes its pid to each
 *   cg.freeze(); cg.thaw(); cg.isFrozen();                          // pause / resume / state
 *   cg.apply(newResources);                                         // update
 *   cg.stats().runcJson();                                          // events --stats "data"
 *   cg.pids(); cg.killAll(signal);                                  // ps, kill --all
 *   cg.destroy(true);                                               // delete / failed create
 * </pre>
 *
 * <p>Failures are {@link dev.hako.runtime.cgroups.CgroupException}s naming the step, the file and
 * the errno: {@code write /sys/fs/cgroup/cpu/hako/c1/cpu.cfs_quota_us: EINVAL (Invalid argument), value "500"}.
 */
package dev.hako.runtime.cgroups;
