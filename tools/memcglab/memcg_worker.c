// SPDX-License-Identifier: GPL-2.0
/*
 * Charger processes: one per charger, obeying commands over a pipe and
 * answering through an eventfd. The memcg target's workers touch and drop
 * anonymous memory, and write and truncate page cache in their own file on
 * the scratch disk, in their group (see target_memcg.c); the lab target's
 * chargers of an `oom kill` scenario write sizes to the charge file they
 * opened (target_lab.c). Either way an OOM kill ends a process of its own,
 * never the runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memcg.h"

#define WORKER_VA (64ULL << 30)		/* reserved, never all touched */
#define WORKER_STACK (128UL << 10)	/* stack touched before joining */
#define CHARGE_TIMEOUT_MS 120000
#define BLOCKED_STALL_MS 1500		/* v1 oom_kill_disable: stalled + under_oom */
#define ARM_TIMEOUT_MS 10000		/* a batch's worker reads its command */
#define WRITE_CHUNK (64UL << 10)	/* page cache is written this much at a time */
#define TMPFS_MAGIC_ 0x01021994
#define RAMFS_MAGIC_ 0x858458f6

/* Written to the charger's file; faulted in before the worker joins. */
static char wbuf[WRITE_CHUNK];

struct wcmd {
	int op;			/* W_*, with W_ADJ0 */
	uint32_t go;		/* wait for this go generation first, 0: don't */
	uint64_t bytes;
};

#define W_OP(op) ((op) & ~W_ADJ0)

static __attribute__((noinline)) void touch_stack(void)
{
	volatile char buf[WORKER_STACK];

	for (size_t i = 0; i < sizeof(buf); i += PAGE)
		buf[i] = 1;
}

/* A command of a concurrent batch: say so, then sleep until the runner's go. */
static void wait_go(struct wgo *go, struct wshared *sh, uint32_t gen)
{
	uint32_t cur;

	atomic_store(&sh->armed, gen);
	while ((int32_t)((cur = atomic_load(&go->gen)) - gen) < 0)
		syscall(SYS_futex, &go->gen, FUTEX_WAIT, cur, NULL, NULL, 0);
}

static void worker_reply(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		_exit(3);
}

/*
 * Append bytes of page cache to the file, then write it back (fdatasync):
 * clean pages are what reclaim can take at once, as the kernel selftests'
 * page cache is. 0 or errno.
 */
static int file_append(int fd, uint64_t *size, uint64_t bytes, struct wshared *sh)
{
	for (uint64_t off = 0; off < bytes;) {
		size_t n = bytes - off < WRITE_CHUNK ? bytes - off : WRITE_CHUNK;
		ssize_t w = pwrite(fd, wbuf, n, (off_t)(*size + off));

		if (w <= 0)
			return w < 0 ? errno : ENOSPC;
		off += (uint64_t)w;
		atomic_store_explicit(&sh->progress, off, memory_order_relaxed);
	}
	*size += bytes;
	return fdatasync(fd) ? errno : 0;
}

/* Write one command to the lab charge file as "[file ][-]BYTES"; 0 or errno. */
static int lab_write(int fd, const struct wcmd *cmd)
{
	char buf[48];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s%llu",
		     cmd->op == W_CHARGE_FILE || cmd->op == W_UNCHARGE_FILE ? "file " : "",
		     cmd->op == W_UNCHARGE || cmd->op == W_UNCHARGE_FILE ? "-" : "",
		     (unsigned long long)cmd->bytes);
	if (write(fd, buf, (size_t)n) == n)
		return 0;
	return errno ? errno : EIO;
}

/* Bytes the lab charge file says this descriptor holds. */
static uint64_t lab_held(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/* A lab charger: the owner of charge_fd, which it opened itself. */
static __attribute__((noreturn)) void lab_charger_main(int cmd_fd, int done_fd,
							int charge_fd, struct wshared *sh,
							struct wgo *go)
{
	struct wcmd cmd;

	atomic_store(&sh->ready, 1);
	worker_reply(done_fd);
	for (;;) {
		if (read(cmd_fd, &cmd, sizeof(cmd)) != sizeof(cmd))
			_exit(0);
		if (cmd.go && go)
			wait_go(go, sh, cmd.go);
		cmd.op = W_OP(cmd.op);
		if (cmd.op != W_PING) {
			errno = 0;
			atomic_store(&sh->err, lab_write(charge_fd, &cmd));
		}
		/* Reclaim of its page cache may have changed it since. */
		atomic_store(&sh->held, lab_held(charge_fd));
		worker_reply(done_fd);
	}
}

/*
 * The worker process. Everything it needs is faulted in before it says it is
 * ready; after that it only touches and drops pages of its region and
 * writes and truncates its file.
 */
static __attribute__((noreturn)) void worker_main(int cmd_fd, int done_fd,
						  int file_fd, struct wshared *sh,
						  struct wgo *go)
{
	volatile char *region;
	struct wcmd cmd;
	uint64_t held = 0, fsize = 0;
	struct stat st;
	int adj_fd;
	bool adj0;

	for (int fd = 3; fd < 1024; fd++)
		if (fd != cmd_fd && fd != done_fd && fd != file_fd)
			close(fd);
	/* Opened and the go page mapped in now, before the worker joins. */
	adj_fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (go)
		(void)atomic_load(&go->gen);
	if (file_fd >= 0 && !fstat(file_fd, &st))
		fsize = (uint64_t)st.st_size;
	memset(wbuf, 'm', sizeof(wbuf));
	touch_stack();
	/*
	 * No transparent huge pages anywhere in this mm: not at fault, and not
	 * from khugepaged, which collapses a 2M range of any THP-eligible
	 * mapping (the heap inherited from the runner, say) with as little as
	 * one page present, and charges the huge page to this group from its
	 * own thread, where no memory.high event is counted. The lab charges
	 * what a scenario asks for in 4K pages; so must the worker.
	 */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		_exit(2);
	region = mmap(NULL, WORKER_VA, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		_exit(2);
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
		if (cmd.go && go)
			wait_go(go, sh, cmd.go);
		adj0 = cmd.op & W_ADJ0;
		cmd.op = W_OP(cmd.op);
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
		} else if (cmd.op == W_CHARGE_FILE) {
			atomic_store(&sh->progress, 0);
			atomic_store(&sh->err, file_append(file_fd, &fsize, cmd.bytes, sh));
		} else if (cmd.op == W_UNCHARGE_FILE && cmd.bytes <= fsize) {
			fsize -= cmd.bytes;
			atomic_store(&sh->err, ftruncate(file_fd, (off_t)fsize) ? errno : 0);
		} else if (cmd.op == W_PING) {
			worker_reply(done_fd);
			continue;
		}
		if (adj0 && adj_fd >= 0)
			(void)!write(adj_fd, "0", 1);
		atomic_store(&sh->held, held);
		worker_reply(done_fd);
	}
}

void worker_free(struct worker *w)
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

/* Pin the worker to the idx'th CPU (modulo their number) this process may use. */
static int worker_pin(struct target *t, struct worker *w, int idx)
{
	cpu_set_t mine, one;
	int n = 0;

	if (sched_getaffinity(0, sizeof(mine), &mine))
		return tgt_fail(t, -errno, "sched_getaffinity: %s", strerror(errno));
	idx %= CPU_COUNT(&mine);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &mine) || n++ != idx)
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(w->pid, sizeof(one), &one))
			return tgt_fail(t, -errno, "worker %s: sched_setaffinity to CPU %d: %s",
					w->name, c, strerror(errno));
		return 0;
	}
	return tgt_fail(t, -EINVAL, "worker %s: no CPU %d to pin it to", w->name, idx);
}

void worker_release(struct worker *w)
{
	char file[PATH_MAX];

	tgt_fmt(file, sizeof(file), "%s", w->file);
	worker_free(w);
	if (file[0])
		unlink(file);
}

uint64_t worker_file_resident(const struct worker *w)
{
	uint64_t pages = 0;
	unsigned char *vec;
	struct stat st;
	size_t n;
	void *map;
	int fd;

	if (!w->file[0])
		return 0;
	fd = open(w->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !st.st_size) {
		close(fd);
		return 0;
	}
	n = ((size_t)st.st_size + PAGE - 1) / PAGE;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(n);
	if (map != MAP_FAILED && vec && !mincore(map, (size_t)st.st_size, vec))
		for (size_t i = 0; i < n; i++)
			pages += vec[i] & 1;
	free(vec);
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return pages * PAGE;
}

const char *memcg_scratch(char *err, size_t len)
{
	const char *dir = getenv("MEMCGLAB_SCRATCH");
	struct statfs sf;

	if (!dir || !*dir) {
		tgt_fmt(err, len, "file charges need page cache on a disk-backed filesystem: "
			"MEMCGLAB_SCRATCH is not set (the rig mounts one at /mnt/scratch)");
		return NULL;
	}
	if (statfs(dir, &sf)) {
		tgt_fmt(err, len, "MEMCGLAB_SCRATCH=%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (sf.f_type == TMPFS_MAGIC_ || sf.f_type == RAMFS_MAGIC_) {
		tgt_fmt(err, len, "MEMCGLAB_SCRATCH=%s is tmpfs/ramfs: its pages are not "
			"reclaimable page cache", dir);
		return NULL;
	}
	return dir;
}

/* Where a worker of group goes: GROUP/.workers on v2 (made on demand), GROUP on v1. */
static int worker_dir(struct target *t, const char *group, char *buf, size_t len)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];

	tgt_group_path(t, group, dir, sizeof(dir));
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
int worker_wait(struct target *t, struct worker *w)
{
	struct pollfd pfd[2] = {
		{ .fd = w->done_fd, .events = POLLIN },
		{ .fd = w->pidfd, .events = POLLIN },
	};
	char dir[PATH_MAX];
	uint64_t last = UINT64_MAX, v;
	int stalled = 0, waited = 0;

	tgt_group_path(t, w->group, dir, sizeof(dir));
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
			    !cg_read_key(dir, "memory.oom_control", "under_oom", &v) && v)
				return -EDEADLK;
			if (waited >= CHARGE_TIMEOUT_MS)
				return tgt_fail(t, -ETIMEDOUT, "worker %s in %s: no answer in %d s",
						w->name, dir, CHARGE_TIMEOUT_MS / 1000);
		}
	}
}

void set_oom_adj(pid_t pid, const char *val)
{
	char path[64];

	tgt_fmt(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	mlab_write(path, val);	/* best effort: the default works too */
}

/*
 * -ECHILD when the worker is gone: a killed process closes its files before
 * its pidfd says it has exited, so the write meets a pipe without reader
 * (EPIPE; SIGPIPE is ignored from the first spawn on).
 */
static int worker_send_cmd(struct target *t, struct worker *w, const struct wcmd *cmd)
{
	if (write(w->cmd_fd, cmd, sizeof(*cmd)) == sizeof(*cmd))
		return 0;
	if (errno == EPIPE)
		return -ECHILD;
	return tgt_fail(t, -EPIPE, "worker %s (pid %d): command pipe: %s",
			w->name, (int)w->pid, strerror(errno));
}

int worker_send(struct target *t, struct worker *w, int op, uint64_t bytes)
{
	struct wcmd cmd = { .op = op, .bytes = bytes };

	return worker_send_cmd(t, w, &cmd);
}

int worker_arm(struct target *t, struct worker_set *ws, struct worker *w, int op,
	       uint64_t bytes, int cpu)
{
	struct wcmd cmd = { .op = op, .bytes = bytes, .go = ws->gen + 1 };
	int ret;

	if (!ws->go || w->go != ws->go)
		return tgt_fail(t, -EINVAL, "worker %s has no start signal", w->name);
	if (cpu >= 0) {
		ret = worker_pin(t, w, cpu);
		if (ret)
			return ret;
	}
	ret = worker_send_cmd(t, w, &cmd);
	if (ret)
		return ret;
	w->async = W_ARMED;
	w->async_ret = 0;
	return 0;
}

/* Wait until w sleeps on generation gen (or died, or the time ran out). */
static void worker_armed_wait(struct worker *w, uint32_t gen, int *left_ms)
{
	struct pollfd pfd = { .fd = w->pidfd, .events = POLLIN };

	while (atomic_load(&w->sh->armed) != gen && *left_ms > 0) {
		if (poll(&pfd, 1, 1) > 0)
			return;
		--*left_ms;
	}
}

void worker_settle(struct target *t, struct worker_set *ws)
{
	uint32_t gen = ws->gen + 1;
	int left = ARM_TIMEOUT_MS;
	bool any = false;

	for (size_t i = 0; i < ws->n; i++) {
		if (ws->v[i]->async == W_ARMED) {
			worker_armed_wait(ws->v[i], gen, &left);
			any = true;
		}
	}
	if (!any)
		return;
	/* All asleep on the word: one store and one wake start them together. */
	ws->gen = gen;
	atomic_store(&ws->go->gen, gen);
	syscall(SYS_futex, &ws->go->gen, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	for (size_t i = 0; i < ws->n; i++) {
		struct worker *w = ws->v[i];

		if (w->async == W_ARMED) {
			w->async_ret = worker_wait(t, w);
			w->async = W_SETTLED;
		}
	}
}

/* The child: close what it must not hold, then become the worker. */
static __attribute__((noreturn)) void worker_child(const struct worker *w, int cmd_fd,
						   int file_fd, const char *charge_path)
{
	int fd;

	if (!charge_path)
		worker_main(cmd_fd, w->done_fd, file_fd, w->sh, w->go);
	for (fd = 3; fd < 1024; fd++)
		if (fd != cmd_fd && fd != w->done_fd)
			close(fd);
	fd = open(charge_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		atomic_store(&w->sh->err, errno);
		_exit(2);
	}
	if (w->go)
		(void)atomic_load(&w->go->gen);
	lab_charger_main(cmd_fd, w->done_fd, fd, w->sh, w->go);
}

int worker_spawn(struct target *t, const struct worker_spec *spec,
		 struct worker **out)
{
	const char *scratch = NULL, *name = spec->name, *file = spec->file;
	struct worker *w;
	char dir[PATH_MAX], why[256];
	int pipefd[2], ret, file_fd = -1;

	if (!spec->charge_path) {
		ret = worker_dir(t, spec->group, dir, sizeof(dir));
		if (ret)
			return ret;
		scratch = memcg_scratch(why, sizeof(why));
	}
	signal(SIGPIPE, SIG_IGN);	/* a dead worker's pipe: EPIPE, not death */
	w = calloc(1, sizeof(*w));
	if (!w)
		return tgt_fail(t, -ENOMEM, "worker %s: out of memory", name);
	w->pidfd = w->cmd_fd = w->done_fd = -1;
	w->lab = spec->charge_path != NULL;
	w->go = spec->go;
	tgt_fmt(w->name, sizeof(w->name), "%s", name);
	tgt_fmt(w->group, sizeof(w->group), "%s", spec->group);
	/* The file is made here: the inode is charged to the runner. */
	if (file && file[0])
		tgt_fmt(w->file, sizeof(w->file), "%s", file);
	else if (scratch)
		tgt_fmt(w->file, sizeof(w->file), "%s/memcglab.%d.XXXXXX", scratch,
			(int)getpid());
	if (w->file[0]) {
		/* A name of its own (file given: a restored worker's) or a new one. */
		file_fd = file && file[0] ? open(w->file, O_RDWR | O_CREAT | O_CLOEXEC, 0600) :
			  mkostemp(w->file, O_CLOEXEC);
		if (file_fd < 0) {
			ret = tgt_fail(t, -errno, "worker %s: %s: %s", name, w->file,
				       strerror(errno));
			goto fail;
		}
	}
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
		worker_child(w, pipefd[0], file_fd, spec->charge_path);
	}
	close(pipefd[0]);
	if (file_fd >= 0)
		close(file_fd);
	file_fd = -1;
	w->cmd_fd = pipefd[1];
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	if (w->pidfd < 0) {
		ret = tgt_fail(t, -errno, "worker %s: pidfd_open: %s", name, strerror(errno));
		goto fail;
	}
	ret = worker_wait(t, w);
	if (ret) {
		int e = atomic_load(&w->sh->err);

		if (ret == -ECHILD && e)
			ret = tgt_fail(t, -e, "worker %s: open %s: %s", name,
				       spec->charge_path ? spec->charge_path : "?", strerror(e));
		else
			ret = tgt_fail(t, ret == -ECHILD ? -EIO : ret,
				       "worker %s: died while setting up", name);
		goto fail;
	}
	set_oom_adj(w->pid, "0");
	if (!spec->charge_path) {
		ret = cg_attach(dir, w->pid, t->err, sizeof(t->err));
		if (ret)
			goto fail;
	}
	*out = w;
	return 0;
fail:
	if (file_fd >= 0)
		close(file_fd);
	if (file && file[0])
		worker_free(w);
	else
		worker_release(w);
	return ret;
}

int worker_add(struct target *t, struct worker_set *ws,
	       const struct worker_spec *spec, struct worker **out)
{
	struct worker **n = realloc(ws->v, (ws->n + 1) * sizeof(*n));
	struct worker_spec sp = *spec;
	int ret;

	if (!n)
		return tgt_fail(t, -ENOMEM, "out of memory");
	ws->v = n;
	/* Mapped (and faulted in: the runner's page) before any worker forks. */
	if (!ws->go) {
		void *go = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (go == MAP_FAILED)
			return tgt_fail(t, -errno, "mmap: %s", strerror(errno));
		memset(go, 0, PAGE);
		ws->go = go;
	}
	sp.go = ws->go;
	ret = worker_spawn(t, &sp, out);
	if (!ret)
		ws->v[ws->n++] = *out;
	return ret;
}

void worker_drop(struct worker_set *ws, size_t idx)
{
	struct worker *w = ws->v[idx];

	ws->v[idx] = ws->v[--ws->n];
	worker_release(w);
}

/*
 * Drop the workers bound to @group that hold nothing: no charge, none
 * parked, no page cache left (a lab charger has no file). They do not
 * keep a group alive.
 */
void worker_set_drop_idle(struct worker_set *ws, const char *group)
{
	for (size_t i = 0; i < ws->n;) {
		struct worker *w = ws->v[i];

		worker_check_alive(w);
		if (!strcmp(w->group, group) && !w->held && !w->parked &&
		    !worker_file_resident(w))
			worker_drop(ws, i);
		else
			i++;
	}
}

void worker_set_free(struct worker_set *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		worker_release(ws->v[i]);
	free(ws->v);
	if (ws->go)
		munmap(ws->go, PAGE);
	ws->go = NULL;
	ws->v = NULL;
	ws->n = 0;
}

struct worker *worker_find(struct worker_set *ws, const char *name, size_t *idx)
{
	for (size_t i = 0; i < ws->n; i++) {
		if (!strcmp(ws->v[i]->name, name)) {
			if (idx)
				*idx = i;
			return ws->v[i];
		}
	}
	return NULL;
}

void worker_reap(struct worker *w)
{
	if (w->pid > 0)
		waitpid(w->pid, NULL, 0);
	w->pid = -1;
	w->dead = true;
	w->held = 0;
	w->parked = 0;
	if (w->sh)
		atomic_store(&w->sh->held, 0);
}

/* A worker that exited on its own was OOM killed (limit lowered under it). */
void worker_check_alive(struct worker *w)
{
	struct pollfd pfd = { .fd = w->pidfd, .events = POLLIN };

	if (!w->dead && poll(&pfd, 1, 0) > 0)
		worker_reap(w);
}

uint64_t oom_kills(struct target *t, const char *group)
{
	struct memcg_priv *p = t->priv;
	struct tgt_stats st = { 0 };
	char dir[PATH_MAX];

	tgt_group_path(t, group, dir, sizeof(dir));
	if (cg_stats(&p->hier, dir, &st))
		return 0;
	return st.oom_kill;
}

/* Replace a dead or blocked worker by a fresh one holding what it held before. */
int worker_restore(struct target *t, struct worker_set *ws, size_t idx,
		   uint64_t held)
{
	struct worker *w = ws->v[idx], *nw;
	struct worker_spec spec = { .name = w->name, .group = w->group, .file = w->file,
				    .go = ws->go };
	int ret;

	ret = worker_spawn(t, &spec, &nw);
	if (ret)
		return ret;
	nw->file_bytes = w->file_bytes;
	ws->v[idx] = nw;
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

/* A charge's end, once its worker answered or stopped answering. */
int worker_charge_end(struct target *t, struct worker *w, int ret,
			     struct tgt_charge_res *res)
{
	int e;

	if (ret == -ECHILD) {
		res->done = atomic_load(&w->sh->progress);
		res->oom_killed = true;
		worker_reap(w);
		return tgt_fail(t, -ECHILD, "charger %s in %s: OOM-killed during its charge",
				w->name, w->group);
	}
	if (ret == -EDEADLK) {
		res->done = atomic_load(&w->sh->progress);
		res->blocked = true;
		return tgt_fail(t, -EINPROGRESS, "charger %s in %s: parked in the OOM wait",
				w->name, w->group);
	}
	if (ret) {
		w->parked = 0;
		return ret;
	}
	e = atomic_load(&w->sh->err);
	if (w->lab)
		w->held = atomic_load(&w->sh->held);
	else if (!e && w->parked_file)
		w->file_bytes += w->parked;
	else if (!e)
		w->held = atomic_load(&w->sh->held);
	res->done = e ? 0 : w->parked;
	w->parked = 0;
	if (e)
		return tgt_fail(t, -e, "charger %s in %s: charge: %s", w->name, w->group,
				strerror(e));
	return 0;
}

int worker_charge_begin(struct target *t, struct worker *w, bool file,
			uint64_t bytes)
{
	worker_check_alive(w);
	if (w->dead)
		return tgt_fail(t, -ESRCH, "charger %s was OOM-killed before", w->name);
	if (w->parked)
		return tgt_fail(t, -EBUSY, "charger %s: its last charge is still parked",
				w->name);
	if (file && !w->lab && !w->file[0])
		return tgt_fail(t, -EOPNOTSUPP, "charger %s: no scratch file for page cache",
				w->name);
	w->parked = bytes;
	w->parked_file = file;
	return 0;
}

int worker_charge_oom(struct target *t, struct worker *w, bool file,
		      uint64_t bytes, struct tgt_charge_res *res)
{
	int ret = worker_charge_begin(t, w, file, bytes);

	if (ret)
		return ret;
	ret = worker_send(t, w, file ? W_CHARGE_FILE : W_CHARGE, bytes);
	return worker_charge_end(t, w, ret ? ret : worker_wait(t, w), res);
}

int target_adj(struct target *t, const char *charger, int adj)
{
	struct worker_set *ws = t->ops->workers ? t->ops->workers(t) : NULL;
	struct worker *w = ws ? worker_find(ws, charger, NULL) : NULL;
	char val[16], path[64];
	int ret;

	if (!ws)
		return tgt_fail(t, -EOPNOTSUPP, "adj %s: chargers are not processes here "
				"(the scenario needs `oom kill`)", charger);
	if (!w || w->dead)
		return tgt_fail(t, -ENOENT, "adj: no live charger %s", charger);
	tgt_fmt(val, sizeof(val), "%d", adj);
	tgt_fmt(path, sizeof(path), "/proc/%d/oom_score_adj", (int)w->pid);
	ret = mlab_write(path, val);
	if (ret)
		return tgt_fail(t, ret, "%s: writing %s: %s", path, val, strerror(-ret));
	return 0;
}

int target_wait(struct target *t, const char *charger)
{
	struct worker_set *ws = t->ops->workers ? t->ops->workers(t) : NULL;
	struct worker *w = ws ? worker_find(ws, charger, NULL) : NULL;
	struct tgt_charge_res res = { 0 };

	if (!w)
		return tgt_fail(t, -ENOENT, "wait: no charger %s", charger);
	if (!w->parked || w->dead)
		return tgt_fail(t, -EINVAL, "wait: charger %s has no parked charge", charger);
	return worker_charge_end(t, w, worker_wait(t, w), &res);
}

/*
 * Killed: the process is gone, or will never answer. An idle worker is
 * pinged: one with SIGKILL pending never returns to user space, so the
 * answer (or its death) settles it even while the kill is in flight.
 */
int target_killed(struct target *t, const char *charger, bool *killed)
{
	struct worker_set *ws = t->ops->workers ? t->ops->workers(t) : NULL;
	struct worker *w = ws ? worker_find(ws, charger, NULL) : NULL;
	int ret;

	*killed = false;
	if (!w)
		return 0;
	worker_check_alive(w);
	if (!w->dead && !w->parked) {
		ret = worker_send(t, w, W_PING, 0);
		ret = ret ? ret : worker_wait(t, w);
		if (ret == -ECHILD)
			worker_reap(w);
		else if (ret)
			return ret;
	}
	*killed = w->dead;
	return 0;
}
