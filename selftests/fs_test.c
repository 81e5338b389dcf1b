// SPDX-License-Identifier: GPL-2.0
/*
 * fs_test.c - the memcglab filesystem: mounting, hierarchy limits, events,
 * charge descriptors, lifetime rules and permissions.  Every test runs for
 * each policy and both file flavours.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
/* The harness's own macros trip these. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "mlab.h"

#define MB (1024LL * 1024)

FIXTURE(lab) {
	char dir[MLAB_PATH_MAX];
	long long slack;	/* bytes a policy's stock may add to usage */
};

FIXTURE_VARIANT(lab) {
	const char *opts;
	bool v1;
	bool batched;
};

/* oom=off: refused charges here fail with ENOMEM (oom_test covers kills). */
FIXTURE_VARIANT_ADD(lab, v2_strict) { .opts = "policy=strict,oom=off" };
FIXTURE_VARIANT_ADD(lab, v2_batched) {
	.opts = "policy=batched,oom=off", .batched = true };
FIXTURE_VARIANT_ADD(lab, v2_locked) { .opts = "policy=locked,oom=off" };
FIXTURE_VARIANT_ADD(lab, v1_strict) {
	.opts = "v1,policy=strict,oom=off", .v1 = true };
FIXTURE_VARIANT_ADD(lab, v1_batched) {
	.opts = "v1,policy=batched,oom=off", .v1 = true, .batched = true };
FIXTURE_VARIANT_ADD(lab, v1_locked) {
	.opts = "v1,policy=locked,oom=off", .v1 = true };

FIXTURE_SETUP(lab)
{
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	self->slack = variant->batched ?
		64LL * 4096 * sysconf(_SC_NPROCESSORS_CONF) : 0;
}

FIXTURE_TEARDOWN(lab)
{
	mlab_umount(self->dir, true);
}


/* The first number of dir/name, -1 if it cannot be read ("max" too). */
static long long read_in(const char *dir, const char *name)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_u64(mlab_path(path, dir, name), &v) || v > LLONG_MAX)
		return -1;
	return (long long)v;
}

static int write_in(const char *dir, const char *name, const char *s)
{
	char path[MLAB_PATH_MAX];

	return mlab_write(mlab_path(path, dir, name), s);
}

static long long key_in(const char *dir, const char *name, const char *key)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_key(mlab_path(path, dir, name), key, &v) || v > LLONG_MAX)
		return -1;
	return (long long)v;
}

/* The failure count of a group: failcnt (v1) or memory.events max (v2). */
static long long fails_at(const FIXTURE_VARIANT(lab) *v, const char *dir)
{
	return v->v1 ? read_in(dir, "memory.failcnt") :
		key_in(dir, "memory.events", "max");
}

TEST(mount_options)
{
	static const char * const bad[] = {
		"bogus", "policy=foo", "policy=", "batch=0", "batch=x",
		"batch=99999999", "v1=1",
	};
	char dir[MLAB_PATH_MAX], buf[16384];
	unsigned int i;

	ASSERT_EQ(0, mlab_ensure_module());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = mlab_mount(bad[i], dir);

		EXPECT_EQ(-EINVAL, err) TH_LOG("option %s", bad[i]);
		if (!err)
			mlab_umount(dir, true);
	}
	ASSERT_EQ(0, mlab_mount("v1,policy=batched,batch=32", dir));
	ASSERT_LT(0, mlab_read("/proc/self/mounts", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "memcglab rw,relatime,v1,policy=batched,batch=32"))
		TH_LOG("%s", buf);
	EXPECT_EQ(0, mlab_umount(dir, false));
}

TEST(hierarchies_are_independent)
{
	char a[MLAB_PATH_MAX], b[MLAB_PATH_MAX], g[MLAB_PATH_MAX];
	struct stat sa, sb, sg;

	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(NULL, a));
	ASSERT_EQ(0, mlab_mount(NULL, b));
	ASSERT_EQ(0, stat(a, &sa));
	ASSERT_EQ(0, stat(b, &sb));
	EXPECT_NE(sa.st_dev, sb.st_dev);
	ASSERT_EQ(0, mlab_mkgroup(a, "x", g));
	ASSERT_EQ(0, stat(g, &sg));
	EXPECT_LT(sa.st_ino, sg.st_ino);
	EXPECT_EQ(0755 | S_IFDIR, sg.st_mode);
	EXPECT_NE(0, access(mlab_path(g, b, "x"), F_OK));
	EXPECT_EQ(0, mlab_umount(a, true));
	EXPECT_EQ(0, mlab_umount(b, true));
}

/*
 * cgroup.max.depth and cgroup.max.descendants: one script of mkdir, rmdir
 * and writes run on a real cgroup v2 directory and on a lab v2 group; each
 * step's errno must agree, and mkdir past a limit must be EAGAIN.
 */
enum tree_op { T_MKDIR, T_RMDIR, T_WRITE, T_READ };

struct tree_step {
	enum tree_op op;
	const char *path;
	const char *arg;	/* T_WRITE: input; T_READ: expected */
	int err;		/* the expected errno (positive) */
};

static const struct tree_step tree_steps[] = {
	{ T_READ, "cgroup.max.depth", "max\n", 0 },
	{ T_READ, "cgroup.max.descendants", "max\n", 0 },
	{ T_MKDIR, "a", NULL, 0 },
	{ T_WRITE, "a/cgroup.max.depth", "1", 0 },
	{ T_READ, "a/cgroup.max.depth", "1\n", 0 },
	{ T_MKDIR, "a/b", NULL, 0 },
	{ T_MKDIR, "a/b/c", NULL, EAGAIN },
	{ T_WRITE, "a/cgroup.max.descendants", "1", 0 },
	{ T_MKDIR, "a/d", NULL, EAGAIN },
	{ T_WRITE, "a/cgroup.max.depth", "max", 0 },
	{ T_WRITE, "a/cgroup.max.descendants", " max\n", 0 },
	{ T_MKDIR, "a/b/c", NULL, 0 },
	{ T_WRITE, "cgroup.max.descendants", "3", 0 },
	{ T_MKDIR, "a/e", NULL, EAGAIN },
	{ T_RMDIR, "a/b/c", NULL, 0 },
	{ T_MKDIR, "a/e", NULL, 0 },
	{ T_WRITE, "a/cgroup.max.depth", "0", 0 },
	{ T_MKDIR, "a/f", NULL, EAGAIN },
	{ T_MKDIR, "a/b/g", NULL, EAGAIN },
	{ T_WRITE, "a/cgroup.max.depth", "-1", ERANGE },
	{ T_WRITE, "a/cgroup.max.depth", "2147483648", ERANGE },
	{ T_WRITE, "a/cgroup.max.depth", "0x10", 0 },
	{ T_READ, "a/cgroup.max.depth", "16\n", 0 },
	{ T_WRITE, "a/cgroup.max.depth", "1k", EINVAL },
	{ T_WRITE, "a/cgroup.max.depth", "maxx", EINVAL },
	{ T_WRITE, "a/cgroup.max.descendants", "2147483647", 0 },
	{ T_READ, "a/cgroup.max.descendants", "max\n", 0 },	/* INT_MAX */
	{ T_RMDIR, "a/e", NULL, 0 },
	{ T_RMDIR, "a/b", NULL, 0 },
	{ T_RMDIR, "a", NULL, 0 },
};

/* Run tree_steps[] under @base; errs[i] gets step i's errno (0: success). */
static void run_tree_steps(const char *base, int *errs)
{
	char path[MLAB_PATH_MAX], buf[64];
	unsigned int i;

	for (i = 0; i < sizeof(tree_steps) / sizeof(tree_steps[0]); i++) {
		const struct tree_step *st = &tree_steps[i];
		int n;

		mlab_path(path, base, st->path);
		switch (st->op) {
		case T_MKDIR:
			errs[i] = mkdir(path, 0755) ? errno : 0;
			break;
		case T_RMDIR:
			errs[i] = rmdir(path) ? errno : 0;
			break;
		case T_WRITE:
			errs[i] = -mlab_write(path, st->arg);
			break;
		case T_READ:
			n = mlab_read(path, buf, sizeof(buf));
			errs[i] = n < 0 ? -n : strcmp(buf, st->arg) ? EIO : 0;
			break;
		}
	}
}

TEST(tree_limits_like_cgroup2)
{
	int real[sizeof(tree_steps) / sizeof(tree_steps[0])];
	int lab[sizeof(tree_steps) / sizeof(tree_steps[0])];
	char dir[MLAB_PATH_MAX], base[MLAB_PATH_MAX], rbase[MLAB_PATH_MAX];
	unsigned int i;

	ASSERT_EQ(0, mlab_ensure_module());
	if (access(MLAB_CGROUP2 "/cgroup.max.depth", F_OK))
		SKIP(return, "no cgroup v2 at %s", MLAB_CGROUP2);
	mlab_path(rbase, MLAB_CGROUP2, "mlab_tree");
	rmdir(rbase);
	ASSERT_EQ(0, mkdir(rbase, 0755));
	run_tree_steps(rbase, real);
	rmdir(rbase);
	ASSERT_EQ(0, mlab_mount(NULL, dir));
	ASSERT_EQ(0, mlab_mkgroup(dir, "t", base));
	run_tree_steps(base, lab);
	for (i = 0; i < sizeof(tree_steps) / sizeof(tree_steps[0]); i++) {
		EXPECT_EQ(real[i], lab[i]) TH_LOG("step %u (%s)", i,
						  tree_steps[i].path);
		EXPECT_EQ(tree_steps[i].err, lab[i]) TH_LOG("step %u (%s)", i,
							   tree_steps[i].path);
	}
	/* The lab's root has the files too, as cgroup2's root has. */
	EXPECT_EQ(0, access(mlab_path(base, dir, "cgroup.max.depth"), W_OK));
	EXPECT_EQ(0, mlab_umount(dir, true));
}

/* --- remount ------------------------------------------------------------- */

static int remount(const char *dir, const char *opts)
{
	return mount(NULL, dir, NULL, MS_REMOUNT, opts) ? -errno : 0;
}

/* The options /proc/self/mounts shows for the mount at @dir. */
static void mount_opts(const char *dir, char *out, size_t size)
{
	char buf[16384], *line, *save = NULL;

	out[0] = '\0';
	if (mlab_read("/proc/self/mounts", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char src[256], mnt[MLAB_PATH_MAX], type[64], opts[1024];

		if (sscanf(line, "%255s %4095s %63s %1023s", src, mnt, type,
			   opts) == 4 && !strcmp(mnt, dir))
			snprintf(out, size, "%s", opts);
	}
}

static bool mount_has(const char *dir, const char *opt)
{
	char opts[1024], want[128];

	mount_opts(dir, opts, sizeof(opts));
	snprintf(want, sizeof(want), ",%s,", opt);
	strcat(opts, ",");
	memmove(opts + 1, opts, strlen(opts) + 1);
	opts[0] = ',';
	return strstr(opts, want) != NULL;
}

/* /dev/kmsg from now on: mark, then look for a message. */
static int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static bool kmsg_has(int fd, const char *text)
{
	char rec[2048];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, text))
			return true;
	}
	return false;
}

/*
 * The real cgroup2 on remount: memory_recursiveprot is on when given and
 * off when not (the options describe the mount anew), unknown options are
 * EINVAL.  The lab must answer the same.
 */
static void remount_script(struct __test_metadata *_metadata,
			   const char *dir, int *errs, bool *shown)
{
	errs[0] = remount(dir, "memory_recursiveprot");
	shown[0] = mount_has(dir, "memory_recursiveprot");
	errs[1] = remount(dir, "");
	shown[1] = mount_has(dir, "memory_recursiveprot");
	errs[2] = remount(dir, "bogus");
	shown[2] = mount_has(dir, "memory_recursiveprot");
	errs[3] = remount(dir, "memory_recursiveprot,bogus");
	shown[3] = mount_has(dir, "memory_recursiveprot");
}

TEST(remount_like_cgroup2)
{
	int rerr[4], lerr[4];
	bool rshown[4], lshown[4], was;
	char dir[MLAB_PATH_MAX];
	int i;

	ASSERT_EQ(0, mlab_ensure_module());
	if (access(MLAB_CGROUP2 "/cgroup.max.depth", F_OK))
		SKIP(return, "no cgroup v2 at %s", MLAB_CGROUP2);
	was = mount_has(MLAB_CGROUP2, "memory_recursiveprot");
	remount_script(_metadata, MLAB_CGROUP2, rerr, rshown);
	remount(MLAB_CGROUP2, was ? "memory_recursiveprot" : "");
	ASSERT_EQ(0, mlab_mount(NULL, dir));
	remount_script(_metadata, dir, lerr, lshown);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(rerr[i], lerr[i]) TH_LOG("step %d", i);
		EXPECT_EQ(rshown[i], lshown[i]) TH_LOG("step %d", i);
	}
	EXPECT_EQ(0, lerr[0]);
	EXPECT_TRUE(lshown[0]);
	EXPECT_FALSE(lshown[1]);
	EXPECT_EQ(-EINVAL, lerr[2]);
	EXPECT_EQ(0, mlab_umount(dir, true));
}

/* What cannot change is refused with a message, and nothing changes. */
TEST(remount_refusals)
{
	char dir[MLAB_PATH_MAX], v1[MLAB_PATH_MAX], g[MLAB_PATH_MAX];
	char msg[512], opts[1024];
	int kfd, fd, cfd;

	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount("policy=strict", dir));
	kfd = kmsg_mark();

	/* the flavour: through mount(2), the message goes to the kernel log */
	EXPECT_EQ(-EINVAL, remount(dir, "v1"));
	EXPECT_TRUE(kmsg_has(kfd, "memcglab: v1: the flavour cannot change"));
	EXPECT_EQ(0, access(mlab_path(g, dir, "memory.stat"), F_OK));
	EXPECT_FALSE(mount_has(dir, "v1"));

	/* through fspick(2), the message comes back on the context */
	fd = fspick(AT_FDCWD, dir, FSPICK_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsconfig(fd, FSCONFIG_SET_FLAG, "v1", NULL, 0));
	EXPECT_EQ(-1, fsconfig(fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	memset(msg, 0, sizeof(msg));
	EXPECT_LT(0, read(fd, msg, sizeof(msg) - 1));
	EXPECT_NE(NULL, strstr(msg, "the flavour cannot change")) TH_LOG("%s", msg);
	close(fd);

	/* the policy, while a group exists */
	ASSERT_EQ(0, mlab_mkgroup(dir, "g", g));
	EXPECT_EQ(-EBUSY, remount(dir, "policy=batched"));
	EXPECT_TRUE(kmsg_has(kfd, "policy=batched: the hierarchy has groups or charges"));
	EXPECT_TRUE(mount_has(dir, "policy=strict"));
	/* the same policy is no change */
	EXPECT_EQ(0, remount(dir, "policy=strict"));
	EXPECT_EQ(0, rmdir(g));

	/* the policy, while the root holds a charge */
	cfd = mlab_charge_open(dir);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, mlab_charge(cfd, "1M"));
	EXPECT_EQ(-EBUSY, remount(dir, "policy=locked"));
	EXPECT_TRUE(mount_has(dir, "policy=strict"));
	close(cfd);

	/* empty: it changes, and charging works through the new policy */
	EXPECT_EQ(0, remount(dir, "policy=batched"));
	mount_opts(dir, opts, sizeof(opts));
	EXPECT_NE(NULL, strstr(opts, "policy=batched,batch=64")) TH_LOG("%s", opts);
	EXPECT_EQ(0, remount(dir, "batch=32"));
	mount_opts(dir, opts, sizeof(opts));
	EXPECT_NE(NULL, strstr(opts, "policy=batched,batch=32")) TH_LOG("%s", opts);
	ASSERT_EQ(0, mlab_mkgroup(dir, "g", g));
	cfd = mlab_charge_open(g);
	ASSERT_LE(0, cfd);
	EXPECT_EQ(0, mlab_charge(cfd, "1M"));
	EXPECT_EQ(1024 * 1024, read_in(g, "memory.current"));
	close(cfd);
	EXPECT_EQ(0, rmdir(g));
	EXPECT_EQ(0, remount(dir, "policy=locked"));
	EXPECT_TRUE(mount_has(dir, "policy=locked"));
	EXPECT_EQ(-EINVAL, remount(dir, "policy=nope"));
	EXPECT_EQ(-EINVAL, remount(dir, "batch=0"));
	EXPECT_TRUE(mount_has(dir, "policy=locked"));
	EXPECT_EQ(0, mlab_umount(dir, false));

	/* v1: the flag may be repeated; v2-only options are refused */
	ASSERT_EQ(0, mlab_mount("v1", v1));
	EXPECT_EQ(0, remount(v1, "v1"));
	EXPECT_EQ(0, remount(v1, ""));
	EXPECT_TRUE(mount_has(v1, "v1"));
	EXPECT_EQ(-EINVAL, remount(v1, "v1,memory_recursiveprot"));
	EXPECT_TRUE(kmsg_has(kfd, "memory_recursiveprot is a cgroup v2 option"));
	EXPECT_FALSE(mount_has(v1, "memory_recursiveprot"));
	EXPECT_EQ(0, mlab_umount(v1, false));
	if (kfd >= 0)
		close(kfd);
}

/* 200M parent, 500M child: the child fails at 200M, counted at the parent. */
TEST_F(lab, parent_limit_bounds_child)
{
	char p[MLAB_PATH_MAX], c[MLAB_PATH_MAX];
	int fd;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "p", p));
	ASSERT_EQ(0, mlab_mkgroup(p, "c", c));
	ASSERT_EQ(0, write_in(p, mlab_limit_file(variant->v1), "200M"));
	ASSERT_EQ(0, write_in(c, mlab_limit_file(variant->v1), "500M"));
	fd = mlab_charge_open(c);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "150M"));
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "60M"));
	EXPECT_EQ(150 * MB, mlab_charge_held(fd));
	EXPECT_EQ(150 * MB, read_in(c, mlab_usage_file(variant->v1)));
	EXPECT_EQ(150 * MB, read_in(p, mlab_usage_file(variant->v1)));
	EXPECT_LE(1, fails_at(variant, p));
	EXPECT_EQ(0, fails_at(variant, c));
	if (!variant->v1) {
		EXPECT_LE(1, key_in(p, "memory.events.local", "max"));
		EXPECT_EQ(0, key_in(c, "memory.events.local", "max"));
		EXPECT_EQ(0, key_in(c, "memory.events", "max"));
	}
	/* usage == max is allowed */
	EXPECT_EQ(0, mlab_charge(fd, "50M"));
	EXPECT_EQ(200 * MB, read_in(p, mlab_usage_file(variant->v1)));
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "4k"));
	close(fd);
}

/* v2: events propagate to every ancestor below the root. */
TEST_F(lab, events_propagate)
{
	char a[MLAB_PATH_MAX], b[MLAB_PATH_MAX], c[MLAB_PATH_MAX];
	int fd;

	if (variant->v1)
		SKIP(return, "v1 has no memory.events");
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_EQ(0, mlab_mkgroup(a, "b", b));
	ASSERT_EQ(0, mlab_mkgroup(b, "c", c));
	ASSERT_EQ(0, write_in(b, "memory.max", "1M"));
	fd = mlab_charge_open(c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "2M"));
	EXPECT_EQ(0, key_in(c, "memory.events", "max"));
	EXPECT_LE(1, key_in(b, "memory.events", "max"));
	EXPECT_LE(1, key_in(b, "memory.events.local", "max"));
	EXPECT_LE(1, key_in(a, "memory.events", "max"));
	EXPECT_EQ(0, key_in(a, "memory.events.local", "max"));
	close(fd);
}

TEST_F(lab, siblings_sum)
{
	char a[MLAB_PATH_MAX], b[MLAB_PATH_MAX];
	int fa, fb;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "b", b));
	fa = mlab_charge_open(a);
	fb = mlab_charge_open(b);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, mlab_charge(fa, "3M"));
	ASSERT_EQ(0, mlab_charge(fb, "5M"));
	EXPECT_EQ(3 * MB, read_in(a, mlab_usage_file(variant->v1)));
	EXPECT_EQ(5 * MB, read_in(b, mlab_usage_file(variant->v1)));
	if (variant->v1)
		EXPECT_EQ(8 * MB, read_in(self->dir, "memory.usage_in_bytes"));
	EXPECT_EQ(8 * MB, key_in(self->dir, "memory.stat",
				 variant->v1 ? "total_rss" : "anon"));
	close(fa);
	close(fb);
}

TEST_F(lab, charge_descriptor)
{
	char a[MLAB_PATH_MAX];
	int fd, fd2;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	fd = mlab_charge_open(a);
	fd2 = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, mlab_charge(fd, "1"));		/* rounds up */
	EXPECT_EQ(4096, mlab_charge_held(fd));
	EXPECT_EQ(0, mlab_charge(fd, "1M\n"));
	EXPECT_EQ(MB + 4096, mlab_charge_held(fd));
	EXPECT_EQ(0, mlab_charge_held(fd2));
	EXPECT_EQ(-EINVAL, mlab_charge(fd2, "-4k"));	/* holds nothing */
	EXPECT_EQ(-EINVAL, mlab_charge(fd, "-2M"));	/* more than held */
	EXPECT_EQ(-EINVAL, mlab_charge(fd, "abc"));
	EXPECT_EQ(-EINVAL, mlab_charge(fd, "max"));
	EXPECT_EQ(-EINVAL, mlab_charge(fd, "1x"));
	EXPECT_EQ(-EINVAL, mlab_charge(fd, " "));
	EXPECT_EQ(-EINVAL, mlab_charge(fd, "-"));
	EXPECT_EQ(0, mlab_charge(fd, ""));		/* empty: nothing */
	EXPECT_EQ(0, mlab_charge(fd, "-1M"));
	EXPECT_EQ(4096, mlab_charge_held(fd));
	EXPECT_EQ(0, mlab_charge(fd2, "2M"));
	EXPECT_EQ(2 * MB + 4096, key_in(a, "memory.stat",
					variant->v1 ? "rss" : "anon"));
	close(fd2);
	EXPECT_EQ(4096, key_in(a, "memory.stat", variant->v1 ? "rss" : "anon"));
	close(fd);
	EXPECT_GE(self->slack, read_in(a, mlab_usage_file(variant->v1)));
	EXPECT_EQ(0, key_in(a, "memory.stat", variant->v1 ? "rss" : "anon"));
}

/*
 * memory.stat lab_charge_from_stock counts the charges a policy served
 * without raising the group's counter, as consume_stock() serves them in
 * the kernel: on one CPU, batched's first page charges a batch and the
 * next seven come from its stock; strict and locked keep no stock.
 */
TEST_F(lab, charge_from_stock)
{
	char a[MLAB_PATH_MAX];
	cpu_set_t set;
	int fd, cpu = sched_getcpu();

	ASSERT_LE(0, cpu);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, mlab_charge(fd, "4k"));
	EXPECT_EQ(8, key_in(a, "memory.stat", "lab_charge"));
	EXPECT_EQ(variant->batched ? 7 : 0,
		  key_in(a, "memory.stat", "lab_charge_from_stock"));
	EXPECT_EQ(variant->batched ? 7 : 0,
		  key_in(self->dir, "memory.stat", variant->v1 ?
			 "total_lab_charge_from_stock" : "lab_charge_from_stock"));
	close(fd);	/* the harness forks each test: the pinning ends with it */
}

TEST_F(lab, close_returns_charges)
{
	char a[MLAB_PATH_MAX];
	int fd;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "64M"));
	EXPECT_EQ(64 * MB, read_in(a, mlab_usage_file(variant->v1)));
	close(fd);
	EXPECT_GE(self->slack, read_in(a, mlab_usage_file(variant->v1)));
	/* rmdir drains any stock, so the group can go */
	EXPECT_EQ(0, mlab_rmgroup(a));
}

TEST_F(lab, rmdir_rules)
{
	char a[MLAB_PATH_MAX], b[MLAB_PATH_MAX], path[MLAB_PATH_MAX];
	int fd, lim;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_EQ(0, mlab_mkgroup(a, "b", b));
	EXPECT_EQ(-EBUSY, mlab_rmgroup(a));
	fd = mlab_charge_open(b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "1M"));
	EXPECT_EQ(-EBUSY, mlab_rmgroup(b));
	close(fd);
	lim = open(mlab_path(path, b, mlab_limit_file(variant->v1)), O_RDWR);
	ASSERT_LE(0, lim);
	EXPECT_EQ(0, mlab_rmgroup(b));
	EXPECT_EQ(-1, write(lim, "1M", 2));
	EXPECT_EQ(ENODEV, errno);
	close(lim);
	EXPECT_EQ(0, mlab_rmgroup(a));
	EXPECT_EQ(-EBUSY, mlab_rmgroup(self->dir));
	EXPECT_EQ(-ENOENT, mlab_rmgroup(b));
}

TEST_F(lab, watermark_reset)
{
	char a[MLAB_PATH_MAX], path[MLAB_PATH_MAX];
	const char *wm = variant->v1 ? "memory.max_usage_in_bytes" :
		"memory.peak";
	struct utsname u;
	char buf[32];
	int fd, p1, p2;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "8M"));
	ASSERT_EQ(0, mlab_charge(fd, "-6M"));
	EXPECT_EQ(8 * MB, read_in(a, wm));
	mlab_path(path, a, wm);
	uname(&u);
	if (variant->v1) {
		EXPECT_EQ(0, mlab_write(path, "0"));
		EXPECT_EQ(read_in(a, "memory.usage_in_bytes"), read_in(a, wm));
	} else if (!strncmp(u.release, "6.1.", 4)) {
		/* read-only before 6.12 */
		EXPECT_EQ(-EINVAL, mlab_write(path, "0"));
	} else {
		p1 = open(path, O_RDWR);
		p2 = open(path, O_RDWR);
		ASSERT_LE(0, p1);
		ASSERT_LE(0, p2);
		EXPECT_EQ(1, write(p1, "x", 1));
		ASSERT_EQ(0, mlab_charge(fd, "1M"));
		ASSERT_EQ(0, mlab_charge(fd, "-1M"));
		/* the written fd sees the peak since its reset */
		memset(buf, 0, sizeof(buf));
		ASSERT_LT(0, pread(p1, buf, sizeof(buf) - 1, 0));
		EXPECT_EQ(3 * MB, atoll(buf));
		memset(buf, 0, sizeof(buf));
		ASSERT_LT(0, pread(p2, buf, sizeof(buf) - 1, 0));
		EXPECT_EQ(8 * MB, atoll(buf));
		/* others still read the global watermark */
		EXPECT_EQ(8 * MB, read_in(a, wm));
		close(p1);
		close(p2);
	}
	close(fd);
}

TEST_F(lab, failcnt_reset)
{
	char a[MLAB_PATH_MAX];
	int fd;

	if (!variant->v1)
		SKIP(return, "v2 has no memory.failcnt");
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_EQ(0, write_in(a, "memory.limit_in_bytes", "4096"));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mlab_charge(fd, "4096"));
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "4096"));
	EXPECT_LE(1, read_in(a, "memory.failcnt"));
	EXPECT_EQ(0, write_in(a, "memory.failcnt", "whatever"));
	EXPECT_EQ(0, read_in(a, "memory.failcnt"));
	close(fd);
}

TEST_F(lab, oom_control)
{
	char a[MLAB_PATH_MAX], path[MLAB_PATH_MAX], buf[256];

	if (!variant->v1)
		SKIP(return, "v2 has no memory.oom_control");
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_LT(0, mlab_read(mlab_path(path, a, "memory.oom_control"),
			       buf, sizeof(buf)));
	EXPECT_STREQ("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", buf);
	EXPECT_EQ(0, mlab_write(path, "1"));
	ASSERT_LT(0, mlab_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("oom_kill_disable 1\nunder_oom 0\noom_kill 0\n", buf);
	EXPECT_EQ(-EINVAL, mlab_write(path, "2"));
	EXPECT_EQ(-EINVAL, write_in(self->dir, "memory.oom_control", "1"));
	EXPECT_EQ(-EINVAL, write_in(self->dir, "memory.limit_in_bytes", "1M"));
	EXPECT_EQ(1, read_in(a, "memory.use_hierarchy"));
	EXPECT_EQ(-EINVAL, write_in(a, "memory.use_hierarchy", "0"));
	EXPECT_EQ(0, write_in(a, "memory.use_hierarchy", "1"));
}

/* A limit below usage: v1 refuses (EBUSY), v2 sets it and counts an oom. */
TEST_F(lab, limit_below_usage)
{
	char a[MLAB_PATH_MAX];
	int fd;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "10M"));
	if (variant->v1) {
		EXPECT_EQ(-EBUSY, write_in(a, "memory.limit_in_bytes", "5M"));
		EXPECT_EQ(MLAB_V1_UNLIMITED,
			  (unsigned long long)read_in(a, "memory.limit_in_bytes"));
	} else {
		EXPECT_EQ(0, write_in(a, "memory.max", "5M"));
		EXPECT_EQ(5 * MB, read_in(a, "memory.max"));
		EXPECT_EQ(1, key_in(a, "memory.events", "oom"));
		EXPECT_EQ(1, key_in(a, "memory.events.local", "oom"));
		EXPECT_EQ(0, key_in(a, "memory.events", "oom_kill"));
		EXPECT_EQ(-ENOMEM, mlab_charge(fd, "4k"));
	}
	EXPECT_EQ(10 * MB, read_in(a, mlab_usage_file(variant->v1)));
	EXPECT_EQ(0, mlab_charge(fd, "-8M"));
	EXPECT_EQ(0, write_in(a, mlab_limit_file(variant->v1), "5M"));
	close(fd);
}

TEST_F(lab, high_events)
{
	char a[MLAB_PATH_MAX];
	int fd;

	if (variant->v1)
		SKIP(return, "v1 has no memory.high");
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_EQ(0, write_in(a, "memory.high", "1M"));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "512k"));
	EXPECT_EQ(0, key_in(a, "memory.events", "high"));
	ASSERT_EQ(0, mlab_charge(fd, "1M"));
	EXPECT_EQ(1, key_in(a, "memory.events", "high"));
	close(fd);
}

TEST_F(lab, umount_with_open_fds)
{
	char a[MLAB_PATH_MAX], path[MLAB_PATH_MAX];
	int fd, lim;

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "4M"));
	lim = open(mlab_path(path, a, mlab_limit_file(variant->v1)), O_RDWR);
	ASSERT_LE(0, lim);
	EXPECT_EQ(-1, umount2(self->dir, 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	/* still usable until closed */
	EXPECT_EQ(0, mlab_charge(fd, "1M"));
	EXPECT_EQ(5 * MB, mlab_charge_held(fd));
	EXPECT_EQ(2, write(lim, "8M", 2));
	close(lim);
	close(fd);
	rmdir(self->dir);
}

/* A module in use: delete_module(2) says EWOULDBLOCK (rmmod's "in use"). */
TEST_F(lab, rmmod_refused_while_mounted)
{
	EXPECT_EQ(-1, syscall(SYS_delete_module, "memcglab", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(mlab_module_loaded());
}

struct nobody_args {
	const char *dir;
	const char *group;
	const char *limit;
};

static int nobody_read(void *arg)
{
	const struct nobody_args *a = arg;
	char path[MLAB_PATH_MAX], buf[64];
	int n = mlab_read(mlab_path(path, a->group, a->limit), buf, sizeof(buf));

	return n < 0 ? n : 0;
}

static int nobody_write(void *arg)
{
	const struct nobody_args *a = arg;
	char path[MLAB_PATH_MAX];

	return mlab_write(mlab_path(path, a->group, a->limit), "1M");
}

static int nobody_mkdir(void *arg)
{
	const struct nobody_args *a = arg;

	return mlab_mkgroup(a->group, "x", NULL);
}

static int nobody_charge(void *arg)
{
	const struct nobody_args *a = arg;

	return mlab_charge_open(a->group);
}

static int nobody_mount(void *arg)
{
	const struct nobody_args *a = arg;

	return mount("none", a->dir, "memcglab", 0, NULL) ? -errno : 0;
}

TEST_F(lab, unprivileged)
{
	char a[MLAB_PATH_MAX];
	struct nobody_args args = { self->dir, a, mlab_limit_file(variant->v1) };

	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	EXPECT_EQ(0, mlab_as_nobody(nobody_read, &args));
	EXPECT_EQ(-EACCES, mlab_as_nobody(nobody_write, &args));
	EXPECT_EQ(-EACCES, mlab_as_nobody(nobody_mkdir, &args));
	EXPECT_EQ(-EACCES, mlab_as_nobody(nobody_charge, &args));
	EXPECT_EQ(-EPERM, mlab_as_nobody(nobody_mount, &args));
}

TEST_F(lab, events_wake_inotify_and_poll)
{
	char a[MLAB_PATH_MAX], path[MLAB_PATH_MAX], buf[4096];
	struct pollfd pfd[2];
	int in, ev, fd;

	if (variant->v1)
		SKIP(return, "v1 has no memory.events");
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", a));
	ASSERT_EQ(0, write_in(a, "memory.max", "1M"));
	mlab_path(path, a, "memory.events");
	in = inotify_init1(IN_NONBLOCK);
	ASSERT_LE(0, in);
	ASSERT_LE(0, inotify_add_watch(in, path, IN_MODIFY));
	ev = open(path, O_RDONLY);
	ASSERT_LE(0, ev);
	ASSERT_LT(0, read(ev, buf, sizeof(buf)));
	pfd[0] = (struct pollfd){ .fd = in, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = ev, .events = POLLPRI };
	EXPECT_EQ(0, poll(pfd, 2, 50));

	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "2M"));
	EXPECT_EQ(1, poll(&pfd[0], 1, 2000));
	EXPECT_TRUE(pfd[0].revents & POLLIN);
	EXPECT_EQ(1, poll(&pfd[1], 1, 2000));
	EXPECT_TRUE(pfd[1].revents & POLLPRI);
	close(fd);
	close(ev);
	close(in);
}

TEST_HARNESS_MAIN
