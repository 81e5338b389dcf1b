// SPDX-License-Identifier: GPL-2.0
/*
 * The memcg target: the kernel's own memory controller, cgroup v2 or v1.
 *
 * Groups live under a base group made for this run (memcglab.PID under the
 * hierarchy's root), so scenario groups are never the real root. Charges are
 * real anonymous memory touched by worker processes, one per charger:
 *
 *   - The worker is forked, sets itself up (stack, a large MADV_NOHUGEPAGE
 *     region whose page tables it faults in and then empties with
 *     MADV_DONTNEED, the shared status page) and only then is moved into the
 *     group. Cgroups do not move existing charges, so all of that stays with
 *     the runner's group and the group sees (nearly) nothing but the pages
 *     the worker touches for a charge.
 *   - Commands go over a pipe (the parent writes: pipe buffers are charged to
 *     the parent); the worker answers through an eventfd (no allocation) and
 *     publishes its progress, page by page, in a shared page the parent
 *     faulted in before fork.
 *   - Charge: touch pages at the end of the held range. Uncharge:
 *     MADV_DONTNEED the tail (pages go back, page tables stay pre-charged).
 *   - On v2 the worker is placed in GROUP/.workers: v2 forbids tasks in a
 *     group whose subtree_control has memory enabled, and the leaf is
 *     charged through GROUP just the same. On v1 it goes into GROUP itself.
 *   - A refused charge: the charging worker runs with oom_score_adj 1000, so
 *     the memcg OOM killer picks it; the parent sees it die (pidfd), confirms
 *     the kill from memory.events oom_kill (v2) or oom_control oom_kill (v1),
 *     and reports failure at the progress the worker published. With v1
 *     oom_kill_disable the worker blocks instead: the parent sees progress
 *     stop while under_oom reads 1, and kills it itself. Either way a new
 *     worker re-charges what the charger held before, so the refusal changes
 *     nothing but the events, as on the lab.
 *
 * Swap is out of the picture: the guest has none, and memory.swap.max is set
 * to 0 where it exists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

#define PAGE 4096UL
#define WORKER_VA (64ULL << 30)		/* reserved, never all touched */
#define WORKER_PT_PREFAULT (512ULL << 20) /* page tables made before joining */
#define WORKER_STACK (128UL << 10)	/* stack touched before joining */
#define WORKER_LEAF ".workers"		/* v2 leaf that holds the workers */
#define CHARGE_TIMEOUT_MS 120000
#define BLOCKED_STALL_MS 1500		/* v1 oom_kill_disable: stalled + under_oom */
#define CONTROLLER_WAIT_MS 15000	/* for memory to come back from v1 to v2 */

/* ---- hierarchy helpers (also used by `run`) ---- */

static int find_mount(bool v1, char *buf, size_t len)
{
	char line[4096];
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], super[512];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		if (!v1 && !strcmp(fstype, "cgroup2")) {
			tgt_fmt(buf, len, "%s", mnt);
			ret = 0;
			break;
		}
		if (v1 && !strcmp(fstype, "cgroup")) {
			char *tok, *save = NULL;

			for (tok = strtok_r(super, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				if (!strcmp(tok, "memory"))
					break;
			if (tok) {
				tgt_fmt(buf, len, "%s", mnt);
				ret = 0;
				break;
			}
		}
	}
	fclose(f);
	return ret;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Write "+memory"/"-memory"; a controller just released by v1 may be busy briefly. */
static int write_subtree(const char *dir, const char *what)
{
	char path[PATH_MAX + 32];
	int ret = 0;

	tgt_fmt(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	for (int i = 0; i < 50; i++) {
		ret = mlab_write(path, what);
		if (ret != -EBUSY)
			break;
		sleep_ms(20);
	}
	return ret;
}

static int v2_open(struct cg_hier *h, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], buf[512], v1mnt[PATH_MAX];
	int ret;

	if (find_mount(false, h->mnt, sizeof(h->mnt))) {
		tgt_fmt(err, errlen, "no cgroup2 mount in /proc/self/mountinfo");
		return -EOPNOTSUPP;
	}
	tgt_fmt(path, sizeof(path), "%s/cgroup.controllers", h->mnt);
	/*
	 * After a v1 memory hierarchy is unmounted, memory comes back to v2
	 * only once its removed groups are freed: wait for that, unless a v1
	 * memory hierarchy is (still) mounted.
	 */
	for (int i = 0; i < CONTROLLER_WAIT_MS / 100; i++) {
		ret = (int)mlab_read(path, buf, sizeof(buf));
		if (ret < 0 || word_in(buf, "memory") || !find_mount(true, v1mnt, sizeof(v1mnt)))
			break;
		sleep_ms(100);
	}
	if (ret < 0 || !word_in(buf, "memory")) {
		tgt_fmt(err, errlen, "%s: memory controller not available on cgroup2%s%s",
			 path, ret < 0 ? ": " : "", ret < 0 ? strerror(-ret) :
			 " (bound to a cgroup v1 hierarchy?)");
		return -EOPNOTSUPP;
	}
	tgt_fmt(path, sizeof(path), "%s/cgroup.subtree_control", h->mnt);
	ret = (int)mlab_read(path, buf, sizeof(buf));
	if (ret >= 0 && word_in(buf, "memory"))
		return 0;
	ret = write_subtree(h->mnt, "+memory");
	if (ret) {
		tgt_fmt(err, errlen, "%s: enabling +memory: %s", path, strerror(-ret));
		return ret == -EACCES || ret == -EPERM || ret == -EROFS ||
		       ret == -EBUSY ? -EOPNOTSUPP : ret;
	}
	return 0;
}

/*
 * Real v1 is used only in a boot where cgroup v2 has not used the memory
 * controller. Moving the controller from v2 to v1 is possible once the v2
 * groups are freed, but charges made under v2 outlive them (kernel objects
 * reparented to the root memcg) and v1 later uncharges them from counters v2
 * never charged (memory.memsw, memory.kmem): on 6.1 a v1 OOM kill then ends
 * in "page_counter underflow" WARNINGs. So memcglab never takes memory away
 * from v2, and does not wait for it to leave.
 */
static const char v1_needs_own_boot[] =
	"real cgroup v1 needs a boot where cgroup v2 has not used the memory controller:"
	" moving it from v2 to v1 leaves v2 charges that v1 uncharges from"
	" memory.memsw/kmem (page_counter underflow)";

static int v1_open(struct cg_hier *h, char *err, size_t errlen)
{
	char v2root[PATH_MAX], path[PATH_MAX + 32], buf[512];
	int ret;

	if (!find_mount(true, h->mnt, sizeof(h->mnt)))
		return 0;	/* an existing v1 memory hierarchy (a v1 host) */
	if (!find_mount(false, v2root, sizeof(v2root))) {
		tgt_fmt(path, sizeof(path), "%s/cgroup.subtree_control", v2root);
		if (mlab_read(path, buf, sizeof(buf)) >= 0 && word_in(buf, "memory")) {
			tgt_fmt(err, errlen, "%s has memory enabled: %s", path,
				 v1_needs_own_boot);
			return -EOPNOTSUPP;
		}
	}
	tgt_fmt(h->mnt, sizeof(h->mnt), "/tmp/memcglab-v1.XXXXXX");
	if (!mkdtemp(h->mnt)) {
		ret = -errno;
		tgt_fmt(err, errlen, "mkdtemp %s: %s", h->mnt, strerror(errno));
		return ret;
	}
	/* EBUSY: memory groups of cgroup v2 still exist (dying ones included). */
	ret = mount("cgroup", h->mnt, "cgroup", 0, "memory") ? -errno : 0;
	if (ret) {
		tgt_fmt(err, errlen, "mount -t cgroup -o memory %s: %s%s%s", h->mnt,
			 strerror(-ret), ret == -EBUSY ?
			 " (cgroup v2 still holds the memory controller); " : "",
			 ret == -EBUSY ? v1_needs_own_boot :
			 ret == -ENOENT || ret == -EINVAL || ret == -ENODEV ?
			 " (this kernel has no cgroup v1 memory controller)" : "");
		rmdir(h->mnt);
		return ret == -EPERM ? ret : -EOPNOTSUPP;
	}
	h->mounted = true;
	return 0;
}

int cg_hier_open(struct cg_hier *h, bool v1, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	h->v1 = v1;
	return v1 ? v1_open(h, err, errlen) : v2_open(h, err, errlen);
}

void cg_hier_close(struct cg_hier *h)
{
	if (h->mounted) {
		if (umount2(h->mnt, 0))
			fprintf(stderr, "memcglab: umount %s: %s\n", h->mnt, strerror(errno));
		else
			rmdir(h->mnt);
	}
	h->mounted = false;
}

int cg_mkdir(const struct cg_hier *h, const char *path, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	char *slash;
	int ret;

	if (!h->v1) {
		tgt_fmt(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			ret = write_subtree(parent, "+memory");
			if (ret) {
				tgt_fmt(err, errlen, "%s/cgroup.subtree_control: +memory: %s",
					 parent, strerror(-ret));
				return ret;
			}
		}
	}
	if (mkdir(path, 0755)) {
		ret = -errno;
		tgt_fmt(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}

void cg_no_swap(const struct cg_hier *h, const char *path)
{
	char file[PATH_MAX + 32];

	/* Where swap accounting exists, allow no swap; v1 also stops swapping. */
	if (!h->v1) {
		tgt_fmt(file, sizeof(file), "%s/memory.swap.max", path);
		if (!access(file, F_OK))
			mlab_write(file, "0");
		return;
	}
	tgt_fmt(file, sizeof(file), "%s/memory.swappiness", path);
	if (!access(file, F_OK))
		mlab_write(file, "0");
}

int cg_rmdir(const char *path, char *err, size_t errlen)
{
	int ret = 0;

	/* Killed tasks leave the group a little after they are reaped. */
	for (int i = 0; i < 200; i++) {
		ret = rmdir(path) ? -errno : 0;
		if (ret != -EBUSY)
			break;
		sleep_ms(10);
	}
	if (ret == -ENOENT)
		ret = 0;
	if (ret)
		tgt_fmt(err, errlen, "rmdir %s: %s", path, strerror(-ret));
	return ret;
}

int cg_attach(const char *path, pid_t pid, char *err, size_t errlen)
{
	char file[PATH_MAX + 32], buf[32];
	int ret;

	tgt_fmt(file, sizeof(file), "%s/cgroup.procs", path);
	tgt_fmt(buf, sizeof(buf), "%d", (int)pid);
	ret = mlab_write(file, buf);
	if (ret)
		tgt_fmt(err, errlen, "%s: writing pid %d: %s", file, (int)pid,
			 strerror(-ret));
	return ret;
}

static int read_file_u64(const char *dir, const char *name, uint64_t *v)
{
	char path[PATH_MAX + 64];

	tgt_fmt(path, sizeof(path), "%s/%s", dir, name);
	return tgt_read_u64(path, v);
}

static int read_key(const char *dir, const char *name, const char *key, uint64_t *v)
{
	char path[PATH_MAX + 64];

	tgt_fmt(path, sizeof(path), "%s/%s", dir, name);
	return mlab_read_key(path, key, v);
}

int cg_stats(const struct cg_hier *h, const char *path, struct tgt_stats *st)
{
	uint64_t v = 0;
	int ret;

	if (h->v1) {
		ret = read_file_u64(path, "memory.usage_in_bytes", &st->usage);
		if (ret)
			return ret;
		st->has = TGT_HAS_USAGE;
		if (!read_file_u64(path, "memory.limit_in_bytes", &st->limit))
			st->has |= TGT_HAS_LIMIT;
		if (!read_file_u64(path, "memory.max_usage_in_bytes", &st->peak))
			st->has |= TGT_HAS_PEAK;
		if (!read_file_u64(path, "memory.failcnt", &st->failcnt))
			st->has |= TGT_HAS_FAILCNT;
		if (!read_key(path, "memory.oom_control", "oom_kill_disable", &v)) {
			st->oom_kill_disable = (int)v;
			st->has |= TGT_HAS_OOM_CONTROL;
			if (!read_key(path, "memory.oom_control", "under_oom", &v))
				st->under_oom = (int)v;
			if (!read_key(path, "memory.oom_control", "oom_kill", &v))
				st->oom_kill = v;
		}
		return 0;
	}
	ret = read_file_u64(path, "memory.current", &st->usage);
	if (ret)
		return ret;
	st->has = TGT_HAS_USAGE;
	if (!read_file_u64(path, "memory.max", &st->limit))
		st->has |= TGT_HAS_LIMIT;
	if (!read_file_u64(path, "memory.peak", &st->peak))
		st->has |= TGT_HAS_PEAK;
	if (!read_key(path, "memory.events", "max", &st->ev_max)) {
		st->has |= TGT_HAS_EVENTS;
		read_key(path, "memory.events", "low", &st->ev_low);
		read_key(path, "memory.events", "high", &st->ev_high);
		read_key(path, "memory.events", "oom", &st->ev_oom);
		read_key(path, "memory.events", "oom_kill", &st->ev_oom_kill);
		st->oom_kill = st->ev_oom_kill;
	}
	return 0;
}

/* ---- the worker ---- */

enum { W_CHARGE = 1, W_UNCHARGE };

struct wshared {
	_Atomic uint64_t progress;	/* bytes touched by the current charge */
	_Atomic uint64_t held;		/* bytes held after the last command */
	_Atomic int ready;
};

struct wcmd {
	int op;
	uint64_t bytes;
};

struct worker {
	char name[64];
	char group[PATH_MAX];	/* scenario group name */
	pid_t pid;
	int pidfd, cmd_fd, done_fd;
	struct wshared *sh;	/* one shared page per worker */
	uint64_t held;		/* what the parent believes it holds */
	bool dead;		/* exited without being told to */
};

struct memcg_priv {
	struct cg_hier hier;
	struct worker **workers;
	size_t nr_workers;
	struct tgt_peaks peaks;
};

static __attribute__((noinline)) void touch_stack(void)
{
	volatile char buf[WORKER_STACK];

	for (size_t i = 0; i < sizeof(buf); i += PAGE)
		buf[i] = 1;
}

static void worker_reply(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		_exit(3);
}

/*
 * The worker process. Everything it needs is faulted in before it says it is
 * ready; after that it only touches and drops pages of its region.
 */
static __attribute__((noreturn)) void worker_main(int cmd_fd, int done_fd,
						  struct wshared *sh)
{
	volatile char *region;
	struct wcmd cmd;
	uint64_t held = 0;

	for (int fd = 3; fd < 1024; fd++)
		if (fd != cmd_fd && fd != done_fd)
			close(fd);
	touch_stack();
	region = mmap(NULL, WORKER_VA, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		_exit(2);
	madvise((void *)region, WORKER_VA, MADV_NOHUGEPAGE);
	/* Page tables for the first WORKER_PT_PREFAULT bytes, then drop the data. */
	for (uint64_t off = 0; off < WORKER_PT_PREFAULT; off += 2UL << 20)
		region[off] = 1;
	madvise((void *)region, WORKER_PT_PREFAULT, MADV_DONTNEED);
	errno = 0;
	atomic_store(&sh->progress, 0);
	atomic_store(&sh->held, 0);
	atomic_store(&sh->ready, 1);
	worker_reply(done_fd);
	for (;;) {
		if (read(cmd_fd, &cmd, sizeof(cmd)) != sizeof(cmd))
			_exit(0);
		if (cmd.op == W_CHARGE) {
			atomic_store(&sh->progress, 0);
			for (uint64_t off = 0; off < cmd.bytes; off += PAGE) {
				region[held + off] = 1;
				atomic_store_explicit(&sh->progress, off + PAGE,
						      memory_order_relaxed);
			}
			held += cmd.bytes;
		} else if (cmd.op == W_UNCHARGE && cmd.bytes <= held) {
			held -= cmd.bytes;
			madvise((void *)(region + held), cmd.bytes, MADV_DONTNEED);
		}
		atomic_store(&sh->held, held);
		worker_reply(done_fd);
	}
}

static void worker_free(struct worker *w)
{
	if (w->pid > 0) {
		if (!w->dead)
			kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
	}
	if (w->pidfd >= 0)
		close(w->pidfd);
	if (w->cmd_fd >= 0)
		close(w->cmd_fd);
	if (w->done_fd >= 0)
		close(w->done_fd);
	if (w->sh)
		munmap(w->sh, PAGE);
	free(w);
}

static void group_path(const struct target *t, const char *group, char *buf,
		       size_t len)
{
	while (*group == '/')
		group++;
	if (*group)
		tgt_fmt(buf, len, "%s/%s", t->root, group);
	else
		tgt_fmt(buf, len, "%s", t->root);
}

/* Where a worker of group goes: GROUP/.workers on v2 (made on demand), GROUP on v1. */
static int worker_dir(struct target *t, const char *group, char *buf, size_t len)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];

	group_path(t, group, dir, sizeof(dir));
	if (p->hier.v1) {
		tgt_fmt(buf, len, "%s", dir);
		return 0;
	}
	tgt_fmt(buf, len, "%s/" WORKER_LEAF, dir);
	if (!access(buf, F_OK))
		return 0;
	if (mkdir(buf, 0755) && errno != EEXIST)
		return tgt_fail(t, -errno, "mkdir %s: %s", buf, strerror(errno));
	return 0;
}

/* Wait for the worker's reply. 0 done, -ECHILD died, -EDEADLK blocked under_oom. */
static int worker_wait(struct target *t, struct worker *w)
{
	struct pollfd pfd[2] = {
		{ .fd = w->done_fd, .events = POLLIN },
		{ .fd = w->pidfd, .events = POLLIN },
	};
	char dir[PATH_MAX];
	uint64_t last = UINT64_MAX, v;
	int stalled = 0, waited = 0;

	group_path(t, w->group, dir, sizeof(dir));
	for (;;) {
		int n = poll(pfd, 2, 100);

		if (n < 0 && errno != EINTR)
			return tgt_fail(t, -errno, "poll on worker %s: %s", w->name,
					strerror(errno));
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			if (read(w->done_fd, &v, sizeof(v)) != sizeof(v))
				return tgt_fail(t, -EIO, "worker %s: eventfd read: %s",
						w->name, strerror(errno));
			return 0;
		}
		if (n > 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
			return -ECHILD;
		if (n == 0) {
			uint64_t pr = atomic_load(&w->sh->progress);

			waited += 100;
			stalled = pr == last ? stalled + 100 : 0;
			last = pr;
			if (stalled >= BLOCKED_STALL_MS && t->cfg.v1 &&
			    !read_key(dir, "memory.oom_control", "under_oom", &v) && v)
				return -EDEADLK;
			if (waited >= CHARGE_TIMEOUT_MS)
				return tgt_fail(t, -ETIMEDOUT, "worker %s in %s: no answer in %d s",
						w->name, dir, CHARGE_TIMEOUT_MS / 1000);
		}
	}
}

static void set_oom_adj(pid_t pid, const char *val)
{
	char path[64];

	tgt_fmt(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	mlab_write(path, val);	/* best effort: the default works too */
}

static int worker_send(struct target *t, struct worker *w, int op, uint64_t bytes)
{
	struct wcmd cmd = { .op = op, .bytes = bytes };

	if (write(w->cmd_fd, &cmd, sizeof(cmd)) != sizeof(cmd))
		return tgt_fail(t, -EPIPE, "worker %s (pid %d): command pipe: %s",
				w->name, (int)w->pid, strerror(errno));
	return 0;
}

static int worker_spawn(struct target *t, const char *name, const char *group,
			struct worker **out)
{
	struct worker *w;
	char dir[PATH_MAX];
	int pipefd[2], ret;

	ret = worker_dir(t, group, dir, sizeof(dir));
	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w)
		return tgt_fail(t, -ENOMEM, "worker %s: out of memory", name);
	w->pidfd = w->cmd_fd = w->done_fd = -1;
	tgt_fmt(w->name, sizeof(w->name), "%s", name);
	tgt_fmt(w->group, sizeof(w->group), "%s", group);
	/* Faulted in here, so it is charged to the runner, not to the group. */
	w->sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->sh == MAP_FAILED) {
		w->sh = NULL;
		ret = tgt_fail(t, -errno, "worker %s: mmap: %s", name, strerror(errno));
		goto fail;
	}
	memset(w->sh, 0, PAGE);
	w->done_fd = eventfd(0, EFD_CLOEXEC);
	if (w->done_fd < 0 || pipe2(pipefd, O_CLOEXEC)) {
		ret = tgt_fail(t, -errno, "worker %s: eventfd/pipe: %s", name, strerror(errno));
		goto fail;
	}
	w->pid = fork();
	if (w->pid < 0) {
		ret = tgt_fail(t, -errno, "worker %s: fork: %s", name, strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
	}
	if (w->pid == 0) {
		close(pipefd[1]);
		worker_main(pipefd[0], w->done_fd, w->sh);
	}
	close(pipefd[0]);
	w->cmd_fd = pipefd[1];
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	if (w->pidfd < 0) {
		ret = tgt_fail(t, -errno, "worker %s: pidfd_open: %s", name, strerror(errno));
		goto fail;
	}
	ret = worker_wait(t, w);
	if (ret) {
		ret = tgt_fail(t, ret == -ECHILD ? -EIO : ret,
			       "worker %s: died while setting up", name);
		goto fail;
	}
	set_oom_adj(w->pid, "0");
	ret = cg_attach(dir, w->pid, t->err, sizeof(t->err));
	if (ret)
		goto fail;
	*out = w;
	return 0;
fail:
	worker_free(w);
	return ret;
}

static struct worker *worker_find(struct target *t, const char *name, size_t *idx)
{
	struct memcg_priv *p = t->priv;

	for (size_t i = 0; i < p->nr_workers; i++) {
		if (!strcmp(p->workers[i]->name, name)) {
			if (idx)
				*idx = i;
			return p->workers[i];
		}
	}
	return NULL;
}

/* A worker that exited on its own was OOM killed (limit lowered under it). */
static void worker_check_alive(struct worker *w)
{
	struct pollfd pfd = { .fd = w->pidfd, .events = POLLIN };

	if (!w->dead && poll(&pfd, 1, 0) > 0) {
		waitpid(w->pid, NULL, 0);
		w->pid = -1;
		w->dead = true;
		w->held = 0;
	}
}

static uint64_t oom_kills(struct target *t, const char *group)
{
	struct memcg_priv *p = t->priv;
	struct tgt_stats st = { 0 };
	char dir[PATH_MAX];

	group_path(t, group, dir, sizeof(dir));
	if (cg_stats(&p->hier, dir, &st))
		return 0;
	return st.oom_kill;
}

/* Replace a dead or blocked worker by a fresh one holding what it held before. */
static int worker_restore(struct target *t, struct worker *w, size_t idx,
			  uint64_t held)
{
	struct memcg_priv *p = t->priv;
	struct worker *nw;
	int ret;

	ret = worker_spawn(t, w->name, w->group, &nw);
	if (ret)
		return ret;
	p->workers[idx] = nw;
	worker_free(w);
	if (!held)
		return 0;
	ret = worker_send(t, nw, W_CHARGE, held);
	if (!ret)
		ret = worker_wait(t, nw);
	if (ret)
		return tgt_fail(t, ret == -ECHILD || ret == -EDEADLK ? -EIO : ret,
				"worker %s: could not re-charge the %llu bytes it held",
				nw->name, (unsigned long long)held);
	nw->held = held;
	return 0;
}

/* ---- the ops ---- */

static int memcg_open(struct target *t)
{
	struct memcg_priv *p;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return tgt_fail(t, -ENOMEM, "out of memory");
	ret = cg_hier_open(&p->hier, t->cfg.v1, t->err, sizeof(t->err));
	if (ret) {
		free(p);
		return ret;
	}
	t->priv = p;
	tgt_fmt(t->root, sizeof(t->root), "%s/memcglab.%d", p->hier.mnt, (int)getpid());
	ret = cg_mkdir(&p->hier, t->root, t->err, sizeof(t->err));
	if (ret) {
		cg_hier_close(&p->hier);
		free(p);
		t->priv = NULL;
	}
	return ret;
}

/* Remove dir and everything below it, deepest first. */
static void remove_tree(const char *dir)
{
	char sub[PATH_MAX + 256], err[PATH_MAX + 64];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			tgt_fmt(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			remove_tree(sub);
		}
		closedir(d);
	}
	if (cg_rmdir(dir, err, sizeof(err)))
		fprintf(stderr, "memcglab: %s\n", err);
}

static void memcg_close(struct target *t)
{
	struct memcg_priv *p = t->priv;

	if (!p)
		return;
	for (size_t i = 0; i < p->nr_workers; i++)
		worker_free(p->workers[i]);
	free(p->workers);
	tgt_peaks_free(&p->peaks);
	remove_tree(t->root);
	cg_hier_close(&p->hier);
	free(p);
	t->priv = NULL;
}

static int memcg_mkdir(struct target *t, const char *group)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];
	int ret;

	group_path(t, group, dir, sizeof(dir));
	ret = cg_mkdir(&p->hier, dir, t->err, sizeof(t->err));
	if (!ret)
		cg_no_swap(&p->hier, dir);
	return ret;
}

static int memcg_rmdir(struct target *t, const char *group)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX], leaf[PATH_MAX + 16];
	int ret;

	tgt_peak_forget(&p->peaks, group);
	/* Chargers holding nothing do not keep a group alive (as on the lab). */
	for (size_t i = 0; i < p->nr_workers;) {
		struct worker *w = p->workers[i];

		worker_check_alive(w);
		if (!strcmp(w->group, group) && !w->held) {
			p->workers[i] = p->workers[--p->nr_workers];
			worker_free(w);
		} else {
			i++;
		}
	}
	group_path(t, group, dir, sizeof(dir));
	if (!p->hier.v1) {
		tgt_fmt(leaf, sizeof(leaf), "%s/" WORKER_LEAF, dir);
		ret = access(leaf, F_OK) ? 0 : cg_rmdir(leaf, t->err, sizeof(t->err));
		if (ret)
			return tgt_fail(t, ret, "rmdir %s: %s (a charger still holds memory there)",
					leaf, strerror(-ret));
	}
	if (rmdir(dir))
		return tgt_fail(t, -errno, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}

static int memcg_set(struct target *t, const char *group, enum tgt_knob knob,
		     uint64_t val)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];
	int ret;

	group_path(t, group, dir, sizeof(dir));
	ret = cg_set_knob(p->hier.v1, dir, knob, val, t->err, sizeof(t->err));
	/* Lowering memory.max below usage may have OOM-killed workers. */
	for (size_t i = 0; i < p->nr_workers; i++)
		worker_check_alive(p->workers[i]);
	return ret;
}

static int memcg_reset(struct target *t, const char *group, enum tgt_reset what)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];

	group_path(t, group, dir, sizeof(dir));
	return cg_reset(p->hier.v1, dir, what, &p->peaks, group, t->err, sizeof(t->err));
}

static int memcg_stats(struct target *t, const char *group, struct tgt_stats *st)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];
	int ret;

	group_path(t, group, dir, sizeof(dir));
	ret = cg_stats(&p->hier, dir, st);
	if (ret)
		return tgt_fail(t, ret, "%s: reading usage: %s", dir, strerror(-ret));
	tgt_peak_read(&p->peaks, group, st);
	return 0;
}

static int memcg_charge(struct target *t, const char *charger, const char *group,
			uint64_t bytes, struct tgt_charge_res *res)
{
	struct memcg_priv *p = t->priv;
	struct worker *w;
	uint64_t before_kills, held, pages = (bytes + PAGE - 1) & ~(PAGE - 1);
	size_t idx = 0;
	int ret, wret;

	w = worker_find(t, charger, &idx);
	if (w && strcmp(w->group, group))
		return tgt_fail(t, -EINVAL, "charger %s belongs to group %s, not %s",
				charger, w->group, group);
	if (!w) {
		struct worker **n = realloc(p->workers, (p->nr_workers + 1) * sizeof(*n));

		if (!n)
			return tgt_fail(t, -ENOMEM, "out of memory");
		p->workers = n;
		ret = worker_spawn(t, charger, group, &w);
		if (ret)
			return ret;
		idx = p->nr_workers;
		p->workers[p->nr_workers++] = w;
	}
	worker_check_alive(w);
	if (w->dead) {
		ret = worker_restore(t, w, idx, 0);
		if (ret)
			return ret;
		w = p->workers[idx];
	}
	held = w->held;
	before_kills = oom_kills(t, group);
	set_oom_adj(w->pid, "1000");	/* the OOM killer's victim is the charger */
	ret = worker_send(t, w, W_CHARGE, pages);
	wret = ret ? ret : worker_wait(t, w);
	if (!wret) {
		set_oom_adj(w->pid, "0");
		w->held = held + pages;
		res->done = pages;
		return 0;
	}
	if (wret != -ECHILD && wret != -EDEADLK)
		return wret;
	res->done = atomic_load(&w->sh->progress);
	if (wret == -EDEADLK) {
		res->blocked = true;
		kill(w->pid, SIGKILL);	/* killable even while waiting under_oom */
	}
	waitpid(w->pid, NULL, 0);
	w->pid = -1;
	w->dead = true;
	/* The kill is read from the group's counters, not guessed from the signal. */
	if (!res->blocked && oom_kills(t, group) > before_kills)
		res->oom_killed = true;
	ret = worker_restore(t, w, idx, held);
	if (ret)
		return ret;
	if (!res->blocked && !res->oom_killed)
		return tgt_fail(t, -EIO, "worker %s in %s died without an oom_kill event",
				charger, group);
	return tgt_fail(t, -ENOMEM, "%s: charge of %llu bytes refused after %llu (%s)",
			group, (unsigned long long)pages, (unsigned long long)res->done,
			res->blocked ? "blocked under_oom" : "OOM killed");
}

static int memcg_uncharge(struct target *t, const char *charger, uint64_t bytes)
{
	uint64_t pages = (bytes + PAGE - 1) & ~(PAGE - 1);
	struct worker *w = worker_find(t, charger, NULL);
	int ret;

	if (!w)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	worker_check_alive(w);
	if (pages > w->held)
		return tgt_fail(t, -EINVAL, "charger %s holds %llu bytes, cannot uncharge %llu",
				charger, (unsigned long long)w->held,
				(unsigned long long)pages);
	ret = worker_send(t, w, W_UNCHARGE, pages);
	if (!ret)
		ret = worker_wait(t, w);
	if (ret == -ECHILD || ret == -EDEADLK)
		return tgt_fail(t, -EIO, "worker %s died while uncharging", charger);
	if (!ret)
		w->held -= pages;
	return ret;
}

static int memcg_release(struct target *t, const char *charger)
{
	struct memcg_priv *p = t->priv;
	struct worker *w;
	size_t idx;

	w = worker_find(t, charger, &idx);
	if (!w)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	p->workers[idx] = p->workers[--p->nr_workers];
	worker_free(w);
	return 0;
}

static int memcg_held(struct target *t, const char *charger, uint64_t *bytes)
{
	struct worker *w = worker_find(t, charger, NULL);

	if (!w)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	worker_check_alive(w);
	*bytes = w->held;
	return 0;
}

/*
 * Tolerance model, memcg side (docs/compare.md): the per-cpu stock holds up
 * to 64 pages per CPU; each worker adds a few pages of its own (stack and
 * libc pages written after joining, slab objects); page tables beyond the
 * pre-faulted range cost one page per 512; every child group's per-cpu
 * statistics are charged to its parent (measured: about 8K on 2 CPUs).
 */
#define MEMCG_BATCH_PAGES 64ULL
#define WORKER_OVERHEAD_PAGES 16ULL
#define CHILD_GROUP_PAGES 4ULL

static uint64_t memcg_slack(const struct target *t, unsigned int nr_groups,
			    unsigned int nr_chargers, uint64_t bytes)
{
	uint64_t pt = 0, prefault = (uint64_t)nr_chargers * WORKER_PT_PREFAULT;

	if (bytes > prefault)
		pt = (bytes - prefault) / (512 * PAGE) + 1;
	return (MEMCG_BATCH_PAGES * t->ncpus + WORKER_OVERHEAD_PAGES * nr_chargers +
		CHILD_GROUP_PAGES * t->ncpus * nr_groups + pt) * PAGE;
}

const struct target_ops tgt_memcg_ops = {
	.open = memcg_open,
	.close = memcg_close,
	.mkdir = memcg_mkdir,
	.rmdir = memcg_rmdir,
	.set = memcg_set,
	.reset = memcg_reset,
	.stats = memcg_stats,
	.charge = memcg_charge,
	.uncharge = memcg_uncharge,
	.release = memcg_release,
	.held = memcg_held,
	.slack = memcg_slack,
};
