// SPDX-License-Identifier: GPL-2.0
/*
 * perm_test.c - an unprivileged user (uid/gid 65534, no capabilities) can
 * read a memcglab hierarchy but cannot change it: no mount, mkdir, rmdir,
 * limit writes, charges, or state-changing netlink operations.  Every
 * refusal must leave the state as it was (read back as root).
 */
/* 6.1's harness has an unused parameter; -Wextra -Werror would stop here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "reliability.h"

#include <sys/stat.h>

FIXTURE(perm) {
	char dir[MLAB_PATH_MAX];
	char group[PATH_MAX];
	char snap[16384];
	int owner;
};

FIXTURE_VARIANT(perm) {
	const char *opts;
	bool v1;
};

FIXTURE_VARIANT_ADD(perm, v2) { .opts = NULL, .v1 = false };
FIXTURE_VARIANT_ADD(perm, v1) { .opts = "v1", .v1 = true };

FIXTURE_SETUP(perm)
{
	if (getuid() != 0)
		SKIP(return, "needs root to set up");
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	snprintf(self->group, sizeof(self->group), "%s/a", self->dir);
	ASSERT_EQ(0, mkdir(self->group, 0755));
	self->owner = mlab_charge_open(self->group);
	ASSERT_LE(0, self->owner);
	ASSERT_EQ(0, mlab_charge(self->owner, "1M"));
	ASSERT_EQ(0, rel_snapshot(self->group, self->snap, sizeof(self->snap), NULL));
}

FIXTURE_TEARDOWN(perm)
{
	if (self->owner >= 0)
		close(self->owner);
	rmdir(self->group);
	if (mlab_umount(self->dir, false))
		mlab_umount(self->dir, true);
}

/*
 * What the unprivileged child does: each check returns 0, or -EPROTO after
 * saying on stderr which call was not refused as it should be.
 */
struct perm_ctx {
	const char *dir, *group, *mnt;
	bool v1;
};

/* 0 when the call failed with e1 or e2; else say what happened: -EPROTO. */
#define expect_errno(call, e1, e2) ({					\
	int __ret = (call), __e = errno, __bad;				\
	__bad = !(__ret < 0 && (__e == e1 || __e == e2));		\
	if (__bad)							\
		fprintf(stderr, "# as nobody: %s returned %d (%s)\n",	\
			#call, __ret, __ret < 0 ? strerror(__e) : "ok");	\
	__bad ? -EPROTO : 0;						\
})

static int nobody_mount(void *arg)
{
	struct perm_ctx *c = arg;

	/* An empty directory made by root for the purpose. */
	return expect_errno(mount("none", c->mnt, "memcglab", 0, NULL), EPERM, EPERM);
}

static int nobody_mkdir(void *arg)
{
	struct perm_ctx *c = arg;
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/b", c->dir) >= (int)sizeof(path))
		abort();
	if (expect_errno(mkdir(path, 0755), EACCES, EPERM))
		return -EPROTO;
	if (snprintf(path, sizeof(path), "%s/c", c->group) >= (int)sizeof(path))
		abort();
	return expect_errno(mkdir(path, 0755), EACCES, EPERM);
}

static int nobody_rmdir(void *arg)
{
	struct perm_ctx *c = arg;

	return expect_errno(rmdir(c->group), EACCES, EPERM);
}

static int nobody_write_files(void *arg)
{
	static const char * const v2[] = { "memory.max", "memory.high",
		"memory.low", "memory.min", "memory.peak", NULL };
	static const char * const v1[] = { "memory.limit_in_bytes",
		"memory.soft_limit_in_bytes", "memory.max_usage_in_bytes",
		"memory.failcnt", "memory.use_hierarchy", "memory.oom_control",
		NULL };
	struct perm_ctx *c = arg;
	const char * const *f;
	char path[PATH_MAX];

	for (f = c->v1 ? v1 : v2; *f; f++) {
		if (snprintf(path, sizeof(path), "%s/%s", c->group, *f) >= (int)sizeof(path))
			abort();
		if (access(path, F_OK))
			continue;	/* e.g. memory.peak is read-only on 6.1 */
		if (expect_errno(open(path, O_WRONLY), EACCES, EPERM))
			return -EPROTO;
	}
	return 0;
}

static int nobody_charge(void *arg)
{
	struct perm_ctx *c = arg;
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/memcglab.charge", c->group) >= (int)sizeof(path))
		abort();
	if (expect_errno(open(path, O_WRONLY), EACCES, EPERM) ||
	    expect_errno(open(path, O_RDWR), EACCES, EPERM))
		return -EPROTO;
	if (snprintf(path, sizeof(path), "%s/memcglab.charge", c->dir) >= (int)sizeof(path))
		abort();
	return expect_errno(open(path, O_WRONLY), EACCES, EPERM);
}

static int nobody_reads(void *arg)
{
	struct perm_ctx *c = arg;
	char snap[16384], path[PATH_MAX], buf[64];

	int err = rel_snapshot(c->group, snap, sizeof(snap), NULL);

	if (err) {
		fprintf(stderr, "# as nobody: snapshot of %s: %s\n", c->group,
			strerror(-err));
		return err;
	}
	/* memcglab.charge reads what this opener holds: nothing. */
	if (snprintf(path, sizeof(path), "%s/memcglab.charge", c->group) >= (int)sizeof(path))
		abort();
	err = mlab_read(path, buf, sizeof(buf));
	if (err < 0 || strcmp(buf, "0\n")) {
		fprintf(stderr, "# as nobody: %s: %d \"%s\"\n", path, err,
			err < 0 ? strerror(-err) : buf);
		return err < 0 ? err : -EPROTO;
	}
	return 0;
}

static void put_group(struct nlmsghdr *nlh, void *arg)
{
	struct stat *st = arg;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, (unsigned int)st->st_dev);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, st->st_ino);
}

static int nobody_netlink(void *arg)
{
	struct perm_ctx *c = arg;
	static const int cmds[] = { MEMCGLAB_CMD_GROUP_SET,
		MEMCGLAB_CMD_GROUP_RESET, MEMCGLAB_CMD_CHARGE, MEMCGLAB_CMD_BENCH };
	struct stat st;
	int err = rel_nl_available();
	unsigned int i;

	if (err) {	/* the module is loaded: the family must be there */
		fprintf(stderr, "# memcglab netlink family: %s\n", strerror(-err));
		return err;
	}
	if (stat(c->group, &st)) {
		fprintf(stderr, "# as nobody: stat %s: %m\n", c->group);
		return -errno;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		/* Bare and well-formed requests alike. */
		int e1 = rel_genl_call(cmds[i], NULL, NULL);
		int e2 = rel_genl_call(cmds[i], put_group, &st);

		if (e1 != -EPERM || e2 != -EPERM) {
			fprintf(stderr, "# as nobody: netlink cmd %d: %s / %s\n",
				cmds[i], strerror(-e1), strerror(-e2));
			return -EPROTO;
		}
	}
	/* Reading is allowed: GROUP_GET must not be EPERM. */
	if (rel_genl_call(MEMCGLAB_CMD_GROUP_GET, put_group, &st) == -EPERM)
		return -EPROTO;
	return 0;
}

static void check_unchanged(struct __test_metadata *_metadata,
			    FIXTURE_DATA(perm) *self)
{
	char after[16384];

	ASSERT_EQ(0, rel_snapshot(self->group, after, sizeof(after), NULL));
	EXPECT_STREQ(self->snap, after);
	EXPECT_EQ(0, access(self->group, F_OK));
}

#define NOBODY_TEST(name, fn)						\
TEST_F(perm, name)							\
{									\
	char mnt[] = "/tmp/mlab-perm.XXXXXX";				\
	struct perm_ctx c = { self->dir, self->group, mnt, variant->v1 };\
									\
	ASSERT_NE(NULL, mkdtemp(mnt));					\
	ASSERT_EQ(0, chmod(mnt, 0777));					\
	EXPECT_EQ(0, mlab_as_nobody(fn, &c));				\
	rmdir(mnt);							\
	check_unchanged(_metadata, self);				\
}

NOBODY_TEST(no_mount, nobody_mount)
NOBODY_TEST(no_mkdir, nobody_mkdir)
NOBODY_TEST(no_rmdir, nobody_rmdir)
NOBODY_TEST(no_limit_writes, nobody_write_files)
NOBODY_TEST(no_charge, nobody_charge)
NOBODY_TEST(reads_work, nobody_reads)
NOBODY_TEST(no_netlink_changes, nobody_netlink)

static int nobody_umount(void *arg)
{
	struct perm_ctx *c = arg;

	return expect_errno(umount(c->dir), EPERM, EPERM);
}

NOBODY_TEST(no_umount, nobody_umount)

TEST_HARNESS_MAIN
