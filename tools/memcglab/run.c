// SPDX-License-Identifier: GPL-2.0
/*
 * `memcglab run`: supervise a program under a memory limit on the real memory
 * controller, the way container supervisors do. Creates the group, sets the
 * limit, starts CMD inside it (the child writes itself into cgroup.procs
 * before exec), lets its output stream through, reports the group's peak
 * usage, tells an OOM kill from the group's own counter (memory.events
 * oom_kill on v2, memory.oom_control oom_kill on v1) rather than from the
 * signal, restarts on failure when asked, and removes the group on exit and on
 * SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memcglab.h"
#include "target.h"

/* Exit status when `run` itself fails (as env(1) and timeout(1) use 125). */
#define EXIT_RUN_FAILED 125

/*
 * The one piece of mutable state outside the CLI options: the signal that
 * asked us to stop. A handler may only set a volatile sig_atomic_t.
 */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* When to start CMD again (--restart=WHEN); keep restart_names[] in step. */
enum run_restart { RESTART_NO, RESTART_ON_OOM, RESTART_ON_FAILURE, RESTART_ALWAYS };

static const char *const restart_names[] = {
	[RESTART_NO] = "no",
	[RESTART_ON_OOM] = "on-oom",
	[RESTART_ON_FAILURE] = "on-failure",
	[RESTART_ALWAYS] = "always",
};

/*
 * systemd's resource-control properties (-p NAME=VALUE) and the file each
 * maps to, as systemd writes them on the unified hierarchy; on v1 only
 * MemoryMax (memory.limit_in_bytes, what systemd's MemoryLimit= writes).
 */
enum run_prop { PROP_MAX, PROP_HIGH, PROP_SWAP_MAX, PROP_LOW, PROP_MIN, NR_PROPS };

static const struct {
	const char *name;
	const char *file;
} run_props[NR_PROPS] = {
	[PROP_MAX] = { "MemoryMax", "memory.max" },
	[PROP_HIGH] = { "MemoryHigh", "memory.high" },
	[PROP_SWAP_MAX] = { "MemorySwapMax", "memory.swap.max" },
	[PROP_LOW] = { "MemoryLow", "memory.low" },
	[PROP_MIN] = { "MemoryMin", "memory.min" },
};

struct run_opts {
	bool v1;
	uint64_t limit;
	bool no_swap;
	enum run_restart restart;
	bool prop_set[NR_PROPS];
	uint64_t prop[NR_PROPS];
	unsigned int max_restarts;
	unsigned int backoff_ms;
	const char *group;
	char **argv;
};

static uint64_t oom_kill_count(const struct cg_hier *h, const char *dir)
{
	struct tgt_stats st = { 0 };

	if (cg_stats(h, dir, &st))
		return 0;
	return st.oom_kill;
}

static void sleep_interruptible(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	/* nanosleep returns early on SIGINT/SIGTERM: we stop then. */
	while (!stop_signal && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Kill whatever is left in the group so that it can be removed. */
static void kill_group(const struct cg_hier *h, const char *dir)
{
	char path[PATH_MAX + 32], buf[4096], *p, *end;

	if (!h->v1) {
		tgt_fmt(path, sizeof(path), "%s/cgroup.kill", dir);
		if (!mlab_write(path, "1"))
			return;
	}
	tgt_fmt(path, sizeof(path), "%s/cgroup.procs", dir);
	for (int round = 0; round < 20; round++) {
		if (mlab_read(path, buf, sizeof(buf)) <= 0)
			return;
		for (p = buf; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
		}
		usleep(10000);
	}
}

static pid_t start_child(const char *dir, char **argv, char *err, size_t errlen)
{
	char procs[PATH_MAX + 32];
	int fds[2], msg[2];	/* what failed in the child: 0 join, 1 exec; errno */
	pid_t pid;
	ssize_t n;

	/* The child reports a failed join or exec through a close-on-exec pipe. */
	if (pipe2(fds, O_CLOEXEC)) {
		tgt_fmt(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		tgt_fmt(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		tgt_fmt(procs, sizeof(procs), "%s/cgroup.procs", dir);
		msg[0] = 0;
		msg[1] = -mlab_write(procs, "0");
		if (!msg[1]) {
			if (opts.json)
				dup2(STDERR_FILENO, STDOUT_FILENO); /* keep stdout JSON */
			execvp(argv[0], argv);
			msg[0] = 1;
			msg[1] = errno;
		}
		if (write(fds[1], msg, sizeof(msg)) < 0)
			_exit(127);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg));
	close(fds[0]);
	if (n == sizeof(msg)) {
		waitpid(pid, NULL, 0);
		if (msg[0])
			tgt_fmt(err, errlen, "exec %s: %s", argv[0], strerror(msg[1]));
		else
			tgt_fmt(err, errlen, "%s/cgroup.procs: %s", dir, strerror(msg[1]));
		return -1;
	}
	return pid;
}

struct run_result {
	int status;
	bool oom;
	uint64_t peak;
};

static int parse_restart(const char *s, enum run_restart *r)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(restart_names); i++) {
		if (!strcmp(s, restart_names[i])) {
			*r = (enum run_restart)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* NAME=VALUE, VALUE a size (K/M/G/T as systemd, base 1024) or "infinity". */
static int parse_prop(const struct cmd *self, const char *arg, struct run_opts *o)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : 0;

	for (int p = 0; p < NR_PROPS; p++) {
		if (!eq || strlen(run_props[p].name) != len ||
		    strncmp(arg, run_props[p].name, len))
			continue;
		if (!strcmp(eq + 1, "infinity"))
			o->prop[p] = TGT_UNLIMITED;
		else if (parse_size(eq + 1, &o->prop[p], false))
			return cmd_usage_error(self, "-p %s: bad size '%s'", run_props[p].name,
					       eq + 1);
		o->prop_set[p] = true;
		return 0;
	}
	return cmd_usage_error(self, "-p '%s': not one of MemoryMax=, MemoryHigh=, "
			       "MemorySwapMax=, MemoryLow=, MemoryMin=", arg);
}

/* The -p properties other than MemoryMax (which is the limit), v2 only. */
static int set_props(const struct run_opts *o, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], val[32];

	for (int p = PROP_HIGH; p < NR_PROPS; p++) {
		if (!o->prop_set[p])
			continue;
		tgt_fmt(path, sizeof(path), "%s/%s", dir, run_props[p].file);
		if (o->prop[p] == TGT_UNLIMITED)
			tgt_fmt(val, sizeof(val), "max");
		else
			tgt_fmt(val, sizeof(val), "%llu", (unsigned long long)o->prop[p]);
		int ret = mlab_write(path, val);

		if (ret) {
			tgt_fmt(err, errlen, "%s (%s=): %s", path, run_props[p].name,
				strerror(-ret));
			return -1;
		}
	}
	return 0;
}

/* Does this run's end call for another one? */
static bool want_restart(enum run_restart r, const struct run_result *rr)
{
	switch (r) {
	case RESTART_ON_OOM:
		return rr->oom && WIFSIGNALED(rr->status) && WTERMSIG(rr->status) == SIGKILL;
	case RESTART_ON_FAILURE:
		return !WIFEXITED(rr->status) || WEXITSTATUS(rr->status);
	case RESTART_ALWAYS:
		return true;
	default:
		return false;
	}
}

static int parse_run_args(const struct cmd *self, int argc, char **argv,
			  struct run_opts *o)
{
	uint64_t v;
	bool have_limit = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--v1")) {
			o->v1 = true;
		} else if (!strcmp(a, "--v2")) {
			o->v1 = false;
		} else if (!strcmp(a, "--no-swap")) {
			o->no_swap = true;
		} else if (!strcmp(a, "--restart")) {
			o->restart = RESTART_ON_OOM;
		} else if (!strncmp(a, "--restart=", 10)) {
			if (parse_restart(a + 10, &o->restart))
				return cmd_usage_error(self, "bad --restart '%s' (on-oom, on-failure, always, no)",
						       a + 10);
		} else if (!strcmp(a, "--limit") && val) {
			if (parse_size(val, &o->limit, true))
				return cmd_usage_error(self, "bad size '%s'", val);
			have_limit = true;
			i++;
		} else if (!strcmp(a, "-p") && val) {
			if (parse_prop(self, val, o))
				return 2;
			if (o->prop_set[PROP_MAX]) {
				o->limit = o->prop[PROP_MAX];
				have_limit = true;
			}
			i++;
		} else if (!strcmp(a, "--max-restarts") && val) {
			if (parse_u64(val, &v) || v > 1000000)
				return cmd_usage_error(self, "bad count '%s'", val);
			o->max_restarts = (unsigned int)v;
			i++;
		} else if (!strcmp(a, "--backoff") && val) {
			if (parse_u64(val, &v) || v > 3600000)
				return cmd_usage_error(self, "bad milliseconds '%s'", val);
			o->backoff_ms = (unsigned int)v;
			i++;
		} else if (!strcmp(a, "--group") && val) {
			if (!*val || strstr(val, "..") || val[0] == '/')
				return cmd_usage_error(self, "bad group name '%s'", val);
			o->group = val;
			i++;
		} else {
			return cmd_usage_error(self, "unexpected argument '%s'", a);
		}
	}
	if (!have_limit)
		return cmd_usage_error(self, "missing --limit SIZE (or -p MemoryMax=SIZE)");
	for (int p = 0; p < NR_PROPS; p++)
		if (o->v1 && p != PROP_MAX && o->prop_set[p])
			return cmd_usage_error(self, "%s has no cgroup v1 file", run_props[p].name);
	if (i >= argc)
		return cmd_usage_error(self, "missing -- CMD [ARGS]");
	o->argv = argv + i;
	return 0;
}

static void print_run(unsigned int n, pid_t pid, const struct run_result *r)
{
	print_open_obj(NULL);
	print_u64(PRINT_ANY, "run", "memcglab run: run %llu", n);
	print_s64(PRINT_ANY, "pid", " (pid %lld)", pid);
	if (WIFEXITED(r->status)) {
		print_s64(PRINT_ANY, "exit_code", " exited with status %lld", WEXITSTATUS(r->status));
	} else if (WIFSIGNALED(r->status)) {
		print_s64(PRINT_ANY, "signal", " killed by signal %lld", WTERMSIG(r->status));
		print_str(PRINT_TEXT, NULL, " (%s)", strsignal(WTERMSIG(r->status)));
	}
	print_bool(PRINT_JSON, "oom_killed", NULL, r->oom);
	if (r->oom)
		print_text(", OOM killed (memory.events oom_kill rose)");
	print_size(PRINT_ANY, "peak", ", peak usage %s", r->peak);
	print_text("\n");
	print_close_obj();
	fflush(stdout);
}

static uint64_t group_peak(const struct cg_hier *h, const char *dir)
{
	struct tgt_stats st = { 0 };

	if (cg_stats(h, dir, &st))
		return 0;
	return st.peak;
}

static int do_run(const struct cmd *self, int argc, char **argv)
{
	struct run_opts o = { .max_restarts = 3, .backoff_ms = 100 };
	struct sigaction sa = { .sa_handler = on_signal };
	char err_buf[PATH_MAX + 128], dir[PATH_MAX + 64], name[64];
	struct cg_hier h;
	unsigned int runs = 0, delay;
	int ret, exit_code = EXIT_RUN_FAILED;
	struct run_result rr = { 0 };
	pid_t pid = -1;

	ret = parse_run_args(self, argc, argv, &o);
	if (ret)
		return ret;
	ret = cg_hier_open(&h, o.v1, err_buf, sizeof(err_buf));
	if (ret) {
		err("cgroup %s: %s", o.v1 ? "v1" : "v2", err_buf);
		return EXIT_RUN_FAILED;
	}
	if (!o.group) {
		snprintf(name, sizeof(name), "memcglab-run.%d", (int)getpid());
		o.group = name;
	}
	tgt_fmt(dir, sizeof(dir), "%s/%s", h.mnt, o.group);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cg_mkdir(&h, dir, err_buf, sizeof(err_buf))) {
		err("%s", err_buf);
		cg_hier_close(&h);
		return EXIT_RUN_FAILED;
	}
	if (o.no_swap)
		cg_no_swap(&h, dir);
	if (cg_set_knob(o.v1, dir, TGT_KNOB_MAX, o.limit, err_buf, sizeof(err_buf)) ||
	    set_props(&o, dir, err_buf, sizeof(err_buf))) {
		err("%s", err_buf);
		goto out;
	}
	print_open_obj(NULL);
	print_str(PRINT_ANY, "group", "memcglab run: group %s", dir);
	print_size(PRINT_ANY, "limit", ", limit %s", o.limit);
	print_str(PRINT_ANY, "cgroup", " (cgroup %s)", o.v1 ? "v1" : "v2");
	print_str(PRINT_ANY, "restart", ", restart %s\n", restart_names[o.restart]);
	fflush(stdout);
	print_open_arr("runs");
	delay = o.backoff_ms;
	for (;;) {
		uint64_t kills = oom_kill_count(&h, dir);

		pid = start_child(dir, o.argv, err_buf, sizeof(err_buf));
		if (pid < 0) {
			err("%s", err_buf);
			break;
		}
		runs++;
		while (waitpid(pid, &rr.status, 0) < 0) {
			if (errno != EINTR) {
				err("waitpid %d: %s", (int)pid, strerror(errno));
				break;
			}
			if (stop_signal)
				kill(pid, (int)stop_signal);	/* pass it on, then wait */
		}
		/* The group's own counter says whether the kernel OOM-killed in it. */
		rr.oom = oom_kill_count(&h, dir) > kills;
		rr.peak = group_peak(&h, dir);
		print_run(runs, pid, &rr);
		exit_code = WIFEXITED(rr.status) ? WEXITSTATUS(rr.status) :
			    128 + WTERMSIG(rr.status);
		if (stop_signal || !want_restart(o.restart, &rr))
			break;
		if (runs > o.max_restarts) {
			print_text("memcglab run: giving up after %u restart(s)\n", o.max_restarts);
			break;
		}
		print_text("memcglab run: restarting in %u ms\n", delay);
		fflush(stdout);
		sleep_interruptible(delay);
		if (stop_signal)
			break;
		delay = delay > 15000 ? 30000 : delay * 2;
	}
	print_close_arr();
	print_u64(PRINT_ANY, "restarts", "memcglab run: %llu restart(s)", runs ? runs - 1 : 0);
	if (stop_signal)
		print_s64(PRINT_ANY, "stopped_by_signal", ", stopped by signal %lld",
			  (int64_t)stop_signal);
	print_s64(PRINT_ANY, "exit_code", ", exit status %lld\n", exit_code);
	print_close_obj();
out:
	kill_group(&h, dir);
	if (cg_rmdir(dir, err_buf, sizeof(err_buf))) {
		err("%s", err_buf);
		exit_code = EXIT_RUN_FAILED;
	}
	cg_hier_close(&h);
	return exit_code;
}

const struct cmd run_cmd = {
	.name = "run",
	.args = "[--v1|--v2] --limit SIZE|-p MemoryMax=SIZE [-p PROP=VALUE]... [--no-swap] "
		"[--restart[=on-oom|on-failure|always|no] [--max-restarts N] [--backoff MS]] "
		"[--group NAME] -- CMD [ARGS]",
	.summary = "run a program under a memory limit on the real memcg",
	.help = "Creates the group NAME (default memcglab-run.PID) at the root of the cgroup\n"
		"hierarchy (v2 by default; --v1 mounts a v1 memory hierarchy if none is\n"
		"mounted), sets its limit, runs CMD in it with its output streaming through,\n"
		"and reports each run's exit, whether the kernel OOM-killed in the group\n"
		"(memory.events oom_kill / oom_control oom_kill) and the peak usage.\n"
		"--no-swap: memory.swap.max 0 (v2) or memory.swappiness 0 (v1).\n"
		"-p PROP=VALUE: systemd's properties, VALUE a size or 'infinity':\n"
		"MemoryMax (the limit, like --limit), MemoryHigh, MemorySwapMax, MemoryLow,\n"
		"MemoryMin, written to memory.max, .high, .swap.max, .low, .min (v2; on v1\n"
		"only MemoryMax, as memory.limit_in_bytes).\n"
		"--restart[=WHEN]: start CMD again when the kernel's OOM killer ended it\n"
		"(on-oom, the default: SIGKILL while the group's oom_kill rose), after any\n"
		"failure (on-failure: non-zero exit or a signal), or after every exit\n"
		"(always); at most --max-restarts times (default 3), waiting --backoff ms\n"
		"(default 100) and doubling the wait each time (at most 30 s).\n"
		"The group is removed on exit and on SIGINT/SIGTERM (passed on to CMD).\n"
		"Exit status: CMD's last exit status (128+N when killed by signal N),\n"
		"125 when run itself failed, 2 usage error.\n",
	.run = do_run,
};
