package dev.hako.oci.runtime;

import java.util.List;

public record Process(
        Boolean terminal,
        ConsoleSize consoleSize,
        User user,
        List<String> args,
        String commandLine,
        List<String> env,
        String cwd,
        Capabilities capabilities,
        List<Rlimit> rlimits,
        Boolean noNewPrivileges,
        String apparmorProfile,
        Integer oomScoreAdj,
        String selinuxLabel,
        IoPriority ioPriority,
        Scheduler scheduler,
        ExecCPUAffinity execCPUAffinity) {

    public boolean isTerminal() { return Boolean.TRUE.equals(terminal); }
    public boolean isNoNewPrivileges() { return Boolean.TRUE.equals(noNewPrivileges); }

    public record ConsoleSize(int height, int width) {}

    public record User(Integer uid, Integer gid, Integer umask, List<Integer> additionalGids, String username) {
        public int uidOrRoot() { return uid == null ? 0 : uid; }
        public int gidOrRoot() { return gid == null ? 0 : gid; }
    }

    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
                               List<String> permitted, List<String> ambient) {}

    public record Rlimit(String type, long hard, long soft) {}

    /** CPU lists ("0-3,7"): initial before the process joins the container's cgroup, final after. */
    public record ExecCPUAffinity(String initial, @com.fasterxml.jackson.annotation.JsonProperty("final") String finalCpus) {}

    public record IoPriority(@com.fasterxml.jackson.annotation.JsonProperty("class") String clazz, int priority) {}

    public record Scheduler(String policy, Integer nice, Integer priority, List<String> flags,
                            Long runtime, Long deadline, Long period) {}

    public Process withArgs(List<String> a) {
        return new Process(terminal, consoleSize, user, a, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity);
    }
}
