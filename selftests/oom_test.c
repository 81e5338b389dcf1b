// SPDX-License-Identifier: GPL-2.0
/*
 * oom_test.c - the lab's OOM killer, v1 oom_kill_disable and memory.high
 * throttling (docs/oom.md).  The OOM expectations of the kernel's
 * test_memcontrol.c (oom_events, the oom_group tests, memory.high) run on
 * the lab and, with the same setup, on the real memcg in the guest: both
 * must agree.  A worker is a child process that charges (lab: writes to
 * its own memcglab.charge descriptor; real: touches anonymous memory in
 * the cgroup) and then waits, or charges until it is stopped.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "reliability.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>

#define MB (1024UL * 1024)
#define OOM_SCORE_ADJ_MIN (-1000)

/* Where workers charge: a lab group or a real cgroup v2/v1 directory. */
struct where {
	bool real;
	char path[MLAB_PATH_MAX];
};

struct worker {
	pid_t pid;
	int status;	/* from waitpid() once reaped */
};

/*
 * Charge @bytes in 1M steps (lab: one write each; real: touch the pages).
 * Returns 0 or the lab write's -errno; a real worker is killed instead.
 */
static int charge_steps(const struct where *w, int fd, size_t bytes)
{
	size_t done;

	for (done = 0; done < bytes; done += MB) {
		if (w->real) {
			char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			size_t i;

			if (p == MAP_FAILED)
				return -errno;
			for (i = 0; i < MB; i += REL_PAGE)
				p[i] = 1;
		} else {
			int err = mlab_charge(fd, "1M");

			if (err)
				return err;
		}
	}
	return 0;
}

struct worker_job {
	const struct where *w;
	size_t bytes;
	int adj;
};

/* In the worker: take @adj, join the group (real) or open a descriptor. */
static int worker_job(void *arg)
{
	const struct worker_job *j = arg;
	int fd = -1, err;

	if (j->adj && mlab_oom_adj(j->adj))
		return -EPERM;
	if (j->w->real) {
		err = mlab_cgroup_enter(j->w->path);
		if (err)
			return err;
	} else {
		fd = mlab_charge_open(j->w->path);
		if (fd < 0)
			return fd;
	}
	return charge_steps(j->w, fd, j->bytes);
}

/*
 * Start a worker in @w that charges @bytes with oom_score_adj @adj
 * (mlab_worker_start()).  With @stay it waits to be killed once the charge
 * is done, and the pid comes back only then (a refused charge: -errno);
 * otherwise it exits with the charge's errno (0 when all of it fit).
 */
static pid_t worker_start(const struct where *w, size_t bytes, int adj,
			  bool stay)
{
	struct worker_job j = { .w = w, .bytes = bytes, .adj = adj };

	return mlab_worker_start(worker_job, &j, stay);
}

static int worker_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static bool killed(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* Did @pid die of SIGKILL?  Reaps it if it died (non-blocking, 3 s). */
static bool worker_killed(pid_t pid)
{
	int i, status;

	for (i = 0; i < 300; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return killed(status);
		usleep(10000);
	}
	return false;
}

static void worker_stop(pid_t pid)
{
	if (pid > 0 && !kill(pid, SIGKILL))
		waitpid(pid, NULL, 0);
}

/* "key N" of a flat-keyed file, or -1 if it cannot be read. */
static long long key(const char *dir, const char *file, const char *k)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_key(mlab_path(path, dir, file), k, &v))
		return -1;
	return (long long)v;
}

/* A file's number ("max": LLONG_MAX), or -1 if it cannot be read. */
static long long number(const char *dir, const char *file)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_u64(mlab_path(path, dir, file), &v))
		return -1;
	return v == MLAB_UNLIMITED ? LLONG_MAX : (long long)v;
}

/* One netlink charge of delta bytes to ref; the entry's result in *r. */
static int nl_charge(struct mlab_nl *t, const struct mlab_group_ref *ref,
		     int64_t delta, struct mlab_charge_req *r)
{
	*r = (struct mlab_charge_req){ .ref = *ref, .delta = delta };
	return mlab_nl_charge(t, r, 1);
}

static int put(const char *dir, const char *file, const char *s)
{
	char path[MLAB_PATH_MAX];

	return mlab_write(mlab_path(path, dir, file), s);
}

/* memory.swap.max where the real memcg has it (swap accounting). */
static void no_swap(const struct where *w)
{
	char path[MLAB_PATH_MAX];

	if (w->real && !access(mlab_path(path, w->path, "memory.swap.max"),
			       F_OK))
		mlab_write(path, "0");
}

static int sub(const struct where *parent, const char *name,
	       struct where *out)
{
	out->real = parent->real;
	mlab_path(out->path, parent->path, name);
	return mkdir(out->path, 0755) ? -errno : 0;
}

/* memory.max of @w, and no swap for the real memcg to fall back on. */
static int set_max(const struct where *w, const char *max)
{
	int err = put(w->path, "memory.max", max);

	no_swap(w);
	return err;
}

/* Children @a and @b of @w, with the memory controller enabled for them. */
static int subs(const struct where *w, const char *name_a, struct where *a,
		const char *name_b, struct where *b)
{
	int err = 0;

	if (w->real)
		err = put(w->path, "cgroup.subtree_control", "+memory");
	if (!err)
		err = sub(w, name_a, a);
	if (!err)
		err = sub(w, name_b, b);
	return err;
}

/*
 * Two 1M workers in @w, then a 100M charger there that OOM-kills the group
 * (memory.oom.group set at @w or above): the charger and both die.
 */
static void oom_group_kill(struct __test_metadata *_metadata,
			   const struct where *w)
{
	pid_t c1, c2;
	int status;

	c1 = worker_start(w, MB, 0, true);
	ASSERT_GT(c1, 0);
	c2 = worker_start(w, MB, 0, true);
	ASSERT_GT(c2, 0);
	status = worker_wait(worker_start(w, 100 * MB, 0, false));
	EXPECT_TRUE(killed(status)) TH_LOG("status %#x", status);
	EXPECT_TRUE(worker_killed(c1));
	EXPECT_TRUE(worker_killed(c2));
}

/* The rig's v1 boot reruns this program for the v1 oracle only. */
static bool v1_boot(void)
{
	const char *phase = getenv("MEMCGLAB_V1");

	return phase && !strcmp(phase, "now");
}

/* --- the fixture: a lab mount and a real cgroup v2 group ------------------- */

FIXTURE(oom) {
	char dir[MLAB_PATH_MAX];
	struct where top;
	bool mounted;
};

FIXTURE_VARIANT(oom) {
	bool real;
	const char *opts;
	long slack;	/* pages a per-cpu stock may keep charged */
};

FIXTURE_VARIANT_ADD(oom, lab) { .real = false, .opts = "oom=kill" };
FIXTURE_VARIANT_ADD(oom, lab_batched) {
	.real = false, .opts = "policy=batched,oom=kill", .slack = 2 * 64 };
FIXTURE_VARIANT_ADD(oom, memcg) { .real = true };

/* The lab's memory.current is exact (up to the stocks); the kernel's not. */
#define EXPECT_CURRENT(dir, want) do {					\
	if (!variant->real) {						\
		long long __cur = number(dir, "memory.current");	\
		EXPECT_GE(__cur, (long long)(want));			\
		EXPECT_LE(__cur, (long long)(want) +			\
			  variant->slack * (long long)REL_PAGE);	\
	}								\
} while (0)

FIXTURE_SETUP(oom)
{
	int err;

	if (getuid() != 0)
		SKIP(return, "needs root");
	if (v1_boot())
		SKIP(return, "runs in the rig's main boot");
	self->top.real = variant->real;
	if (variant->real) {
		if (mlab_memcg_elsewhere(2))
			SKIP(return, "%s", mlab_memcg_elsewhere(2));
		err = mlab_memcg2_create("mlab_oom", self->top.path);
		if (err == -EOPNOTSUPP)
			SKIP(return, "no cgroup v2 memory controller");
		ASSERT_EQ(0, err) TH_LOG("real cgroup: %s", strerror(-err));
		return;
	}
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	self->mounted = true;
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "top", self->top.path));
}

/* Remove @dir's subgroups (one level deeper at most) and @dir. */
static void remove_tree(const char *dir, bool real)
{
	static const char * const kids[] = { "p", "c", "a", "b" };
	char path[MLAB_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		mlab_path(path, dir, kids[i]);
		if (real)
			mlab_memcg2_remove(path);
		else
			rmdir(path);
	}
	if (real)
		mlab_memcg2_remove(dir);
	else
		rmdir(dir);
}

FIXTURE_TEARDOWN(oom)
{
	if (variant->real && self->top.path[0]) {
		remove_tree(self->top.path, true);
		return;
	}
	if (self->mounted) {
		remove_tree(self->top.path, false);
		EXPECT_EQ(0, mlab_umount(self->dir, false));
	}
}

/* test_memcg_oom_events: exactly one oom and one oom_kill. */
TEST_F(oom, oom_events)
{
	struct where *w = &self->top;
	int status;
	pid_t pid;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, set_max(w, "30M"));
	pid = worker_start(w, 100 * MB, 0, false);
	ASSERT_GT(pid, 0);
	status = worker_wait(pid);
	EXPECT_TRUE(killed(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(1, key(w->path, "memory.events", "oom"));
	EXPECT_EQ(1, key(w->path, "memory.events", "oom_kill"));
	EXPECT_EQ(1, key(w->path, "memory.events.local", "oom_kill"));
	EXPECT_GT(key(w->path, "memory.events", "max"), 0);
	EXPECT_EQ(0, key(w->path, "memory.events", "oom_group_kill"));
	EXPECT_CURRENT(w->path, 0);
}

/* The biggest owner in the domain is the victim; the charger survives. */
TEST_F(oom, victim_by_size)
{
	struct where *w = &self->top, a, b;
	pid_t big, small, hog;
	int status;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, set_max(w, "40M"));
	ASSERT_EQ(0, subs(w, "a", &a, "b", &b));
	big = worker_start(&a, 24 * MB, 0, true);
	ASSERT_GT(big, 0);
	small = worker_start(&b, 4 * MB, 0, true);
	ASSERT_GT(small, 0);
	hog = worker_start(&b, 14 * MB, 0, false);
	ASSERT_GT(hog, 0);
	status = worker_wait(hog);
	EXPECT_TRUE(worker_killed(big));
	EXPECT_EQ(1, key(a.path, "memory.events", "oom_kill"));
	if (variant->real) {
		/*
		 * The kernel's victim frees its pages asynchronously (some
		 * sit in per-cpu LRU batches after the reaper is done), so a
		 * retrying charger may meet another OOM and be killed too.
		 * What holds every time: the biggest goes first.
		 */
		TH_LOG("kernel: charger status %#x, oom %lld, oom_kill %lld",
		       status, key(w->path, "memory.events", "oom"),
		       key(w->path, "memory.events", "oom_kill"));
		EXPECT_GE(key(w->path, "memory.events", "oom"), 1);
	} else {
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("the charger: status %#x", status);
		EXPECT_EQ(0, waitpid(small, &status, WNOHANG));
		EXPECT_EQ(1, key(w->path, "memory.events", "oom"));
		EXPECT_EQ(1, key(w->path, "memory.events", "oom_kill"));
		EXPECT_EQ(0, key(b.path, "memory.events", "oom_kill"));
	}
	EXPECT_CURRENT(w->path, 4 * MB);
	worker_stop(small);
}

/* oom_score_adj -1000 is never chosen, even when it is the biggest. */
TEST_F(oom, score_adj_min_spared)
{
	struct where *w = &self->top;
	pid_t safe, other, hog;
	int status;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, set_max(w, "40M"));
	safe = worker_start(w, 24 * MB, OOM_SCORE_ADJ_MIN, true);
	ASSERT_GT(safe, 0);
	other = worker_start(w, 8 * MB, 0, true);
	ASSERT_GT(other, 0);
	hog = worker_start(w, 10 * MB, OOM_SCORE_ADJ_MIN, false);
	ASSERT_GT(hog, 0);
	status = worker_wait(hog);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the charger: status %#x", status);
	EXPECT_TRUE(worker_killed(other));
	EXPECT_EQ(0, waitpid(safe, &status, WNOHANG));
	EXPECT_EQ(1, key(w->path, "memory.events", "oom_kill"));
	worker_stop(safe);
}

/* test_memcg_oom_group_leaf_events, with the parent's task in a leaf. */
TEST_F(oom, group_leaf_events)
{
	struct where *w = &self->top, p, c;
	pid_t parent;
	int status;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, subs(w, "p", &p, "c", &c));
	ASSERT_EQ(0, set_max(&c, "50M"));
	ASSERT_EQ(0, put(c.path, "memory.oom.group", "1"));
	parent = worker_start(&p, 60 * MB, 0, true);
	ASSERT_GT(parent, 0);
	oom_group_kill(_metadata, &c);
	EXPECT_EQ(0, waitpid(parent, &status, WNOHANG));
	EXPECT_GT(key(c.path, "memory.events", "oom_kill"), 0);
	EXPECT_EQ(1, key(c.path, "memory.events", "oom_group_kill"));
	EXPECT_GT(key(w->path, "memory.events", "oom_kill"), 0);
	EXPECT_EQ(0, key(w->path, "memory.events.local", "oom_kill"));
	EXPECT_CURRENT(c.path, 0);
	worker_stop(parent);
}

/* test_memcg_oom_group_parent_events: the whole subtree goes. */
TEST_F(oom, group_parent_events)
{
	struct where *w = &self->top, p, c;
	pid_t parent;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, set_max(w, "80M"));
	ASSERT_EQ(0, put(w->path, "memory.oom.group", "1"));
	ASSERT_EQ(0, subs(w, "p", &p, "c", &c));
	parent = worker_start(&p, 60 * MB, 0, true);
	ASSERT_GT(parent, 0);
	oom_group_kill(_metadata, &c);
	EXPECT_TRUE(worker_killed(parent));
	EXPECT_EQ(1, key(w->path, "memory.events", "oom_group_kill"));
	EXPECT_CURRENT(w->path, 0);
}

/*
 * test_memcg_oom_group_score_events: all but the OOM_SCORE_ADJ_MIN task
 * are killed, and oom_kill reads 3 (the victim is counted again by the
 * group kill).
 */
TEST_F(oom, group_score_events)
{
	struct where *w = &self->top;
	pid_t safe, other;
	int status;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, set_max(w, "50M"));
	ASSERT_EQ(0, put(w->path, "memory.oom.group", "1"));
	safe = worker_start(w, MB, OOM_SCORE_ADJ_MIN, true);
	ASSERT_GT(safe, 0);
	other = worker_start(w, MB, 0, true);
	ASSERT_GT(other, 0);
	status = worker_wait(worker_start(w, 100 * MB, 0, false));
	EXPECT_TRUE(killed(status)) TH_LOG("status %#x", status);
	EXPECT_TRUE(worker_killed(other));
	EXPECT_EQ(0, waitpid(safe, &status, WNOHANG));
	EXPECT_EQ(3, key(w->path, "memory.events", "oom_kill"));
	EXPECT_EQ(1, key(w->path, "memory.events", "oom_group_kill"));
	EXPECT_CURRENT(w->path, MB);
	worker_stop(safe);
}

/* v2 memory.max below usage: kill until usage fits. */
TEST_F(oom, max_below_usage)
{
	struct where *w = &self->top;
	pid_t big, small;
	int status;

	if (_metadata->skip)
		return;
	no_swap(w);
	big = worker_start(w, 20 * MB, 0, true);
	ASSERT_GT(big, 0);
	small = worker_start(w, 5 * MB, 0, true);
	ASSERT_GT(small, 0);
	ASSERT_EQ(0, put(w->path, "memory.max", "10M"));
	EXPECT_TRUE(worker_killed(big));
	EXPECT_LE(number(w->path, "memory.current"), 10 * MB);
	EXPECT_GE(key(w->path, "memory.events", "oom"), 1);
	if (variant->real) {
		/*
		 * The kernel's victim exits asynchronously; once the reaper
		 * marks it done while usage is still above, the loop may
		 * take the next one too.  At least the biggest goes.
		 */
		TH_LOG("kernel: oom_kill %lld, the small one %s",
		       key(w->path, "memory.events", "oom_kill"),
		       waitpid(small, &status, WNOHANG) ? "killed" : "alive");
		EXPECT_GE(key(w->path, "memory.events", "oom_kill"), 1);
	} else {
		EXPECT_EQ(0, waitpid(small, &status, WNOHANG));
		EXPECT_EQ(1, key(w->path, "memory.events", "oom_kill"));
		EXPECT_CURRENT(w->path, 5 * MB);
	}
	worker_stop(small);
}

/* test_memcg_high's expectations that need no reclaim. */
TEST_F(oom, high_events)
{
	struct where *w = &self->top;
	char buf[32], path[MLAB_PATH_MAX];
	int status;

	if (_metadata->skip)
		return;
	ASSERT_GT(mlab_read(mlab_path(path, w->path, "memory.high"), buf,
			    sizeof(buf)), 0);
	EXPECT_STREQ("max\n", buf);
	no_swap(w);
	ASSERT_EQ(0, put(w->path, "memory.high", "30M"));
	status = worker_wait(worker_start(w, 31 * MB, 0, false));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);
	EXPECT_GT(key(w->path, "memory.events", "high"), 0);
	EXPECT_EQ(0, key(w->path, "memory.events", "oom"));
}

/* --- lab only ------------------------------------------------------------- */

FIXTURE(lab) {
	char dir[MLAB_PATH_MAX];
	char group[MLAB_PATH_MAX];
	bool mounted;
};

FIXTURE_SETUP(lab)
{
	if (getuid() != 0)
		SKIP(return, "needs root");
	if (v1_boot())
		SKIP(return, "runs in the rig's main boot");
	ASSERT_EQ(0, mlab_ensure_module());
}

FIXTURE_TEARDOWN(lab)
{
	if (!self->mounted)
		return;
	rmdir(self->group);
	EXPECT_EQ(0, mlab_umount(self->dir, false));
}

static void lab_mount(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lab) *self, const char *opts)
{
	ASSERT_EQ(0, mlab_mount(opts, self->dir));
	self->mounted = true;
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "g", self->group));
}

static bool mount_has(const char *dir, const char *opt)
{
	char buf[65536], needle[MLAB_PATH_MAX + 8];

	if (mlab_read("/proc/mounts", buf, sizeof(buf)) < 0)
		return false;
	snprintf(needle, sizeof(needle), "%s memcglab ", dir);
	return strstr(buf, needle) && strstr(strstr(buf, needle), opt);
}

TEST_F(lab, mount_option)
{
	char dir[MLAB_PATH_MAX];

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, mlab_mount(NULL, dir));
	EXPECT_TRUE(mount_has(dir, ",oom=kill"));
	EXPECT_EQ(0, mlab_umount(dir, false));
	ASSERT_EQ(0, mlab_mount("oom=revoke", dir));
	EXPECT_TRUE(mount_has(dir, ",oom=revoke"));
	EXPECT_EQ(0, mlab_umount(dir, false));
	ASSERT_EQ(0, mlab_mount("v1,oom=off", dir));
	EXPECT_TRUE(mount_has(dir, ",oom=off"));
	EXPECT_EQ(0, mlab_umount(dir, false));
	EXPECT_EQ(-EINVAL, mlab_mount("oom=maybe", dir));
	EXPECT_EQ(-EINVAL, mlab_mount("oom", dir));
}

/* memory.oom.group: the kernel's syntax and errors; not on the root. */
TEST_F(lab, oom_group_file)
{
	char path[MLAB_PATH_MAX];

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, NULL);
	mlab_path(path, self->group, "memory.oom.group");
	EXPECT_EQ(0, number(self->group, "memory.oom.group"));
	EXPECT_EQ(0, mlab_write(path, "1\n"));
	EXPECT_EQ(1, number(self->group, "memory.oom.group"));
	EXPECT_EQ(0, mlab_write(path, " 0x0 "));
	EXPECT_EQ(0, number(self->group, "memory.oom.group"));
	EXPECT_EQ(-EINVAL, mlab_write(path, "2"));
	EXPECT_EQ(-EINVAL, mlab_write(path, "-1"));
	EXPECT_EQ(-EINVAL, mlab_write(path, "yes"));
	EXPECT_EQ(-ERANGE, mlab_write(path, "99999999999"));
	EXPECT_EQ(0, number(self->group, "memory.oom.group"));
	EXPECT_NE(0, access(mlab_path(path, self->dir, "memory.oom.group"),
			    F_OK));
}

/* oom=revoke: no signal; the victim's descriptor answers EIO. */
TEST_F(lab, revoke)
{
	int victim, charger;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, "oom=revoke");
	ASSERT_EQ(0, put(self->group, "memory.max", "10M"));
	victim = mlab_charge_open(self->group);
	charger = mlab_charge_open(self->group);
	ASSERT_GE(victim, 0);
	ASSERT_GE(charger, 0);
	ASSERT_EQ(0, mlab_charge(victim, "8M"));
	ASSERT_EQ(0, mlab_charge(charger, "1M"));
	EXPECT_EQ(0, mlab_charge(charger, "4M"));
	EXPECT_EQ(5 * MB, number(self->group, "memory.current"));
	EXPECT_EQ(0, mlab_charge_held(victim));
	EXPECT_EQ(-EIO, mlab_charge(victim, "1M"));
	EXPECT_EQ(-EIO, mlab_charge(victim, "-1M"));
	EXPECT_EQ(1, key(self->group, "memory.events", "oom"));
	EXPECT_EQ(1, key(self->group, "memory.events", "oom_kill"));
	/*
	 * A charge nobody can make room for: the charger is its own victim,
	 * and with nothing left to kill the charge fails.
	 */
	EXPECT_EQ(-ENOMEM, mlab_charge(charger, "20M"));
	EXPECT_EQ(0, number(self->group, "memory.current"));
	EXPECT_EQ(2, key(self->group, "memory.events", "oom_kill"));
	EXPECT_EQ(-EIO, mlab_charge(charger, "1M"));
	close(victim);
	close(charger);
	EXPECT_EQ(0, number(self->group, "memory.current"));
}

/* oom=off: ENOMEM as before, no oom events. */
TEST_F(lab, off)
{
	int a, b;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, "oom=off");
	ASSERT_EQ(0, put(self->group, "memory.max", "10M"));
	a = mlab_charge_open(self->group);
	b = mlab_charge_open(self->group);
	ASSERT_EQ(0, mlab_charge(a, "8M"));
	EXPECT_EQ(-ENOMEM, mlab_charge(b, "4M"));
	EXPECT_EQ(8 * MB, mlab_charge_held(a));
	EXPECT_EQ(0, key(self->group, "memory.events", "oom"));
	/* One max event per attempt: 1, 1 after the drain, 16 retries. */
	EXPECT_EQ(18, key(self->group, "memory.events", "max"));
	close(a);
	close(b);
	EXPECT_EQ(0, number(self->group, "memory.current"));
}

/* An inherited descriptor: the opener is killed, the pages come back. */
TEST_F(lab, inherited_descriptor)
{
	int fd, status, pfd[2];
	pid_t opener, heir;
	char c = 0;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, NULL);
	ASSERT_EQ(0, put(self->group, "memory.max", "10M"));
	ASSERT_EQ(0, pipe(pfd));
	opener = fork();
	ASSERT_GE(opener, 0);
	if (!opener) {
		fd = mlab_charge_open(self->group);
		if (fd < 0 || mlab_charge(fd, "8M"))
			_exit(1);
		heir = fork();
		if (!heir) {
			/* The heir keeps the descriptor; it learns EIO. */
			if (write(pfd[1], &c, 1) != 1)
				_exit(2);
			while (!mlab_charge(fd, "4k"))
				usleep(1000);
			_exit(errno == EIO ? 0 : 3);
		}
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	fd = mlab_charge_open(self->group);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, mlab_charge(fd, "4M"));
	EXPECT_TRUE(worker_killed(opener));
	EXPECT_LE(number(self->group, "memory.current"), 4 * MB + 16 * 4096);
	close(fd);
	/* The heir is an orphan now; give it a moment to see EIO. */
	usleep(200000);
	EXPECT_EQ(0, number(self->group, "memory.current"));
	(void)status;
	close(pfd[0]);
	close(pfd[1]);
}

/* --- memory.high throttling ------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * calculate_high_delay() in seconds: (over/high)^2 * HZ * nr / 64 jiffies
 * reduce to (over/high)^2 * nr seconds, capped at 2 s, none under 10 ms.
 */
static double high_delay(long usage, long high, long nr)
{
	double f = (double)(usage - high) / high, d = f * f * nr;

	if (d > 2.0)
		d = 2.0;
	return d <= 0.01 ? 0 : d;
}

/* Charge @pages at high so that the next @nr-page charge is throttled. */
static double timed_charge(struct __test_metadata *_metadata,
			   const char *group, int fd, long base, long nr)
{
	char size[32];
	double t;

	snprintf(size, sizeof(size), "%ld", base * 4096);
	EXPECT_EQ(0, put(group, "memory.high", "max"));
	EXPECT_EQ(0, mlab_charge(fd, size));
	EXPECT_EQ(0, put(group, "memory.high", "4M"));
	snprintf(size, sizeof(size), "%ld", nr * 4096);
	t = now();
	EXPECT_EQ(0, mlab_charge(fd, size));
	return now() - t;
}

TEST_F(lab, high_throttle)
{
	static const struct { long base, nr; } cases[] = {
		{ 2047, 1 },	/* f = 1: 1 s */
		{ 1746, 2 },	/* f = 0.707: 1 s */
		{ 1530, 6 },	/* f = 0.5: 1.5 s */
		{ 2047, 4 },	/* f = 1: 4 s, capped at 2 s */
	};
	long high = 1024;
	size_t i;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double want, got = 1e9;
		int try;

		want = high_delay(cases[i].base + cases[i].nr, high,
				  cases[i].nr);
		/*
		 * The sleep is a lower bound; a loaded TCG host only adds
		 * to it.  Take the better of two tries when the first is
		 * off.
		 */
		for (try = 0; try < 2 && !(got >= want * 0.8 &&
					   got <= want * 1.2); try++) {
			int fd = mlab_charge_open(self->group);
			double t;

			ASSERT_GE(fd, 0);
			t = timed_charge(_metadata, self->group, fd,
					 cases[i].base, cases[i].nr);
			close(fd);
			if (t < got)
				got = t;
		}
		TH_LOG("usage %ld pages, high %ld, +%ld: slept %.3f s, formula %.3f s",
		       cases[i].base + cases[i].nr, high, cases[i].nr, got,
		       want);
		EXPECT_GE(got, want * 0.8);
		EXPECT_LE(got, want * 1.2);
	}
	EXPECT_GT(key(self->group, "memory.events", "high"), 0);
	EXPECT_EQ(0, number(self->group, "memory.current"));
}

/* Under HZ/100 no sleep at all: 20 charges each owing ~8 ms. */
TEST_F(lab, high_no_small_sleep)
{
	double t;
	int fd, i;

	if (_metadata->skip)
		return;
	double base;

	lab_mount(_metadata, self, NULL);
	fd = mlab_charge_open(self->group);
	ASSERT_GE(fd, 0);
	/* The same 20 charges without a high: what they cost anyway. */
	ASSERT_EQ(0, mlab_charge(fd, "4505600"));	/* 1100 pages */
	base = now();
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, mlab_charge(fd, "4k"));
	base = now() - base;
	ASSERT_EQ(0, mlab_charge(fd, "-81920"));
	ASSERT_EQ(0, put(self->group, "memory.high", "4M"));
	t = now();
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, mlab_charge(fd, "4k"));
	t = now() - t;
	TH_LOG("20 charges over high by ~7.6%%: %.3f s, %.3f s without high (0.15 s more if slept)",
	       t, base);
	EXPECT_LT(t - base, 0.075);
	close(fd);
}

/* A fatal signal ends the throttle sleep at once. */
TEST_F(lab, high_killable)
{
	int fd, status;
	double t;
	pid_t pid;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, NULL);
	fd = mlab_charge_open(self->group);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mlab_charge(fd, "8M"));
	ASSERT_EQ(0, put(self->group, "memory.high", "4M"));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(mlab_charge(fd, "16k") ? 1 : 0);	/* 2 s, capped */
	usleep(300000);
	t = now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t = now() - t;
	EXPECT_TRUE(killed(status));
	TH_LOG("reaped %.3f s after SIGKILL", t);
	EXPECT_LT(t, 0.5);
	close(fd);
	EXPECT_EQ(0, number(self->group, "memory.current"));
}

/*
 * Netlink charges never park (genl_rcv() holds cb_lock): into a v1
 * oom_kill_disable group a refused one counts oom and fails at once.
 */
TEST_F(lab, netlink_no_park)
{
	struct mlab_charge_req res;
	struct mlab_group_ref ref;
	struct mlab_nl t;
	double start;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, "v1");
	ASSERT_EQ(0, put(self->group, "memory.limit_in_bytes", "8M"));
	ASSERT_EQ(0, put(self->group, "memory.oom_control", "1"));
	ASSERT_EQ(0, mlab_group_ids(self->group, &ref.hier, &ref.id));
	ASSERT_EQ(0, mlab_nl_open(&t));
	start = now();
	EXPECT_EQ(0, nl_charge(&t, &ref, 6 * MB, &res));
	EXPECT_EQ(0, res.error);
	EXPECT_EQ(0, nl_charge(&t, &ref, 4 * MB, &res));
	EXPECT_EQ(-ENOMEM, res.error);
	EXPECT_LT(now() - start, 1.0);
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "under_oom"));
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "oom_kill"));
	mlab_nl_close(&t);
	usleep(100000);
	EXPECT_EQ(0, number(self->group, "memory.usage_in_bytes"));
}

/* oom=revoke reaches a netlink socket's charges too. */
TEST_F(lab, netlink_revoke)
{
	struct mlab_charge_req res;
	struct mlab_group_ref ref;
	struct mlab_nl t;
	int fd;

	if (_metadata->skip)
		return;
	lab_mount(_metadata, self, "oom=revoke");
	ASSERT_EQ(0, put(self->group, "memory.max", "8M"));
	ASSERT_EQ(0, mlab_group_ids(self->group, &ref.hier, &ref.id));
	ASSERT_EQ(0, mlab_nl_open(&t));
	EXPECT_EQ(0, nl_charge(&t, &ref, 6 * MB, &res));
	EXPECT_EQ(0, res.error);
	fd = mlab_charge_open(self->group);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, mlab_charge(fd, "4M"));
	EXPECT_EQ(4 * MB, number(self->group, "memory.current"));
	EXPECT_EQ(0, nl_charge(&t, &ref, MB, &res));
	EXPECT_EQ(-EIO, res.error);
	EXPECT_EQ(0, res.held);
	EXPECT_EQ(1, key(self->group, "memory.events", "oom_kill"));
	mlab_nl_close(&t);
	close(fd);
	EXPECT_EQ(0, number(self->group, "memory.current"));
}

/* --- v1 oom_kill_disable: park and resume ----------------------------------- */

FIXTURE(v1) {
	char dir[MLAB_PATH_MAX];
	char group[MLAB_PATH_MAX];
	struct where w;		/* the group, for workers */
	bool real, mounted;
};

FIXTURE_VARIANT(v1) {
	bool real;
};

FIXTURE_VARIANT_ADD(v1, lab) { .real = false };
FIXTURE_VARIANT_ADD(v1, memcg) { .real = true };

FIXTURE_SETUP(v1)
{
	char why[256];
	int err;

	if (getuid() != 0)
		SKIP(return, "needs root");
	self->real = variant->real;
	if (variant->real) {
		if (mlab_memcg_elsewhere(1))
			SKIP(return, "%s", mlab_memcg_elsewhere(1));
		err = mlab_memcg1_mount(self->dir, why, sizeof(why));
		if (err == -EOPNOTSUPP)
			SKIP(return, "%s", why);
		ASSERT_EQ(0, err);
	} else {
		ASSERT_EQ(0, mlab_ensure_module());
		ASSERT_EQ(0, mlab_mount("v1", self->dir));
	}
	self->mounted = true;
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "g", self->group));
	self->w.real = self->real;
	strcpy(self->w.path, self->group);
}

FIXTURE_TEARDOWN(v1)
{
	int i;

	if (!self->mounted)
		return;
	for (i = 0; i < 50 && rmdir(self->group) && errno == EBUSY; i++)
		usleep(100000);
	if (self->real) {
		EXPECT_EQ(0, mlab_memcg1_umount(self->dir));
	} else {
		EXPECT_EQ(0, mlab_umount(self->dir, false));
	}
}

/* memory.limit_in_bytes of @group, and oom_kill_disable set: chargers park. */
static int park_at(const char *group, const char *limit)
{
	int err = put(group, "memory.limit_in_bytes", limit);

	return err ? err : put(group, "memory.oom_control", "1");
}

/* Wait up to 5 s for under_oom to read @want. */
static bool under_oom_is(const char *group, long long want)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (key(group, "memory.oom_control", "under_oom") == want)
			return true;
		usleep(10000);
	}
	return false;
}

/* Parked at the limit; resumes when the limit is raised. */
TEST_F(v1, park_then_raise)
{
	char child[MLAB_PATH_MAX];
	int status;
	pid_t pid;

	if (_metadata->skip)
		return;
	mlab_path(child, self->group, "c");
	ASSERT_EQ(0, mkdir(child, 0755));
	ASSERT_EQ(0, park_at(self->group, "20M"));
	EXPECT_EQ(1, key(self->group, "memory.oom_control",
			 "oom_kill_disable"));
	pid = worker_start(&self->w, 30 * MB, 0, false);
	ASSERT_GT(pid, 0);
	EXPECT_TRUE(under_oom_is(self->group, 1));
	/* The whole subtree of the waiting group is marked. */
	EXPECT_EQ(1, key(child, "memory.oom_control", "under_oom"));
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	EXPECT_GE(key(self->group, "memory.oom_control", "under_oom"), 1);
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "oom_kill"));
	ASSERT_EQ(0, put(self->group, "memory.limit_in_bytes", "64M"));
	status = worker_wait(pid);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "under_oom"));
	EXPECT_EQ(0, key(child, "memory.oom_control", "under_oom"));
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "oom_kill"));
	EXPECT_EQ(0, rmdir(child));
}

/* Parked; another owner's pages go away and the charge goes through. */
TEST_F(v1, park_then_release)
{
	pid_t holder, pid;
	int status;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, park_at(self->group, "20M"));
	holder = worker_start(&self->w, 12 * MB, 0, true);
	ASSERT_GT(holder, 0);
	pid = worker_start(&self->w, 12 * MB, 0, false);
	ASSERT_GT(pid, 0);
	EXPECT_TRUE(under_oom_is(self->group, 1));
	worker_stop(holder);
	status = worker_wait(pid);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "under_oom"));
}

/* A parked charger dies at once of SIGKILL. */
TEST_F(v1, park_killable)
{
	int status;
	pid_t pid;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, park_at(self->group, "8M"));
	pid = worker_start(&self->w, 16 * MB, 0, false);
	ASSERT_GT(pid, 0);
	EXPECT_TRUE(under_oom_is(self->group, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = worker_wait(pid);
	EXPECT_TRUE(killed(status));
	EXPECT_TRUE(under_oom_is(self->group, 0));
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "oom_kill"));
}

/* Without oom_kill_disable v1 kills, counting oom_kill in oom_control. */
TEST_F(v1, kill)
{
	int status;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, put(self->group, "memory.limit_in_bytes", "20M"));
	status = worker_wait(worker_start(&self->w, 40 * MB, 0, false));
	EXPECT_TRUE(killed(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(1, key(self->group, "memory.oom_control", "oom_kill"));
	EXPECT_EQ(0, key(self->group, "memory.oom_control", "under_oom"));
	if (!self->real) {
		EXPECT_EQ(0, number(self->group, "memory.usage_in_bytes"));
	}
}

TEST_HARNESS_MAIN
