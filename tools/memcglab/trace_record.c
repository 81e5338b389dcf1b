// SPDX-License-Identifier: GPL-2.0
/*
 * trace_record.c - `memcglab trace record`: run a command in a real memory
 * cgroup (v2, or v1 with --v1) while the module's probes record every
 * charge, uncharge and reclaim of its subtree (kmod/record.c), then write
 * the trace file (docs/trace.md).  On v1 the module finds the cgroup
 * through the command's pid: it has no way from a v1 id to its cgroup.
 * The events come through a tracefs instance of our own; the recording
 * belongs to our netlink socket, so it stops however we end.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memcglab.h"
#include "target.h"
#include "trace.h"

#define TRACEFS_DIRS { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" }
#define TRACE_BUFFER_KB "8192"

struct recorder {
	struct trace tr;
	struct cg_hier hier;
	char root[PATH_MAX];	/* the recorded cgroup's directory */
	const char *run_in;	/* the group the command starts in, under root */
	bool made_root;
	char inst[PATH_MAX];	/* our tracefs instance */
	int pipe_fd;
	char *pending;		/* a partial line from the last read */
	size_t pending_len;
	bool ended;		/* memcglab_rec_end seen */
	struct timespec t0;
	uint64_t ts0_us;	/* trace clock of the first event */
	bool have_ts0;
	char err[PATH_MAX + 256];
};

/* SIGINT, SIGTERM, SIGHUP while the command runs go to the command. */
static volatile sig_atomic_t rec_child;

static void forward_signal(int sig)
{
	if (rec_child > 0)
		kill((pid_t)rec_child, sig);
}

static void forward_signals(bool on)
{
	struct sigaction sa = { .sa_handler = on ? forward_signal : SIG_DFL };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int read_knob(const char *dir, const char *name, uint64_t *v)
{
	char path[PATH_MAX + 64], buf[64];
	ssize_t n;

	tgt_fmt(path, sizeof(path), "%s/%s", dir, name);
	n = mlab_read(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (!strncmp(buf, "max", 3)) {
		*v = TRACE_UNLIMITED;
		return 0;
	}
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/* v1 has limit_in_bytes only: no high, low or min. */
static int snap_knobs_v1(const char *path, struct trace_group *g)
{
	g->high = TRACE_UNLIMITED;
	g->low = g->min = 0;
	if (read_knob(path, "memory.limit_in_bytes", &g->max) ||
	    read_knob(path, "memory.usage_in_bytes", &g->usage))
		return -1;
	if (g->max >= TRACE_V1_UNLIMITED)	/* v1's "no limit", page-rounded */
		g->max = TRACE_UNLIMITED;
	if (read_knob(path, "memory.max_usage_in_bytes", &g->peak))
		g->peak = g->usage;
	return 0;
}

/* ---- the hierarchy snapshot ---- */

static struct recorder *walk_rec;

static int snap_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct recorder *r = walk_rec;
	struct trace_group g = { .parent = -1 };
	size_t rl = strlen(r->root);

	(void)ftw;
	if (flag != FTW_D)
		return 0;
	if (trace_group_by_cg(&r->tr, st->st_ino) >= 0)
		return 0;	/* known already (the snapshot at the end) */
	tgt_fmt(g.path, sizeof(g.path), "%s", path[rl] ? path + rl + 1 : ".");
	g.cg = st->st_ino;
	if (path[rl]) {
		char parent[PATH_MAX];
		char *slash;
		struct stat pst;

		tgt_fmt(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		*slash = '\0';
		if (!stat(parent, &pst))
			g.parent = trace_group_by_cg(&r->tr, pst.st_ino);
	}
	if (r->tr.v1) {
		if (snap_knobs_v1(path, &g))
			return 0;
		return trace_add_group(&r->tr, &g) < 0 ? -1 : 0;
	}
	if (read_knob(path, "memory.max", &g.max) || read_knob(path, "memory.high", &g.high) ||
	    read_knob(path, "memory.low", &g.low) || read_knob(path, "memory.min", &g.min) ||
	    read_knob(path, "memory.current", &g.usage))
		return 0;	/* no memory controller here: not a memcg of ours */
	if (read_knob(path, "memory.peak", &g.peak))
		g.peak = g.usage;
	return trace_add_group(&r->tr, &g) < 0 ? -1 : 0;
}

static int snapshot(struct recorder *r)
{
	walk_rec = r;
	if (nftw(r->root, snap_one, 16, FTW_PHYS)) {
		tgt_fmt(r->err, sizeof(r->err), "%s: reading the hierarchy: %s", r->root,
			 strerror(errno));
		return -EIO;
	}
	return 0;
}

static void snapshot_final(struct recorder *r)
{
	for (size_t i = 0; i < r->tr.nr_groups; i++) {
		struct trace_group *g = &r->tr.groups[i];
		char dir[PATH_MAX * 2];
		struct tgt_stats st = { 0 };

		if (i)
			tgt_fmt(dir, sizeof(dir), "%s/%s", r->root, g->path);
		else
			tgt_fmt(dir, sizeof(dir), "%s", r->root);
		if (cg_stats(&r->hier, dir, &st))
			continue;
		g->have_final = true;
		g->f_usage = st.usage;
		g->f_peak = st.peak;
		g->f_max_ev = st.ev_max;
		g->f_oom = st.ev_oom;
		g->f_oom_kill = st.ev_oom_kill;
		if (r->tr.v1) {
			/* no events file: failcnt, and every OOM killed (oom_control) */
			g->f_max_ev = st.failcnt;
			g->f_oom = st.oom_kill;
			g->f_oom_kill = st.oom_kill;
		}
	}
}

/* ---- tracefs ---- */

static int inst_write(struct recorder *r, const char *file, const char *val)
{
	char path[PATH_MAX * 2];
	int ret;

	tgt_fmt(path, sizeof(path), "%s/%s", r->inst, file);
	ret = mlab_write(path, val);
	if (ret)
		tgt_fmt(r->err, sizeof(r->err), "%s: writing %s: %s", path, val,
			 strerror(-ret));
	return ret;
}

static int tracefs_open(struct recorder *r)
{
	static const char *const dirs[] = TRACEFS_DIRS;
	char path[PATH_MAX * 2];
	int ret;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		tgt_fmt(path, sizeof(path), "%s/events/memcglab_rec", dirs[i]);
		if (access(path, F_OK))
			continue;
		tgt_fmt(r->inst, sizeof(r->inst), "%s/instances/memcglab-rec-%d", dirs[i],
			 (int)getpid());
		if (mkdir(r->inst, 0700)) {
			ret = -errno;
			tgt_fmt(r->err, sizeof(r->err), "mkdir %s: %s", r->inst, strerror(errno));
			r->inst[0] = '\0';
			return ret;
		}
		ret = inst_write(r, "buffer_size_kb", TRACE_BUFFER_KB);
		if (!ret)
			ret = inst_write(r, "events/memcglab_rec/enable", "1");
		if (ret)
			return ret;
		tgt_fmt(path, sizeof(path), "%s/trace_pipe", r->inst);
		r->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (r->pipe_fd < 0) {
			ret = -errno;
			tgt_fmt(r->err, sizeof(r->err), "%s: %s", path, strerror(errno));
			return ret;
		}
		return 0;
	}
	tgt_fmt(r->err, sizeof(r->err),
		 "no tracefs with the memcglab_rec events (is tracefs mounted and memcglab.ko loaded?)");
	return -ENOENT;
}

static void tracefs_close(struct recorder *r)
{
	if (r->pipe_fd >= 0)
		close(r->pipe_fd);
	r->pipe_fd = -1;
	if (!r->inst[0])
		return;
	inst_write(r, "events/memcglab_rec/enable", "0");
	if (rmdir(r->inst))
		err("rmdir %s: %s", r->inst, strerror(errno));
	r->inst[0] = '\0';
}

/* ---- the events: one line of trace_pipe each ---- */

static int group_of(struct recorder *r, uint64_t cg)
{
	int g = trace_group_by_cg(&r->tr, cg);

	if (g < 0) {
		/* a group made during the run: take it into the snapshot */
		snapshot(r);
		g = trace_group_by_cg(&r->tr, cg);
	}
	return g;
}

static void parse_line(struct recorder *r, char *line)
{
	unsigned long long cg, over, usage, ts_s, ts_us;
	unsigned int nr = 0, gfp, batch, fails, kind, cpu;
	char *ev, *p, *br, type;
	struct trace_ev *e;
	long reclaimed;
	int ret, g;

	if (strstr(line, "LOST") && strstr(line, "EVENTS")) {
		unsigned long long lost = 0;

		p = strstr(line, "LOST");
		sscanf(p, "LOST %llu", &lost);
		r->tr.lost += lost ? lost : 1;
		return;
	}
	ev = strstr(line, ": memcglab_rec_");
	if (!ev)
		return;
	*ev = '\0';
	ev += 2 + strlen("memcglab_rec_");
	/* "...-PID [CPU] FLAGS SEC.USEC" before the event name */
	p = strrchr(line, ' ');
	if (!p || sscanf(p + 1, "%llu.%llu", &ts_s, &ts_us) != 2)
		return;
	*p = '\0';
	br = strrchr(line, '[');
	if (!br || sscanf(br + 1, "%u]", &cpu) != 1)
		return;
	if (!strncmp(ev, "end: ", 5)) {
		unsigned long long missed, overflow;

		if (sscanf(ev + 5, "missed=%llu overflow=%llu", &missed, &overflow) == 2) {
			r->tr.missed = missed;
			r->tr.overflow = overflow;
		}
		r->ended = true;
		return;
	}
	ts_us += ts_s * 1000000;
	if (!r->have_ts0 || ts_us < r->ts0_us) {
		r->ts0_us = ts_us;
		r->have_ts0 = true;
	}
	if (!strncmp(ev, "charge: ", 8)) {
		if (sscanf(ev + 8, "cg=%llu nr=%u gfp=%x ret=%d batch=%u fails=%u over=%llu usage=%llu",
			   &cg, &nr, &gfp, &ret, &batch, &fails, &over, &usage) != 8)
			return;
		type = TEV_CHARGE;
	} else if (!strncmp(ev, "uncharge: ", 10)) {
		if (sscanf(ev + 10, "cg=%llu nr=%u kind=%u usage=%llu", &cg, &nr, &kind,
			   &usage) != 4)
			return;
		type = TEV_UNCHARGE;
	} else if (!strncmp(ev, "reclaim: ", 9)) {
		unsigned long lnr;

		if (sscanf(ev + 9, "cg=%llu nr=%lu reclaimed=%ld", &cg, &lnr, &reclaimed) != 3)
			return;
		nr = (unsigned int)lnr;
		type = TEV_RECLAIM;
	} else if (!strncmp(ev, "usage: ", 7)) {
		if (sscanf(ev + 7, "cg=%llu usage=%llu", &cg, &usage) != 2)
			return;
		type = TEV_USAGE;
	} else {
		return;
	}
	g = group_of(r, cg);
	if (g < 0) {
		r->tr.unknown++;
		return;
	}
	e = trace_add_ev(&r->tr);
	if (!e)
		return;
	e->t_us = ts_us;	/* made relative in order_events() */
	e->cpu = cpu;
	e->group = (uint32_t)g;
	e->nr = nr;
	e->type = type;
	switch (type) {
	case TEV_CHARGE:
		e->gfp = gfp;
		e->ret = ret;
		e->batch = batch;
		e->fails = fails;
		e->over = over ? group_of(r, over) : -1;
		e->usage = usage;
		break;
	case TEV_UNCHARGE:
		e->kind = kind < TUNC_NR ? kind : TUNC_PAGE;
		e->usage = usage;
		break;
	case TEV_USAGE:
		e->usage = usage;
		break;
	default:
		e->ret = (int32_t)reclaimed;
		break;
	}
}

/*
 * trace_pipe merges the CPUs' buffers by time among the events there at
 * the moment of the read, so an event that reached its buffer late can
 * come after later ones of another CPU. Put them in time order (stable:
 * one CPU's events keep theirs; the displacements are short) and make
 * the times relative to the first.
 */
static void order_events(struct trace *tr, uint64_t t0)
{
	for (size_t i = 1; i < tr->nr_evs; i++) {
		struct trace_ev e = tr->evs[i];
		size_t j = i;

		while (j > 0 && tr->evs[j - 1].t_us > e.t_us) {
			tr->evs[j] = tr->evs[j - 1];
			j--;
		}
		tr->evs[j] = e;
	}
	for (size_t i = 0; i < tr->nr_evs; i++)
		tr->evs[i].t_us -= t0;
}

/* Read what trace_pipe has now. 0 when it had nothing, 1 when it had lines. */
static int drain_pipe(struct recorder *r)
{
	char buf[65536];
	ssize_t n;
	int got = 0;

	while ((n = read(r->pipe_fd, buf, sizeof(buf))) > 0) {
		char *start = buf, *nl;
		char *joined;

		got = 1;
		joined = realloc(r->pending, r->pending_len + (size_t)n + 1);
		if (!joined)
			return -ENOMEM;
		memcpy(joined + r->pending_len, buf, (size_t)n);
		r->pending = joined;
		r->pending_len += (size_t)n;
		r->pending[r->pending_len] = '\0';
		start = r->pending;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			parse_line(r, start);
			start = nl + 1;
		}
		r->pending_len = strlen(start);
		memmove(r->pending, start, r->pending_len + 1);
	}
	return got;
}

/* ---- the command ---- */

static pid_t spawn(struct recorder *r, char **argv, int *go_fd)
{
	int go[2];
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC)) {
		tgt_fmt(r->err, sizeof(r->err), "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		tgt_fmt(r->err, sizeof(r->err), "fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "memcglab: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	*go_fd = go[1];
	return pid;
}

static int make_root(struct recorder *r, const char *cgroup, const char *max)
{
	int ret;

	ret = cg_hier_open(&r->hier, r->tr.v1, r->err, sizeof(r->err));
	if (ret)
		return ret;
	if (cgroup) {
		struct stat st;

		if (cgroup[0] == '/' && strncmp(cgroup, r->hier.mnt, strlen(r->hier.mnt)))
			tgt_fmt(r->root, sizeof(r->root), "%s%s", r->hier.mnt, cgroup);
		else if (cgroup[0] == '/')
			tgt_fmt(r->root, sizeof(r->root), "%s", cgroup);
		else
			tgt_fmt(r->root, sizeof(r->root), "%s/%s", r->hier.mnt, cgroup);
		if (stat(r->root, &st) || !S_ISDIR(st.st_mode)) {
			ret = -errno ? -errno : -ENOTDIR;
			tgt_fmt(r->err, sizeof(r->err), "cgroup %s: %s", r->root,
				 strerror(-ret));
			return ret;
		}
	} else {
		tgt_fmt(r->root, sizeof(r->root), "%s/memcglab-rec-%d", r->hier.mnt,
			 (int)getpid());
		ret = cg_mkdir(&r->hier, r->root, r->err, sizeof(r->err));
		if (ret)
			return ret;
		r->made_root = true;
		cg_no_swap(&r->hier, r->root);
	}
	if (max) {
		char file[PATH_MAX + 16];

		tgt_fmt(file, sizeof(file), "%s/%s", r->root,
			r->tr.v1 ? "memory.limit_in_bytes" : "memory.max");
		/* v1 spells "no limit" -1 */
		ret = mlab_write(file, r->tr.v1 && !strcmp(max, "max") ? "-1" : max);
		if (ret) {
			tgt_fmt(r->err, sizeof(r->err), "%s: writing %s: %s", file, max,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Start recording r->root (id is its directory's inode number): on v2 by
 * that id, on v1 through pid, a task already in it, checking that the
 * module found this very group.
 */
static int trace_start(struct recorder *r, struct mlab_nl *nl, uint64_t id, pid_t pid)
{
	uint64_t got = id;
	int ret;

	if (r->tr.v1)
		ret = mlab_nl_trace_start_task(nl, (uint32_t)pid, &got, r->tr.probes,
					       sizeof(r->tr.probes));
	else
		ret = mlab_nl_trace_start(nl, id, r->tr.probes, sizeof(r->tr.probes));
	if (ret) {
		tgt_fmt(r->err, sizeof(r->err), "recording cgroup %s (%s %" PRIu64 "): %s%s%s",
			r->root, r->tr.v1 ? "v1, through pid" : "id",
			r->tr.v1 ? (uint64_t)pid : id, strerror(-ret),
			nl->err.msg[0] ? ": " : "", nl->err.msg);
		return ret;
	}
	if (got != id) {
		tgt_fmt(r->err, sizeof(r->err),
			"recording cgroup %s (id %" PRIu64 "): the module found cgroup id %" PRIu64
			" for pid %d: %s is not the memory controller's v1 hierarchy",
			r->root, id, got, (int)pid, r->hier.mnt);
		return -EXDEV;
	}
	return 0;
}

static int record(struct recorder *r, char **argv, int *status, uint64_t *run_us)
{
	struct mlab_nl nl;
	struct stat st;
	int go = -1, ret, wst = 0;
	pid_t pid;
	uint64_t t0;
	char c = 1;

	if (stat(r->root, &st)) {
		tgt_fmt(r->err, sizeof(r->err), "%s: %s", r->root, strerror(errno));
		return -errno;
	}
	ret = snapshot(r);
	if (ret)
		return ret;
	ret = tracefs_open(r);
	if (ret)
		return ret;
	ret = mlab_nl_open(&nl);
	if (ret) {
		tgt_fmt(r->err, sizeof(r->err), "netlink: %s: %s", nl.err.msg,
			 strerror(-ret));
		return ret;
	}
	pid = spawn(r, argv, &go);	/* it waits for go before it execs */
	if (pid < 0) {
		mlab_nl_close(&nl);
		return -ECHILD;
	}
	/* the module finds a v1 cgroup through a task in it: the command's */
	ret = r->tr.v1 ? cg_attach(r->root, pid, r->err, sizeof(r->err)) : 0;
	if (!ret)
		ret = trace_start(r, &nl, st.st_ino, pid);
	/* v2 keeps tasks out of inner groups: it goes straight to its leaf */
	if (!ret && (r->run_in || !r->tr.v1)) {
		char leaf[PATH_MAX * 2];

		tgt_fmt(leaf, sizeof(leaf), "%s%s%s", r->root, r->run_in ? "/" : "",
			r->run_in ? r->run_in : "");
		ret = cg_attach(leaf, pid, r->err, sizeof(r->err));
	}
	if (ret) {
		kill(pid, SIGKILL);
		close(go);
		waitpid(pid, NULL, 0);
		mlab_nl_close(&nl);
		return ret;
	}
	t0 = now_us();
	rec_child = pid;
	forward_signals(true);
	if (write(go, &c, 1) != 1)
		kill(pid, SIGKILL);
	close(go);
	for (;;) {
		struct pollfd pfd = { .fd = r->pipe_fd, .events = POLLIN };

		if (waitpid(pid, &wst, WNOHANG) == pid)
			break;
		if (drain_pipe(r) <= 0)
			poll(&pfd, 1, 50);
	}
	*run_us = now_us() - t0;
	*status = wst;
	forward_signals(false);
	rec_child = 0;
	/* what is still stocked or cached stays charged: that is the kernel's end state */
	snapshot_final(r);
	mlab_nl_close(&nl);	/* stops the probes; memcglab_rec_end follows */
	for (int i = 0; i < 100 && !r->ended; i++)
		if (drain_pipe(r) <= 0)
			usleep(20000);
	drain_pipe(r);
	order_events(&r->tr, r->ts0_us);
	r->tr.duration_us = *run_us;
	if (!r->ended) {
		tgt_fmt(r->err, sizeof(r->err), "%s/trace_pipe: the end of the recording never arrived",
			 r->inst);
		return -ETIMEDOUT;
	}
	return 0;
}

int do_trace_record(const struct cmd *self, int argc, char **argv)
{
	const char *out = "memcglab.trace", *cgroup = NULL, *max = NULL;
	struct recorder r = { .pipe_fd = -1 };
	struct utsname un;
	uint64_t run_us = 0;
	int i, ret, status = 0;
	size_t len = 0;
	FILE *f;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--cgroup") && i + 1 < argc) {
			cgroup = argv[++i];
		} else if (!strcmp(argv[i], "--v1")) {
			r.tr.v1 = true;
		} else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
			max = argv[++i];
		} else if (!strcmp(argv[i], "--run-in") && i + 1 < argc) {
			r.run_in = argv[++i];
			if (r.run_in[0] == '/' || strstr(r.run_in, ".."))
				return cmd_usage_error(self, "--run-in takes a group below the recorded one");
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(self, "unknown option %s", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		return cmd_usage_error(self, "missing COMMAND");
	uname(&un);
	tgt_fmt(r.tr.kernel, sizeof(r.tr.kernel), "%s", un.release);
	r.tr.cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	r.tr.page = (unsigned int)sysconf(_SC_PAGESIZE);
	for (int k = i; k < argc && len + 2 < sizeof(r.tr.command); k++)
		len += (size_t)snprintf(r.tr.command + len, sizeof(r.tr.command) - len, "%s%s",
					k > i ? " " : "", argv[k]);
	for (char *p = r.tr.command; *p; p++)
		if (*p == '\n')
			*p = ' ';
	ret = make_root(&r, cgroup, max);
	if (!ret)
		ret = record(&r, argv + i, &status, &run_us);
	tracefs_close(&r);
	if (!ret) {
		f = fopen(out, "w");
		if (!f) {
			ret = -errno;
			tgt_fmt(r.err, sizeof(r.err), "%s: %s", out, strerror(errno));
		} else {
			ret = trace_write(&r.tr, f);
			if (fclose(f) && !ret)
				ret = -errno;
			if (ret)
				tgt_fmt(r.err, sizeof(r.err), "%s: writing: %s", out, strerror(-ret));
		}
	}
	if (r.made_root) {
		char e2[PATH_MAX + 64];

		if (cg_rmdir(r.root, e2, sizeof(e2)))
			err("%s", e2);
	}
	cg_hier_close(&r.hier);
	free(r.pending);
	if (ret) {
		err("trace record: %s", r.err);
		trace_free(&r.tr);
		return EXIT_FAIL;
	}
	print_open_obj(NULL);
	print_str(PRINT_ANY, "file", "%s:", out);
	print_u64(PRINT_ANY, "events", " %" PRIu64 " events", r.tr.nr_evs);
	print_u64(PRINT_ANY, "groups", " in %" PRIu64 " group(s)", r.tr.nr_groups);
	print_u64(PRINT_ANY, "run_us", ", command ran %" PRIu64 " us", run_us);
	print_s64(PRINT_ANY, "exit", ", exit %" PRId64,
		  WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	print_u64(PRINT_ANY, "lost", ", lost %" PRIu64, r.tr.lost);
	print_u64(PRINT_ANY, "missed", ", missed %" PRIu64, r.tr.missed + r.tr.overflow);
	print_close_obj();
	print_nl();
	trace_free(&r.tr);
	return EXIT_OK;
}

