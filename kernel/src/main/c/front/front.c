/*
 * hako-front (and hako-cli-front, the same source built with -DHAKO_CLI): what bin/hako-runtime (bin/hako) runs. A JVM start per runc-style command costs ~0.2 s, so the commands
 * run in a warm JVM, the runtime service (runtime/.../service/RuntimeService.java), and this program only
 * carries them there and back:
 *
 *   1. connect to the service's path socket (SOCK_SEQPACKET) in a 0700 directory, named by a build id
 *      (the jar, the executor and this binary), so a rebuilt tree never talks to an old service; start the
 *      service if none answers (one starter at a time: flock);
 *   2. send argv, cwd, env and fds 0/1/2 (SCM_RIGHTS);
 *   3. serve the service's requests: "spawn" the executor as OUR child (podman and conmon are subreapers
 *      and expect the container to descend from the runtime they ran), "wait" for it;
 *   4. exit with the code of "exit".
 *
 * Whenever the service can't be used before it acknowledged the request, this execs the plain JVM CLI
 * (bin/hako-runtime with HAKO_RUNTIME_SERVICE=0), so nothing is worse than without the service.
 *
 * Messages are NUL-terminated fields. Client -> service: "hako-runtime/1" cwd umask argc argv... envc env...
 * (+ fds 0,1,2). Service -> client: "ack"; "spawn" path closeFrom argc argv... nactions
 * (target kind fd)... (+ the LOCAL fds in order; kind L = the n-th sent fd, N = /dev/null, C = our own fd);
 * "wait" pid; "exit" code. Client replies: "pid" n | "status" s | "error" errno. The umask (octal) is ours: the
 * service's own stays 022 whoever it serves, so files it creates for us get our mode bits explicitly.
 *
 * The CLI (`hako`, magic "hako/1") also sends a 4th fd: the read end of a pipe. The service may ask
 * "catch" signo (docker's sig-proxy, SIGWINCH): from then on each such signal is written to that pipe as one
 * byte instead of taking its default action. Signals never caught keep their default: if one kills us, the
 * service sees the hang-up and stops the command, as if the plain JVM had been killed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifdef HAKO_CLI
#define PROG "hako"
#define SELF_SUFFIX "/kernel/target/native/hako-cli-front"
#define LAUNCHER "/bin/hako"
#define JAR "/cli/target/hako-cli.jar"
#define LIB_DIR "/cli/target/lib"
#define MODE_VAR "HAKO_SERVICE"          /* 0: never the service */
#define SERVE_VAR "HAKO_SERVE"           /* tells the launcher to start the service on this socket */
#define IDLE_VAR "HAKO_SERVICE_IDLE"
#define DIR_VAR "HAKO_SERVICE_DIR"
#define TIMEOUT_VAR "HAKO_SERVICE_START_TIMEOUT"
#define SOCK_PREFIX "cli-"
#define MAGIC "hako/1"
#define SIGNAL_PIPE 1
#define ASYNC_START 1   /* a missing service is started for the NEXT command; this one runs in the plain JVM */
#else
#define PROG "hako-runtime"
#define SELF_SUFFIX "/kernel/target/native/hako-front"
#define LAUNCHER "/bin/hako-runtime"
#define JAR "/runtime/target/hako-runtime.jar"
#define LIB_DIR "/runtime/target/lib"
#define MODE_VAR "HAKO_RUNTIME_SERVICE"
#define SERVE_VAR "HAKO_RUNTIME_SERVE"
#define IDLE_VAR "HAKO_RUNTIME_SERVICE_IDLE"
#define DIR_VAR "HAKO_RUNTIME_SERVICE_DIR"
#define TIMEOUT_VAR "HAKO_RUNTIME_SERVICE_START_TIMEOUT"
#define SOCK_PREFIX "runtime-"
#define MAGIC "hako-runtime/1"
#define SIGNAL_PIPE 0
#define ASYNC_START 0   /* podman runs several commands per container at once: they wait for the one service */
#endif
#define DEFAULT_DIR "/run/hako/service"
#define MAX_MSG (256 * 1024)
#define MAX_FDS 64
#define HIGH_FD 1024 /* our own fds live up here, out of the way of the caller's fds 3.. (--preserve-fds) */

static char repo[PATH_MAX - 256];   /* room for the file names appended to it */
static int trace;
static struct timespec t0;

static double elapsed_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6;
}

static void note(const char *what) {
    if (trace) fprintf(stderr, PROG " front-end: %s (%.1f ms)\n", what, elapsed_ms());
}

/* The plain JVM CLI: today's path, and the fallback whenever the service can't be used. */
static void plain(char **argv) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s" LAUNCHER, repo);
    setenv(MODE_VAR, "0", 1);
    argv[0] = path;
    execv(path, argv);
    fprintf(stderr, PROG ": exec %s: %s\n", path, strerror(errno));
    exit(1);
}

/* Moves fd up to HIGH_FD or above (close-on-exec), so it never collides with a caller fd. */
static int move_high(int fd) {
    if (fd < 0 || fd >= HIGH_FD) return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD);
    if (h < 0) return fd;
    close(fd);
    return h;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
    return h;
}

/* Identity of the code the service would run: a rebuilt jar, executor or front-end gives a new id. */
static int build_id(char *out, size_t size) {
    const char *files[] = {JAR, "/kernel/target/native/hako-executor", SELF_SUFFIX};
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%s%s", repo, files[i]);
        if (stat(p, &st) != 0) return -1;
        int64_t v[5] = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size, (int64_t) st.st_ino, (int64_t) st.st_dev};
        h = fnv(h, v, sizeof v);
    }
    /* the jars on the jar's Class-Path (kernel, oci, jackson, ...) */
    char lib[PATH_MAX];
    snprintf(lib, sizeof lib, "%s" LIB_DIR, repo);
    DIR *d = opendir(lib);
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) != 0) continue;
        int64_t v[4] = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size, (int64_t) st.st_ino};
        h = fnv(fnv(h, e->d_name, strlen(e->d_name)), v, sizeof v);
    }
    closedir(d);
    h = fnv(h, repo, strlen(repo));
    snprintf(out, size, "%016llx", (unsigned long long) h);
    return 0;
}

/* The socket directory: created 0700, and used only if it is a real directory of ours that nobody else can enter. */
static int safe_dir(const char *dir) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {   /* parents as `mkdir -p`; they must exist or be creatable */
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0711) != 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (lstat(p, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

static int connect_to(const char *path) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(sa.sun_path, path);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (connect(s, (struct sockaddr *) &sa, sizeof sa) != 0) {
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    return move_high(s);
}

/*
 * Starts the service (bin/hako-runtime with HAKO_RUNTIME_SERVE=<socket>) in its own session with /dev/null
 * as stdio and a plain environment, and waits until its socket answers. One starter at a time: the others
 * wait on the lock and then find it running.
 *
 * ASYNC_START (the CLI): nobody waits. The starter's lock goes with the service, held as long as it lives, and
 * whoever finds it locked and no socket answering runs its command in the plain JVM meanwhile; so does the
 * starter. A first command is then no slower than without the service (a JVM start and its JIT warm-up would
 * be ~2 s before it ran), and the next ones are served warm.
 */
static int start_service(const char *dir, const char *sock, const char *id) {
    char lock[PATH_MAX];
    snprintf(lock, sizeof lock, "%s/" SOCK_PREFIX "%s.lock", dir, id);
    int lk = move_high(open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (lk < 0 || flock(lk, ASYNC_START ? LOCK_EX | LOCK_NB : LOCK_EX) != 0) {
        if (ASYNC_START && lk >= 0 && errno == EWOULDBLOCK) note("the service is starting");
        if (lk >= 0) close(lk);
        return -1;
    }
    int s = connect_to(sock);
    if (s >= 0) { close(lk); return s; }
    note("starting the service");
    unlink(sock);   /* a dead service's socket */
    int rep[2];
    if (pipe2(rep, O_CLOEXEC) != 0) { close(lk); return -1; }
    pid_t cpid = getpid();
    pid_t pid = fork();
    if (pid < 0) { close(lk); close(rep[0]); close(rep[1]); return -1; }
    if (pid == 0) {
        /*
         * The service must not stay in the caller's process tree: conmon is a subreaper and waits for every
         * descendant before it exits. So it is an orphan (this child leaves at once), and it runs only if
         * that made it init's: under a subreaper the caller gets the plain JVM this time.
         */
        setsid();
        cpid = getpid();
        pid_t g = fork();
        if (g != 0) _exit(g < 0);
        for (int i = 0; i < 20000 && getppid() == cpid; i++) {
            struct timespec d = {0, 50 * 1000};
            nanosleep(&d, NULL);
        }
        if (getppid() != 1) {
            if (write(rep[1], "S", 1) < 0) _exit(2);
            _exit(1);
        }
        char report[32];
        int rl = snprintf(report, sizeof report, "P%d", getpid());
        if (write(rep[1], report, rl) != rl) _exit(2);
        /* no directory of the caller's stays pinned (a bundle, a mount point); a umask of its own, not one caller's */
        if (chdir("/") != 0) _exit(2);
        umask(022);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
        int keepfd = fcntl(rep[1], F_DUPFD_CLOEXEC, 3);
        int lockfd = ASYNC_START && keepfd >= 0 ? fcntl(lk, F_DUPFD, keepfd + 1) : -1;   /* inherited by the service */
        closefrom(lockfd >= 0 ? lockfd + 1 : keepfd >= 0 ? keepfd + 1 : 3);   /* nothing of the caller's (conmon's sync pipes, --preserve-fds) may live on */
        for (int fd = 3; fd < keepfd; fd++) close(fd);
        for (int fd = keepfd + 1; fd < lockfd; fd++) close(fd);
        const char *keep[] = {"JAVA_HOME", IDLE_VAR, NULL};
        char *env[8];
        int n = 0;
        static char buf[4][PATH_MAX + 64];
        snprintf(buf[0], sizeof buf[0], SERVE_VAR "=%s", sock);
        env[n++] = buf[0];
        env[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (int i = 0; keep[i]; i++) {
            const char *v = getenv(keep[i]);
            if (v && strlen(v) < PATH_MAX) { snprintf(buf[1 + i], sizeof buf[1 + i], "%s=%s", keep[i], v); env[n++] = buf[1 + i]; }
        }
        env[n] = NULL;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s" LAUNCHER, repo);
        char *args[] = {path, NULL};
        execve(path, args, env);
        if (write(keepfd, "E", 1) < 0) _exit(127);
        _exit(127);
    }
    (void) cpid;
    close(rep[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) { }
    /* "S": under a subreaper; "P<pid>": exec'ing the service; "P<pid>E": that failed. EOF at the exec. */
    char report[64];
    size_t got = 0;
    for (ssize_t r; got < sizeof report - 1 && (r = read(rep[0], report + got, sizeof report - 1 - got)) != 0;) {
        if (r < 0) { if (errno == EINTR) continue; break; }
        got += r;
    }
    report[got] = 0;
    close(rep[0]);
    if (report[0] != 'P' || strchr(report, 'E')) {
        note(report[0] == 'S' ? "not starting the service under a subreaper" : "the service did not start");
        close(lk);
        return -1;
    }
    if (ASYNC_START) {   /* the service holds the lock now; it answers the next command */
        close(lk);
        return -1;
    }
    int service = (int) syscall(SYS_pidfd_open, atoi(report + 1), 0);
    const char *t = getenv(TIMEOUT_VAR);
    double limit = (t && atof(t) > 0 ? atof(t) : 30) * 1000;
    double start = elapsed_ms();
    s = -1;
    while (elapsed_ms() - start < limit) {
        s = connect_to(sock);
        if (s >= 0) break;
        if (service >= 0) {   /* readable once the service process has exited: no JDK, no jar, ... */
            struct pollfd p = {service, POLLIN, 0};
            if (poll(&p, 1, 3) > 0) break;
        } else {
            struct timespec d = {0, 3 * 1000 * 1000};
            nanosleep(&d, NULL);
        }
    }
    if (service >= 0) close(service);
    close(lk);
    return s;
}

/* The fields of a message: NUL-terminated strings. */
static int split(char *buf, size_t len, char **f, int max) {
    int n = 0;
    size_t i = 0;
    while (i < len && n < max) {
        f[n++] = buf + i;
        size_t l = strnlen(buf + i, len - i);
        if (i + l == len) return -1;   /* unterminated */
        i += l + 1;
    }
    return i == len ? n : -1;
}

static int send_fields(int s, const char *a, long b) {
    char msg[64];
    int n = snprintf(msg, sizeof msg, "%s%c%ld", a, 0, b);
    return send(s, msg, n + 1, MSG_NOSIGNAL) == n + 1 ? 0 : -1;
}

/* "spawn": posix_spawn as dev.hako.kernel.exec.Spawn does it, with the fds the service sent and our own. */
static void do_spawn(int s, char **f, int nf, int *fds, int nfds) {
    int i = 1, err = EINVAL;
    pid_t pid = -1;
    int tmp[MAX_FDS * 2], ntmp = 0;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    if (nf < 4) goto out;
    const char *path = f[i++];
    int close_from = atoi(f[i++]);
    int argc = atoi(f[i++]);
    if (argc < 1 || argc > 64 || i + argc >= nf) goto out;
    char *argv[66];
    for (int k = 0; k < argc; k++) argv[k] = f[i++];
    argv[argc] = NULL;
    int nact = atoi(f[i++]);
    if (nact < 0 || nact > MAX_FDS || i + 3 * nact != nf) goto out;
    for (int k = 0; k < nact; k++) {
        int target = atoi(f[i]);
        char kind = f[i + 1][0];
        int arg = atoi(f[i + 2]);
        i += 3;
        if (kind == 'N') {
            posix_spawn_file_actions_addopen(&fa, target, "/dev/null", O_RDWR, 0);
            continue;
        }
        int src;
        if (kind == 'L') {
            if (arg < 0 || arg >= nfds) goto out;
            src = fds[arg];
        } else if (kind == 'C') {
            src = arg;
        } else {
            goto out;
        }
        /* above every target first, so no dup2 clobbers a later source */
        int d = fcntl(src, F_DUPFD_CLOEXEC, close_from);
        if (d < 0) { err = errno; goto out; }
        tmp[ntmp++] = d;
        posix_spawn_file_actions_adddup2(&fa, d, target);
    }
    posix_spawn_file_actions_addclosefrom_np(&fa, close_from);
    sigset_t empty, full;
    sigemptyset(&empty);
    sigfillset(&full);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &full);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *env[] = {NULL};
    err = posix_spawn(&pid, path, &fa, &attr, argv, env);
out:
    for (int k = 0; k < ntmp; k++) close(tmp[k]);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (err == 0) send_fields(s, "pid", pid);
    else send_fields(s, "error", err);
}

static void do_wait(int s, char **f, int nf) {
    if (nf != 2) { send_fields(s, "error", EINVAL); return; }
    pid_t pid = atoi(f[1]);
    int st, r;
    do r = waitpid(pid, &st, 0); while (r < 0 && errno == EINTR);
    if (r < 0) send_fields(s, "error", errno);
    else send_fields(s, "status", st);
}

/* The write end of the signal pipe (CLI only): caught signals go there, one byte each. */
static int signal_pipe = -1;

static void forward_signal(int sig) {
    int e = errno;
    unsigned char b = (unsigned char) sig;
    if (write(signal_pipe, &b, 1) < 0) { /* full or gone: nothing a handler can do */ }
    errno = e;
}

/* "catch" signo: forward it to the service from now on. */
static void do_catch(char **f, int nf) {
    int sig = nf == 2 ? atoi(f[1]) : 0;
    if (signal_pipe < 0 || sig <= 0 || sig >= 65 || sig == SIGKILL || sig == SIGSTOP) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* Sends the request; 0, or -1 when the service can't take it (then nothing ran). */
static int send_request(int s, int argc, char **argv) {
    static char buf[MAX_MSG];
    size_t n = 0;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return -1;
#define PUT(str) do { size_t l_ = strlen(str) + 1; if (n + l_ > sizeof buf) return -1; memcpy(buf + n, str, l_); n += l_; } while (0)
    char num[32];
    PUT(MAGIC);
    PUT(cwd);
    mode_t mask = umask(0);   /* read it the only way there is; single-threaded, so nothing is created meanwhile */
    umask(mask);
    snprintf(num, sizeof num, "%04o", (unsigned) mask);
    PUT(num);
    snprintf(num, sizeof num, "%d", argc - 1);
    PUT(num);
    for (int i = 1; i < argc; i++) PUT(argv[i]);
    int envc = 0;
    for (char **e = environ; *e; e++) envc++;
    snprintf(num, sizeof num, "%d", envc);
    PUT(num);
    for (char **e = environ; *e; e++) PUT(*e);
#undef PUT
    int fds[3 + SIGNAL_PIPE], opened[4] = {-1, -1, -1, -1};
    for (int i = 0; i < 3; i++) {
        fds[i] = i;
        if (fcntl(i, F_GETFD) < 0) fds[i] = opened[i] = open("/dev/null", O_RDWR | O_CLOEXEC);   /* a closed stdio fd */
    }
#if SIGNAL_PIPE
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    fcntl(p[1], F_SETFL, O_NONBLOCK);   /* a handler never blocks: a signal the service is too slow for is dropped */
    fds[3] = opened[3] = move_high(p[0]);
    if (signal_pipe >= 0) close(signal_pipe);
    signal_pipe = move_high(p[1]);
#endif
    struct iovec iov = {buf, n};
    char ctl[CMSG_SPACE(sizeof fds)];
    memset(ctl, 0, sizeof ctl);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t r = sendmsg(s, &m, MSG_NOSIGNAL);
    for (int i = 0; i < 4; i++) if (opened[i] >= 0) close(opened[i]);
    return r == (ssize_t) n ? 0 : -1;
}

/*
 * Runs the command through the service on socket s. Returns only when the service closed the connection
 * without acknowledging the request (it was going away): the caller may try again.
 */
static void converse(int s) {
    static char buf[MAX_MSG];
    int acked = 0;
    for (;;) {
        int fds[MAX_FDS], nfds = 0;
        char ctl[CMSG_SPACE(sizeof fds)];
        struct iovec iov = {buf, sizeof buf};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
        ssize_t n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (int j = 0; j < k && nfds < MAX_FDS; j++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof fd);
                fds[nfds++] = move_high(fd);
            }
        }
        if (n <= 0) {
            if (!acked) { close(s); return; }
            fprintf(stderr, PROG ": lost the connection to the " PROG " service%s%s\n",
                    n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
            exit(1);
        }
        char *f[MAX_FDS * 3 + 80];
        int nf = split(buf, n, f, sizeof f / sizeof f[0]);
        if (nf < 1 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            fprintf(stderr, PROG ": bad message from the " PROG " service\n");
            exit(1);
        }
        if (strcmp(f[0], "ack") == 0) {
            acked = 1;
            note("acknowledged");
        } else if (strcmp(f[0], "exit") == 0 && nf == 2) {
            note("done");
            exit(atoi(f[1]));
        } else if (strcmp(f[0], "spawn") == 0) {
            do_spawn(s, f, nf, fds, nfds);
        } else if (strcmp(f[0], "wait") == 0) {
            do_wait(s, f, nf);
        } else if (strcmp(f[0], "catch") == 0) {
            do_catch(f, nf);
        } else {
            fprintf(stderr, PROG ": unknown request %s from the " PROG " service\n", f[0]);
            exit(1);
        }
        for (int j = 0; j < nfds; j++) close(fds[j]);
    }
}

int main(int argc, char **argv) {
    clock_gettime(CLOCK_MONOTONIC, &t0);
    trace = getenv("HAKO_TRACE_TIMING") != NULL;
    ssize_t l = readlink("/proc/self/exe", repo, sizeof repo - 1);
    size_t sl = strlen(SELF_SUFFIX);
    if (l <= (ssize_t) sl || strcmp(repo + l - sl, SELF_SUFFIX) != 0) {
        fprintf(stderr, PROG ": %s is not at <repo>%s\n", l > 0 ? repo : "this program", SELF_SUFFIX);
        return 1;
    }
    repo[l - sl] = 0;
    const char *mode = getenv(MODE_VAR);
    if (mode && strcmp(mode, "0") == 0) plain(argv);
    if (geteuid() != 0) plain(argv);   /* the service and its directory are root's */

    const char *dir = getenv(DIR_VAR);
    if (!dir || dir[0] != '/') dir = DEFAULT_DIR;
    char id[32], sock[PATH_MAX];
    if (build_id(id, sizeof id) != 0 || safe_dir(dir) != 0) { note("no usable service directory"); plain(argv); }
    snprintf(sock, sizeof sock, "%s/" SOCK_PREFIX "%s.sock", dir, id);
    for (int attempt = 0; attempt < 2; attempt++) {
        int s = connect_to(sock);
        if (s < 0 && (errno == ENOENT || errno == ECONNREFUSED)) s = start_service(dir, sock, id);
        if (s < 0) break;
        note("connected");
        if (send_request(s, argc, argv) != 0) { close(s); break; }
        converse(s);   /* returns only if the service went away before taking the request */
    }
    note("falling back to the plain JVM");
    plain(argv);
}
