// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test.c - everything at once, for a bounded time, on every policy.
 *
 * Threads charge and uncharge through charge files (and a netlink socket
 * when the family exists), close owners while they hold charges, change
 * limits and protections, make and remove groups, and read every file;
 * child processes charge too and are killed with SIGKILL mid-flight; a
 * second hierarchy is mounted and unmounted over and over.  At checkpoints
 * (workers paused, child processes killed) and at the end:
 *   - nobody holds anything that was given back: every group's owned
 *     bytes are exactly what the live owners hold (0 at the end);
 *   - a parent's usage is at least the sum of its children's;
 *   - v1: usage never exceeds limit_in_bytes (no forced charges here);
 *   - every usage is exactly 0 once every owner is gone (batched: once
 *     the groups are removed, which drains the stocks);
 *   - the module's reference count is back where it started.
 * Duration: MEMCGLAB_STRESS_SECONDS, else ./stress_seconds (make stress
 * writes it), else 4 seconds per variant: the short form make check runs
 * (four variants, ~16 s); make stress runs each for a minute.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "reliability.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#define NR_CHARGERS	4
#define NR_PROCS	2
#define NR_STABLE	6
#define MAX_FDS		4

/* Stable groups, parents first; index 0 is the root. */
static const char * const stable[NR_STABLE] = {
	"", "a", "b", "a/a1", "a/a2", "b/b1",
};
static const int stable_parent[NR_STABLE] = { -1, 0, 0, 1, 1, 2 };

struct stress {
	char dir[MLAB_PATH_MAX];
	const char *opts;
	bool v1, exact;
	volatile bool stop;
	pthread_rwlock_t pause;	/* workers read-lock each step */
	pid_t procs[NR_PROCS];
	unsigned long ops[10];	/* per-worker counts, for the log */
	unsigned long enomem, enodev, ebusy, errors;
	char error[256];
};

static void note_error(struct stress *s, const char *what, int err)
{
	if (__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED) == 0)
		snprintf(s->error, sizeof(s->error), "%.200s: %.40s", what,
			 strerror(-err));
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

static void group_path(struct stress *s, int i, char *out)
{
	mlab_path(out, s->dir, stable[i]);
}

/* Sizes from a page to 2M, as charge commands. */
static void random_size(unsigned int *seed, char *buf, size_t size)
{
	static const char * const sizes[] = { "4K", "8K", "12K", "64K", "100K",
		"256K", "1M", "2M", "4097", "1" };

	snprintf(buf, size, "%s", sizes[rnd(seed, 10)]);
}

/* --- workers ------------------------------------------------------------ */

struct worker {
	struct stress *s;
	int id;
	unsigned int seed;
};

static void charger_step(struct worker *w, int *fds, char groups[][MLAB_PATH_MAX])
{
	struct stress *s = w->s;
	int slot = rnd(&w->seed, MAX_FDS), err;
	char size[16], cmd[20];

	if (fds[slot] < 0) {
		int g = 1 + rnd(&w->seed, NR_STABLE - 1);

		group_path(s, g, groups[slot]);
		fds[slot] = mlab_charge_open(groups[slot]);
		if (fds[slot] < 0)
			note_error(s, "open charge", fds[slot]);
		return;
	}
	switch (rnd(&w->seed, 8)) {
	case 0:		/* close an owner mid-flight, holding what it holds */
		close(fds[slot]);
		fds[slot] = -1;
		return;
	case 1: case 2: case 3:
		random_size(&w->seed, size, sizeof(size));
		snprintf(cmd, sizeof(cmd), "-%s", size);
		break;
	default:
		random_size(&w->seed, cmd, sizeof(cmd));
		break;
	}
	err = mlab_charge(fds[slot], cmd);
	if (err == -ENOMEM)
		__atomic_fetch_add(&s->enomem, 1, __ATOMIC_RELAXED);
	else if (err && !(err == -EINVAL && cmd[0] == '-'))
		note_error(s, "charge", err);	/* EINVAL: held less than that */
}

static void *charger(void *arg)
{
	struct worker *w = arg;
	int fds[MAX_FDS], i;
	char groups[MAX_FDS][MLAB_PATH_MAX];

	for (i = 0; i < MAX_FDS; i++)
		fds[i] = -1;
	while (!w->s->stop) {
		pthread_rwlock_rdlock(&w->s->pause);
		charger_step(w, fds, groups);
		pthread_rwlock_unlock(&w->s->pause);
		w->s->ops[w->id]++;
	}
	for (i = 0; i < MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return NULL;
}

static void *limiter(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	static const char * const v2files[] = { "memory.max", "memory.high",
		"memory.low", "memory.min" };
	static const char * const v2vals[] = { "max", "1M", "4M", "16M",
		"64M", "0", "max", "max" };
	static const char * const v1files[] = { "memory.limit_in_bytes",
		"memory.soft_limit_in_bytes", "memory.max_usage_in_bytes",
		"memory.failcnt" };
	static const char * const v1vals[] = { "-1", "1M", "4M", "16M", "64M",
		"-1", "-1", "0" };
	char group[MLAB_PATH_MAX], path[MLAB_PATH_MAX];
	int err;

	while (!s->stop) {
		int g = 1 + rnd(&w->seed, NR_STABLE - 1);
		const char *file = s->v1 ? v1files[rnd(&w->seed, 4)] :
					   v2files[rnd(&w->seed, 4)];
		const char *val = s->v1 ? v1vals[rnd(&w->seed, 8)] :
					  v2vals[rnd(&w->seed, 8)];

		pthread_rwlock_rdlock(&s->pause);
		group_path(s, g, group);
		err = mlab_write(mlab_path(path, group, file), val);
		pthread_rwlock_unlock(&s->pause);
		if (err == -EBUSY)
			__atomic_fetch_add(&s->ebusy, 1, __ATOMIC_RELAXED);
		else if (err)
			note_error(s, file, err);
		s->ops[w->id]++;
		usleep(rnd(&w->seed, 2000));
	}
	return NULL;
}

/* Read every file of every group (including the churning ones). */
static void read_tree(struct stress *s, const char *dir)
{
	char path[MLAB_PATH_MAX], buf[8192];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);
	int n;

	if (!d)
		return;		/* removed under us */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		mlab_path(path, dir, de->d_name);
		if (de->d_type == DT_DIR) {
			read_tree(s, path);
			continue;
		}
		/* Write-only files (memory.reclaim) refuse reads, as in cgroup. */
		if (!stat(path, &st) && !(st.st_mode & 0444))
			continue;
		n = mlab_read(path, buf, sizeof(buf));
		if (n < 0 && n != -ENOENT && n != -ENODEV && n != -EACCES)
			note_error(s, path, n);
	}
	closedir(d);
}

static void *reader(void *arg)
{
	struct worker *w = arg;

	while (!w->s->stop) {
		read_tree(w->s, w->s->dir);
		w->s->ops[w->id]++;
	}
	return NULL;
}

/* mkdir/rmdir of short-lived groups under the stable ones, with charges. */
static void *churner(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	char parent[MLAB_PATH_MAX], g[MLAB_PATH_MAX], name[32];
	int fd, err;

	while (!s->stop) {
		pthread_rwlock_rdlock(&s->pause);
		group_path(s, 1 + rnd(&w->seed, NR_STABLE - 1), parent);
		snprintf(name, sizeof(name), "tmp%u", rnd(&w->seed, 4));
		mlab_path(g, parent, name);
		if (!mkdir(g, 0755) || errno == EEXIST) {
			fd = mlab_charge_open(g);
			if (fd >= 0) {
				err = mlab_charge(fd, "64K");
				if (err && err != -ENOMEM && err != -ENODEV)
					note_error(s, "churn charge", err);
				if (rnd(&w->seed, 2)) {
					close(fd);	/* else after rmdir */
					fd = -1;
				}
			}
			/* EBUSY while the owner holds its charge. */
			if (rmdir(g) && errno != EBUSY && errno != ENOENT)
				note_error(s, "churn rmdir", -errno);
			if (fd >= 0) {
				close(fd);
				rmdir(g);
			}
		} else if (errno != ENOENT) {
			note_error(s, "churn mkdir", -errno);
		}
		pthread_rwlock_unlock(&s->pause);
		s->ops[w->id]++;
	}
	return NULL;
}

/* A second hierarchy, mounted and unmounted again and again. */
static void *remounter(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	char dir[MLAB_PATH_MAX], g[MLAB_PATH_MAX];
	int fd, err, i;

	while (!s->stop) {
		err = mlab_mount(s->opts, dir);
		if (err) {
			note_error(s, "remount", err);
			break;
		}
		mkdir(mlab_path(g, dir, "r"), 0755);
		fd = mlab_charge_open(g);
		if (fd >= 0 && mlab_charge(fd, "1M"))
			note_error(s, "remount charge", -errno);
		read_tree(s, dir);
		if (rnd(&w->seed, 2)) {
			umount2(dir, MNT_DETACH);	/* with the owner open */
			if (fd >= 0)
				close(fd);
			rmdir(dir);
		} else {
			if (fd >= 0)
				close(fd);
			rmdir(g);
			/*
			 * A child process forked this instant may still hold
			 * our descriptor (it closes what it inherits first
			 * thing): EBUSY for a moment, then the umount works.
			 */
			for (i = 0; i < 100; i++) {
				err = mlab_umount(dir, false);
				if (err != -EBUSY)
					break;
				usleep(10000);
			}
			if (err) {
				note_error(s, "umount", err);
				mlab_umount(dir, true);
			}
		}
		s->ops[w->id]++;
	}
	return NULL;
}

/* Netlink owners: charge by id, close the socket now and then. */
static void *nl_charger(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	char group[MLAB_PATH_MAX];
	struct mlab_nl nl = { 0 };
	struct stat st;
	int err;

	while (!s->stop) {
		if (!nl.sock && mlab_nl_open(&nl))
			return NULL;	/* no family: nothing to do */
		pthread_rwlock_rdlock(&s->pause);
		group_path(s, 1 + rnd(&w->seed, NR_STABLE - 1), group);
		if (!stat(group, &st)) {
			long long delta = (1 + rnd(&w->seed, 64)) * 4096LL;

			if (rnd(&w->seed, 3) == 0)
				delta = -delta;
			err = rel_nl_charge(&nl, st.st_dev, st.st_ino, delta,
					    1 + rnd(&w->seed, 3));
			if (err == -ENOMEM)
				__atomic_fetch_add(&s->enomem, 1, __ATOMIC_RELAXED);
			else if (err && err != -EINVAL)	/* EINVAL: not held */
				note_error(s, "netlink charge", err);
		}
		if (rnd(&w->seed, 50) == 0)
			mlab_nl_close(&nl);	/* gives everything back */
		pthread_rwlock_unlock(&s->pause);
		s->ops[w->id]++;
	}
	mlab_nl_close(&nl);
	return NULL;
}

/* --- processes ------------------------------------------------------------ */

static void proc_main(struct stress *s, unsigned int seed)
{
	struct worker w = { s, 0, seed };
	int fds[MAX_FDS], i;
	char groups[MAX_FDS][MLAB_PATH_MAX];

	/* Drop what fork() copied from the threads: they own it, not us. */
	closefrom(3);
	for (i = 0; i < MAX_FDS; i++)
		fds[i] = -1;
	for (;;)
		charger_step(&w, fds, groups);
}

static void spawn(struct stress *s, int i, unsigned int seed)
{
	pid_t pid = fork();

	if (pid == 0)
		proc_main(s, seed);
	s->procs[i] = pid;
}

static void kill_procs(struct stress *s)
{
	int i, status;

	for (i = 0; i < NR_PROCS; i++) {
		if (s->procs[i] <= 0)
			continue;
		kill(s->procs[i], SIGKILL);
		waitpid(s->procs[i], &status, 0);
		s->procs[i] = 0;
	}
}

/* --- checks --------------------------------------------------------------- */

static int owned_bytes(struct stress *s, const char *group, bool local,
		       unsigned long long *v)
{
	char path[MLAB_PATH_MAX];
	uint64_t bytes;
	int err;

	mlab_path(path, group, "memory.stat");
	err = mlab_read_key(path, !s->v1 ? "anon" : local ? "rss" : "total_rss",
			    &bytes);
	if (!err)
		*v = bytes;
	return err;
}

/* Quiescent: parent >= children, v1 usage <= limit.  0 or a message. */
static int check_tree(struct stress *s, char *msg, size_t size)
{
	unsigned long long usage[NR_STABLE], sum;
	uint64_t limit;
	char group[MLAB_PATH_MAX], path[MLAB_PATH_MAX];
	int i, j, err;

	for (i = 0; i < NR_STABLE; i++) {
		group_path(s, i, group);
		err = rel_usage(group, s->v1, i == 0, &usage[i]);
		if (err) {
			snprintf(msg, size, "usage of %.150s: %.40s", group, strerror(-err));
			return 1;
		}
		if (s->v1) {
			err = mlab_read_u64(mlab_path(path, group,
						     "memory.limit_in_bytes"), &limit);
			if (!err && usage[i] > limit) {
				snprintf(msg, size, "%.150s: usage %llu > limit %llu",
					 group, usage[i], (unsigned long long)limit);
				return 1;
			}
		}
	}
	for (i = 0; i < NR_STABLE; i++) {
		for (sum = 0, j = 0; j < NR_STABLE; j++)
			if (stable_parent[j] == i)
				sum += usage[j];
		if (usage[i] < sum) {
			snprintf(msg, size, "/%s: usage %llu < children's %llu",
				 stable[i], usage[i], sum);
			return 1;
		}
	}
	return 0;
}

static unsigned int stress_seconds(void)
{
	const char *env = getenv("MEMCGLAB_STRESS_SECONDS");
	char buf[32];

	if (env && atoi(env) > 0)
		return atoi(env);
	if (mlab_read("stress_seconds", buf, sizeof(buf)) > 0 && atoi(buf) > 0)
		return atoi(buf);
	return 4;
}

FIXTURE(stress) {
	struct stress s;
};

FIXTURE_VARIANT(stress) {
	const char *opts;
	bool v1, exact;
	bool module;	/* runs only under policy_test.sh */
};

/* oom=off: every owner here is this process; a kill would end the test. */
FIXTURE_VARIANT_ADD(stress, strict) {
	.opts = "policy=strict,oom=off", .v1 = false, .exact = true };
FIXTURE_VARIANT_ADD(stress, batched) {
	.opts = "policy=batched,oom=off", .v1 = false, .exact = false };
FIXTURE_VARIANT_ADD(stress, locked_v1) {
	.opts = "v1,policy=locked,oom=off", .v1 = true, .exact = true };
FIXTURE_VARIANT_ADD(stress, batched_v1) {
	.opts = "v1,policy=batched,batch=16,oom=off", .v1 = true,
	.exact = false };
/* The policy MEMCGLAB_TEST_POLICY names (policy_test.sh: a policy module). */
FIXTURE_VARIANT_ADD(stress, module) {
	.opts = "oom=off", .v1 = false, .exact = false, .module = true };

FIXTURE_SETUP(stress)
{
	pthread_rwlockattr_t attr;
	char g[MLAB_PATH_MAX];
	int i;

	if (getuid() != 0)
		SKIP(return, "needs root");
	/*
	 * The harness takes no -v: the environment chooses the variants.
	 * (6.1's harness runs the body after a SKIP in setup: it checks.)
	 */
	if (variant->module != !!getenv("MEMCGLAB_TEST_POLICY"))
		SKIP(return, "%s", !variant->module ?
		     "MEMCGLAB_TEST_POLICY: only the module variant runs" :
		     "no MEMCGLAB_TEST_POLICY: policy_test.sh runs this one");
	ASSERT_EQ(0, mlab_ensure_module());
	memset(&self->s, 0, sizeof(self->s));
	self->s.opts = variant->opts;
	self->s.v1 = variant->v1;
	self->s.exact = variant->exact;
	/* Checkpoints must not starve behind a stream of readers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&self->s.pause, &attr);
	ASSERT_EQ(0, mlab_mount(variant->opts, self->s.dir));
	for (i = 1; i < NR_STABLE; i++)
		ASSERT_EQ(0, mkdir(mlab_path(g, self->s.dir, stable[i]), 0755));
}

FIXTURE_TEARDOWN(stress)
{
	if (self->s.dir[0])
		mlab_umount(self->s.dir, true);
}

/* Remove every group bottom-up (the churners' leftovers too). */
static int remove_tree(const char *dir, bool self_too)
{
	char path[MLAB_PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			err = err ?: remove_tree(mlab_path(path, dir, de->d_name), true);
	closedir(d);
	if (self_too && rmdir(dir))
		err = err ?: -errno;
	return err;
}

TEST_F_TIMEOUT(stress, everything_at_once, 3600)
{
	void *(*fns[])(void *) = { charger, charger, charger, charger,
				   limiter, reader, churner, remounter };
	struct worker w[10];
	pthread_t t[10];
	unsigned int secs = stress_seconds(), nw = 0, i;
	struct stress *s = &self->s;
	time_t end = time(NULL) + secs, next_check;
	int ref = -1, checks = 0, err;
	unsigned long long v;
	char msg[256], group[MLAB_PATH_MAX];
	FILE *f;

	if (_metadata->skip)
		return;
	f = fopen("/proc/modules", "r");
	if (f) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "memcglab %*u %d", &ref) == 1)
				break;
		fclose(f);
	}
	TH_LOG("%s for %us", variant->opts, secs);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++, nw++) {
		w[nw] = (struct worker){ s, nw, 1234 + nw };
		ASSERT_EQ(0, pthread_create(&t[nw], NULL, fns[i], &w[nw]));
	}
	w[nw] = (struct worker){ s, nw, 999 };
	ASSERT_EQ(0, pthread_create(&t[nw], NULL, nl_charger, &w[nw]));
	nw++;
	for (i = 0; i < NR_PROCS; i++)
		spawn(s, i, 77 + i);

	next_check = time(NULL) + 4;
	while (time(NULL) < end) {
		usleep(200000);
		/* Kill an owner process mid-flight and start another. */
		i = rand() % NR_PROCS;
		if (s->procs[i] > 0) {
			kill(s->procs[i], SIGKILL);
			waitpid(s->procs[i], NULL, 0);
		}
		spawn(s, i, rand());
		if (time(NULL) < next_check)
			continue;
		/* Checkpoint: no process owners, threads paused. */
		kill_procs(s);
		pthread_rwlock_wrlock(&s->pause);
		err = check_tree(s, msg, sizeof(msg));
		pthread_rwlock_unlock(&s->pause);
		EXPECT_EQ(0, err) TH_LOG("checkpoint %d: %s", checks, msg);
		checks++;
		for (i = 0; i < NR_PROCS; i++)
			spawn(s, i, rand());
		next_check = time(NULL) + 4;
	}
	s->stop = true;
	kill_procs(s);
	for (i = 0; i < nw; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%d checkpoints; ENOMEM %lu, EBUSY %lu; ops: charge %lu %lu %lu %lu, "
	       "limits %lu, reads %lu, churn %lu, remounts %lu, netlink %lu",
	       checks, s->enomem, s->ebusy, s->ops[0], s->ops[1], s->ops[2],
	       s->ops[3], s->ops[4], s->ops[5], s->ops[6], s->ops[7], s->ops[8]);
	EXPECT_EQ(0UL, s->errors) TH_LOG("first error: %s", s->error);

	/* Every owner is gone: nothing is owned anywhere. */
	ASSERT_EQ(0, check_tree(s, msg, sizeof(msg))) TH_LOG("%s", msg);
	for (i = 0; i < NR_STABLE; i++) {
		group_path(s, i, group);
		ASSERT_EQ(0, owned_bytes(s, group, false, &v));
		EXPECT_EQ(0ULL, v) TH_LOG("/%s still owns %llu bytes", stable[i], v);
		if (s->exact) {
			ASSERT_EQ(0, rel_usage(group, s->v1, i == 0, &v));
			EXPECT_EQ(0ULL, v) TH_LOG("/%s usage %llu", stable[i], v);
		}
	}
	/* Removing the groups drains every stock: the root is at 0. */
	EXPECT_EQ(0, remove_tree(s->dir, false));
	ASSERT_EQ(0, rel_usage(s->dir, s->v1, true, &v));
	EXPECT_EQ(0ULL, v) TH_LOG("root usage %llu after removing every group", v);
	ASSERT_EQ(0, mlab_umount(s->dir, false));
	ASSERT_EQ(0, mlab_mount(variant->opts, s->dir));	/* for teardown */
	/* Releases may be deferred (fput, RCU): give them two seconds. */
	for (i = 0; ref >= 0 && i < 20; i++) {
		int now = -1;

		f = fopen("/proc/modules", "r");
		if (!f)
			break;
		while (fgets(msg, sizeof(msg), f))
			if (sscanf(msg, "memcglab %*u %d", &now) == 1)
				break;
		fclose(f);
		if (now == ref)
			break;
		if (i == 19)
			EXPECT_EQ(ref, now) TH_LOG("module references leaked");
		usleep(100000);
	}
}

TEST_HARNESS_MAIN
