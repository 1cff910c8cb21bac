#!/usr/bin/env python3
"""One runtime's lifecycle loop: N times create + start + wait for exit + delete of one bundle.

Acts like conmon: it is a child subreaper, so the container's init is re-parented to it and reaped here.
The wait uses a pidfd (works whether or not the init became our child). Prints one line per iteration:
the wall time in milliseconds. Usage: loop.py N ROOT BUNDLE RUNTIME [RUNTIME-ARGS...]
"""
import ctypes
import os
import select
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main():
    n, root, bundle = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    runtime = sys.argv[4:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    pidfile = os.path.join(root, "bench.pid")
    prefix = "bench-%d-" % os.getpid()
    for i in range(n):
        cid = prefix + str(i)
        t0 = time.perf_counter_ns()
        run(runtime + ["--root", root, "create", "--bundle", bundle, "--pid-file", pidfile, cid])
        with open(pidfile) as f:
            pid = int(f.read().strip())
        pidfd = os.pidfd_open(pid)
        run(runtime + ["--root", root, "start", cid])
        select.select([pidfd], [], [])        # readable once the init has exited
        os.close(pidfd)
        try:
            os.waitpid(pid, 0)                # reap it if it was re-parented to us
        except ChildProcessError:
            pass
        run(runtime + ["--root", root, "delete", cid])
        t1 = time.perf_counter_ns()
        print("%.3f" % ((t1 - t0) / 1e6), flush=True)
    # Reap anything else that was re-parented to us.
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def run(argv):
    # stderr to a file, not a pipe: the container's init inherits the runtime's stdio and keeps it open.
    with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "hako-bench-%d.err" % os.getpid()), "w+") as err:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        if p.returncode != 0:
            err.seek(0)
            sys.exit("%s failed (exit %d): %s" % (" ".join(argv), p.returncode, err.read().strip()))


if __name__ == "__main__":
    main()
