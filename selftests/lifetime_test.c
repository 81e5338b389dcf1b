// SPDX-License-Identifier: GPL-2.0
/*
 * lifetime_test.c - objects that outlive each other: rmdir racing charges,
 * descriptors and sockets that outlive their group or their mount, rmmod
 * while anything still pins the module, and owners killed while charging.
 * After every test the hierarchy must account for exactly nothing.
 * On the debug kernel (make check-debug) KASAN, lockdep and kmemleak watch
 * the same paths.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "reliability.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

/* Refcount of the memcglab module from /proc/modules, or -1. */
static int module_refcount(void)
{
	char line[512];
	int ref = -1;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memcglab %*u %d", &ref) == 1)
			break;
	fclose(f);
	return ref;
}

static int delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int insmod(void)
{
	char cmd[MLAB_PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "insmod '%s'", mlab_module_path());
	return system(cmd) ? -EIO : 0;
}

FIXTURE(life) {
	char dir[MLAB_PATH_MAX];
	char group[MLAB_PATH_MAX];
	bool mounted;
};

FIXTURE_VARIANT(life) {
	const char *opts;
	bool v1;
	bool exact;	/* no per-cpu stock: usage is exactly what is held */
};

FIXTURE_VARIANT_ADD(life, strict) {
	.opts = "policy=strict", .v1 = false, .exact = true };
FIXTURE_VARIANT_ADD(life, batched) {
	.opts = "policy=batched", .v1 = false, .exact = false };
FIXTURE_VARIANT_ADD(life, locked_v1) {
	.opts = "v1,policy=locked", .v1 = true, .exact = true };

FIXTURE_SETUP(life)
{
	if (getuid() != 0)
		SKIP(return, "needs root");
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	self->mounted = true;
	mlab_path(self->group, self->dir, "a");
	ASSERT_EQ(0, mkdir(self->group, 0755));
}

FIXTURE_TEARDOWN(life)
{
	if (!self->mounted)
		return;
	rmdir(self->group);
	if (mlab_umount(self->dir, false))
		mlab_umount(self->dir, true);
}

/* Nobody holds anything in @group; without a stock, usage is 0 too. */
static void expect_nothing_held(struct __test_metadata *_metadata,
				const char *group, bool v1, bool root,
				bool exact)
{
	char path[MLAB_PATH_MAX];
	unsigned long long v = 1;
	uint64_t held = 1;

	EXPECT_EQ(0, mlab_read_key(mlab_path(path, group, "memory.stat"),
				   v1 ? "total_rss" : "anon", &held));
	EXPECT_EQ(0ULL, held) TH_LOG("%s still holds %llu bytes", group,
				     (unsigned long long)held);
	if (exact) {
		EXPECT_EQ(0, rel_usage(group, v1, root, &v));
		EXPECT_EQ(0ULL, v) TH_LOG("%s usage %llu", group, v);
	}
}

struct racer {
	const char *group;
	volatile bool *stop;
	unsigned long charged, enodev, revived;
};

static void *charge_racer(void *arg)
{
	struct racer *r = arg;

	while (!*r->stop) {
		int fd = mlab_charge_open(r->group), i, err;

		if (fd < 0)
			continue;	/* between rmdir and mkdir */
		for (i = 0; i < 50 && !*r->stop; i++) {
			err = mlab_charge(fd, i & 1 ? "-64K" : "64K");
			if (err == -ENODEV) {
				int j;

				/* Removal is final: the group never comes back. */
				r->enodev++;
				for (j = 0; j < 5; j++) {
					usleep(200);
					if (mlab_charge(fd, "64K") != -ENODEV)
						r->revived++;
				}
				break;
			}
			if (!err && !(i & 1))
				r->charged++;
		}
		close(fd);
		usleep(300);	/* leave windows in which nothing is held */
	}
	return NULL;
}

/*
 * Threads open owners on "a" and charge/uncharge while the main thread
 * removes and recreates "a": rmdir is EBUSY while anything is held, and
 * once a charge has seen ENODEV, every later one on that descriptor does
 * too (a racing charge never brings a removed group back).
 */
TEST_F_TIMEOUT(life, rmdir_races_charges, 900)
{
	struct racer r[4];
	pthread_t t[4];
	volatile bool stop = false;
	int i, removed = 0, busy = 0, iter;

	for (i = 0; i < 4; i++) {
		r[i] = (struct racer){ .group = self->group, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, charge_racer, &r[i]));
	}
	for (iter = 0; iter < 400; iter++) {
		if (!rmdir(self->group)) {
			removed++;
			usleep(1000);
			ASSERT_EQ(0, mkdir(self->group, 0755));
		} else {
			ASSERT_EQ(EBUSY, errno);
			busy++;
		}
		usleep(iter % 7 * 100);
	}
	stop = true;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	TH_LOG("rmdir: %d removed, %d busy", removed, busy);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, r[i].revived) TH_LOG("racer %d: a removed group charged again", i);
	expect_nothing_held(_metadata, self->group, variant->v1, false,
			    variant->exact);
	expect_nothing_held(_metadata, self->dir, variant->v1, true,
			    variant->exact);
	EXPECT_EQ(0, rmdir(self->group));
}

/* A descriptor outlives its group: ENODEV, then a clean close. */
TEST_F(life, fd_outlives_group)
{
	char path[MLAB_PATH_MAX], buf[64];
	int charge, limit;

	charge = mlab_charge_open(self->group);
	ASSERT_LE(0, charge);
	limit = open(mlab_path(path, self->group, variant->v1 ?
			       "memory.limit_in_bytes" : "memory.max"), O_RDWR);
	ASSERT_LE(0, limit);
	ASSERT_EQ(0, mlab_charge(charge, "1M"));
	EXPECT_EQ(-1, rmdir(self->group));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, mlab_charge(charge, "-1M"));
	ASSERT_EQ(0, rmdir(self->group));

	EXPECT_EQ(-ENODEV, mlab_charge(charge, "4K"));
	EXPECT_EQ(-1, write(limit, "1M", 2));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, pread(limit, buf, sizeof(buf), 0));
	EXPECT_EQ(ENODEV, errno);
	/* A new group of the same name is a new group. */
	ASSERT_EQ(0, mkdir(self->group, 0755));
	EXPECT_EQ(-ENODEV, mlab_charge(charge, "4K"));
	close(charge);
	close(limit);
	expect_nothing_held(_metadata, self->dir, variant->v1, true,
			    variant->exact);
}

/*
 * umount with open descriptors: refused (EBUSY); detached (lazy), the
 * descriptors still work; the last close frees the hierarchy and the
 * module reference.  rmmod is refused until then.
 */
TEST_F(life, umount_with_open_fds)
{
	char path[MLAB_PATH_MAX], buf[64];
	int charge, current, ref_before;

	ref_before = module_refcount();
	charge = mlab_charge_open(self->group);
	ASSERT_LE(0, charge);
	current = open(mlab_path(path, self->group, variant->v1 ?
				 "memory.usage_in_bytes" : "memory.current"),
		       O_RDONLY);
	ASSERT_LE(0, current);
	ASSERT_EQ(0, mlab_charge(charge, "2M"));

	EXPECT_EQ(-1, umount(self->dir));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_NE(0, delete_module("memcglab"));

	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	self->mounted = false;
	rmdir(self->dir);
	EXPECT_NE(0, delete_module("memcglab")) TH_LOG("rmmod with open files");
	EXPECT_EQ(0, mlab_charge(charge, "1M"));
	EXPECT_LT(0, pread(current, buf, sizeof(buf) - 1, 0));
	EXPECT_EQ(0, mlab_charge(charge, "-3M"));
	close(current);
	close(charge);	/* the hierarchy goes with the last reference */
	if (ref_before >= 1)
		EXPECT_EQ(ref_before - 1, module_refcount());
}

/* The same with a netlink socket holding charges across the unmount. */
TEST_F(life, umount_with_live_socket)
{
	struct mlab_nl nl;
	struct stat st;
	int err, ref_before = module_refcount();

	err = mlab_nl_open(&nl);
	if (err == -ENOENT)
		SKIP(return, "no memcglab netlink family");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, stat(self->group, &st));
	ASSERT_EQ(0, rel_nl_charge(&nl, st.st_dev, st.st_ino, 1 << 20, 3));
	EXPECT_EQ(-1, rmdir(self->group));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	self->mounted = false;
	rmdir(self->dir);
	/*
	 * The hierarchy is gone from every namespace: requests naming it
	 * may fail (ENOENT, ENODEV), but must not crash; the socket still
	 * owns its pages until it closes.
	 */
	err = rel_nl_charge(&nl, st.st_dev, st.st_ino, -(1 << 20), 1);
	EXPECT_TRUE(!err || err == -ENOENT || err == -ENODEV) TH_LOG("%d", err);
	err = rel_nl_charge(&nl, st.st_dev, st.st_ino, 1 << 20, 1);
	EXPECT_TRUE(!err || err == -ENOENT || err == -ENODEV) TH_LOG("%d", err);
	mlab_nl_close(&nl);	/* gives back the rest */
	/* Give the socket's release a moment (it may be deferred to RCU). */
	for (err = 0; err < 50 && module_refcount() != ref_before - 1; err++)
		usleep(20000);
	if (ref_before >= 1)
		EXPECT_EQ(ref_before - 1, module_refcount());
}

/*
 * rmmod is refused while a hierarchy is mounted, and succeeds (and the
 * module comes back) once it is gone.
 */
TEST_F(life, rmmod_refused_while_mounted)
{
	EXPECT_NE(0, delete_module("memcglab"));
	EXPECT_EQ(0, rmdir(self->group));
	ASSERT_EQ(0, mlab_umount(self->dir, false));
	self->mounted = false;
	/* Other hierarchies (another test's leftovers) would keep it. */
	if (module_refcount() == 0) {
		EXPECT_EQ(0, delete_module("memcglab"));
		EXPECT_EQ(0, insmod());
	}
}

/* A child charging in a loop, killed at a random moment. */
static void charge_forever(const char *group, int ready)
{
	int fd = mlab_charge_open(group), fd2 = mlab_charge_open(group);

	if (fd < 0 || fd2 < 0 || mlab_charge(fd, "1M") || mlab_charge(fd2, "8K"))
		_exit(1);
	if (ready >= 0 && write(ready, "x", 1) != 1)
		_exit(1);
	for (;;) {
		mlab_charge(fd, "64K");
		mlab_charge(fd2, "4K");
		mlab_charge(fd, "-64K");
	}
}

static void *thread_charger(void *arg)
{
	charge_forever(arg, -1);
	return NULL;
}

TEST_F_TIMEOUT(life, owner_killed_while_charging, 900)
{
	int round;

	for (round = 0; round < 20; round++) {
		int pipefd[2], status;
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(pipefd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			pthread_t t;

			close(pipefd[0]);
			/* Odd rounds: a second thread charges as well. */
			if (round & 1)
				pthread_create(&t, NULL, thread_charger,
					       (void *)self->group);
			charge_forever(self->group, pipefd[1]);
		}
		close(pipefd[1]);
		ASSERT_EQ(1, read(pipefd[0], &c, 1));
		close(pipefd[0]);
		usleep((round * 7919) % 20000);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		expect_nothing_held(_metadata, self->group, variant->v1, false,
			    variant->exact);
	}
	/* Nothing held: rmdir works at once. */
	EXPECT_EQ(0, rmdir(self->group));
	expect_nothing_held(_metadata, self->dir, variant->v1, true,
			    variant->exact);
}

/* Mount, populate, charge, unmount in a loop: nothing accumulates. */
TEST_F_TIMEOUT(life, remount_cycles, 900)
{
	int i, ref = module_refcount();

	for (i = 0; i < 30; i++) {
		char dir[MLAB_PATH_MAX], g[MLAB_PATH_MAX], g2[MLAB_PATH_MAX];
		int fd;

		ASSERT_EQ(0, mlab_mount(variant->opts, dir));
		ASSERT_EQ(0, mkdir(mlab_path(g, dir, "x"), 0755));
		ASSERT_EQ(0, mkdir(mlab_path(g2, g, "y"), 0755));
		fd = mlab_charge_open(g2);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, mlab_charge(fd, "3M"));
		if (i & 1) {
			/* Lazy unmount with the owner still open. */
			ASSERT_EQ(0, umount2(dir, MNT_DETACH));
			close(fd);
		} else {
			close(fd);
			ASSERT_EQ(0, rmdir(g2));
			ASSERT_EQ(0, rmdir(g));
			ASSERT_EQ(0, umount(dir));
		}
		rmdir(dir);
	}
	EXPECT_EQ(ref, module_refcount());
}

TEST_HARNESS_MAIN
