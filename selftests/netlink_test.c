// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_test - the memcglab generic netlink family: every operation valid
 * and malformed (errno + extack text, nothing changed), permissions, socket
 * ownership of charges, the events multicast group, and the in-kernel
 * benchmark.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>

/* The harness trips -Wextra (unused ucontext, EXPECT_* sign mixing). */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "mlab.h"

#define K 1024ULL
#define M (1024 * K)

/* The request failed with errno e and an extack message containing text. */
#define EXPECT_NLERR(t, ret, e, text) do {				\
	EXPECT_EQ(-(e), ret);						\
	EXPECT_NE(NULL, strstr((t)->err.msg, text)) {			\
		TH_LOG("extack '%s', wanted '%s'", (t)->err.msg, text);	\
	}								\
} while (0)

/* A group reference for libmlab's operations. */
#define REF(h, i) (&(struct mlab_group_ref){ .hier = (h), .id = (i) })

/* One limit attribute to GROUP_SET, as the test gives it. */
static int set(struct mlab_nl *t, uint32_t hier, uint64_t id, uint16_t attr,
	       uint64_t bytes)
{
	struct nlmsghdr *nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);

	mlab_put_ref(nlh, REF(hier, id), MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	mnl_attr_put_u64(nlh, attr, bytes);
	return mlab_nl_talk(t, nlh, NULL, NULL);
}

/* One CHARGE entry to a batch being built. */
static void entry(struct nlmsghdr *nlh, uint32_t hier, uint64_t id,
		  int64_t delta, uint32_t count)
{
	struct mlab_charge_req r = { .ref = { hier, id }, .delta = delta,
				     .count = count };

	mlab_put_charge_entry(nlh, &r);
}

/* The same with one more u32 attribute in the entry's nest (count 0 too). */
static void entry_plus(struct nlmsghdr *nlh, uint32_t hier, uint64_t id,
		       int64_t delta, uint16_t type, uint32_t val)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);

	mlab_put_ref(nlh, REF(hier, id), MEMCGLAB_A_CHARGE_HIER, MEMCGLAB_A_CHARGE_ID);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, (uint64_t)delta);
	mnl_attr_put_u32(nlh, type, val);
	mnl_attr_nest_end(nlh, nest);
}

/* A request of one entry: its 0 or -errno; the entry's result in *r. */
static int charge(struct mlab_nl *t, uint32_t hier, uint64_t id, int64_t delta,
		  uint32_t count, struct mlab_charge_req *r)
{
	struct mlab_charge_req one = { .ref = { hier, id }, .delta = delta,
				       .count = count };
	int ret = mlab_nl_charge(t, &one, 1);

	if (r)
		*r = one;
	return ret;
}

struct ids {
	uint64_t id[8];
	int n;
};

static int dump_cb(const struct mlab_group_info *gi, void *data)
{
	struct ids *d = data;

	if (d->n < 8)
		d->id[d->n] = gi->id;
	d->n++;
	return 0;
}

/* The ids of the subtree at hier:id in dump order: how many, or -errno. */
static int dump(struct mlab_nl *t, uint32_t hier, uint64_t id, struct ids *d)
{
	int ret;

	d->n = 0;
	ret = mlab_nl_group_dump(t, REF(hier, id), dump_cb, d);
	return ret < 0 ? ret : d->n;
}

FIXTURE(nl) {
	char dir[MLAB_PATH_MAX];
	char a[MLAB_PATH_MAX], b[MLAB_PATH_MAX];
	uint32_t hier;
	uint64_t root, ida, idb;
	struct mlab_nl t;
};

FIXTURE_SETUP(nl)
{
	int ret = mlab_ensure_module();

	ASSERT_EQ(0, ret) TH_LOG("loading %s: %s", mlab_module_path(), strerror(-ret));
	/* oom=off: a refused charge must not kill this test (oom_test does). */
	ASSERT_EQ(0, mlab_mount("oom=off", self->dir));
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", self->a));
	ASSERT_EQ(0, mlab_mkgroup(self->a, "b", self->b));
	ASSERT_EQ(0, mlab_group_ids(self->dir, &self->hier, &self->root));
	ASSERT_EQ(0, mlab_group_ids(self->a, &self->hier, &self->ida));
	ASSERT_EQ(0, mlab_group_ids(self->b, &self->hier, &self->idb));
	ASSERT_EQ(0, mlab_nl_open(&self->t));
}

FIXTURE_TEARDOWN(nl)
{
	mlab_nl_close(&self->t);
	rmdir(self->b);
	rmdir(self->a);
	mlab_umount(self->dir, false);
}

TEST_F(nl, family)
{
	EXPECT_NE(0, self->t.family);
	EXPECT_NE(0, self->t.events_group);
}

TEST_F(nl, get)
{
	struct mlab_group_info g;

	ASSERT_EQ(0, mlab_nl_group_get(&self->t, REF(self->hier, self->ida), &g));
	EXPECT_EQ(self->hier, g.hier);
	EXPECT_EQ(self->ida, g.id);
	EXPECT_EQ(self->root, g.parent_id);
	EXPECT_EQ(MEMCGLAB_FLAVOUR_V2, g.flavour);
	EXPECT_STREQ("strict", g.policy);
	EXPECT_EQ(0, g.usage);
	EXPECT_EQ(MEMCGLAB_UNLIMITED, g.max);
	EXPECT_EQ(MEMCGLAB_UNLIMITED, g.high);
	EXPECT_EQ(0, g.min);
	EXPECT_TRUE((g.present >> MEMCGLAB_A_GROUP_EVENTS & 1));
	EXPECT_TRUE((g.present >> MEMCGLAB_A_GROUP_EVENTS_LOCAL & 1));
	EXPECT_TRUE((g.present >> MEMCGLAB_A_GROUP_STATS & 1));
	ASSERT_EQ(0, mlab_nl_group_get(&self->t, REF(self->hier, self->root), &g));
	EXPECT_EQ(0, g.parent_id);
}

TEST_F(nl, get_malformed)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;
	struct mlab_group_info g;

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing hierarchy id");
	EXPECT_EQ(MEMCGLAB_A_GROUP_HIER, t->err.miss_type);

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing group id");
	EXPECT_EQ(MEMCGLAB_A_GROUP_ID, t->err.miss_type);

	/* wrong type: a u64 where a u32 belongs */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "length");

	/* unknown attribute type */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u32(nlh, 200, 1);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "Unknown attribute");

	/* a known attribute this operation does not take */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, M);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "Unsupported attribute");

	/* out of range: id 0 */
	EXPECT_NLERR(t, mlab_nl_group_get(t, REF(self->hier, 0), &g), ERANGE, "out of range");
	/* unknown group, unknown hierarchy */
	EXPECT_NLERR(t, mlab_nl_group_get(t, REF(self->hier, 999999), &g), ENOENT, "no such group");
	EXPECT_NLERR(t, mlab_nl_group_get(t, REF(self->hier + 12345, self->ida), &g), ENOENT,
		     "no such group");
}

TEST_F(nl, dump)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;
	struct ids d;

	ASSERT_EQ(3, dump(t, self->hier, self->root, &d));
	EXPECT_EQ(self->root, d.id[0]);
	EXPECT_EQ(self->ida, d.id[1]);
	EXPECT_EQ(self->idb, d.id[2]);
	ASSERT_EQ(2, dump(t, self->hier, self->ida, &d));
	EXPECT_EQ(self->ida, d.id[0]);
	EXPECT_EQ(self->idb, d.id[1]);
	ASSERT_EQ(1, dump(t, self->hier, self->idb, &d));

	EXPECT_NLERR(t, dump(t, self->hier, 999999, &d), ENOENT, "no such group");
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing group id");
}

TEST_F(nl, set)
{
	struct mlab_nl *t = &self->t;
	struct mlab_group_info g;

	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, 10 * M + 100));
	EXPECT_EQ(10 * M, mlab_num(self->a, "memory.max"));	/* rounded down */
	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_HIGH, 8 * M));
	EXPECT_EQ(8 * M, mlab_num(self->a, "memory.high"));
	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_LOW, M));
	EXPECT_EQ(M, mlab_num(self->a, "memory.low"));
	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MIN, 512 * K));
	EXPECT_EQ(512 * K, mlab_num(self->a, "memory.min"));
	ASSERT_EQ(0, mlab_nl_group_get(t, REF(self->hier, self->ida), &g));
	EXPECT_EQ(10 * M, g.max);
	EXPECT_EQ(8 * M, g.high);
	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX,
			     MEMCGLAB_UNLIMITED));
	EXPECT_EQ(MLAB_UNLIMITED, mlab_num(self->a, "memory.max"));	/* "max" */
}

TEST_F(nl, set_malformed)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "nothing to set");

	EXPECT_NLERR(t, set(t, self->hier, self->root, MEMCGLAB_A_GROUP_MAX, M),
		     EINVAL, "root group has no limits");
	EXPECT_NLERR(t, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_SOFT_LIMIT, M),
		     EOPNOTSUPP, "v1 flavour");
	EXPECT_NLERR(t, set(t, self->hier, 999999, MEMCGLAB_A_GROUP_MAX, M),
		     ENOENT, "no such group");

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_MAX, 4096);	/* wrong type */
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "length");

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, M);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing hierarchy id");
	EXPECT_EQ(MEMCGLAB_A_GROUP_HIER, t->err.miss_type);

	/* A valid max with a refused knob beside it changes nothing. */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, M);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_SOFT_LIMIT, M);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EOPNOTSUPP, "v1 flavour");

	EXPECT_EQ(MLAB_UNLIMITED, mlab_num(self->a, "memory.max"));
	EXPECT_EQ(MLAB_UNLIMITED, mlab_num(self->a, "memory.high"));
}

TEST(set_v1)
{
	char dir[MLAB_PATH_MAX], a[MLAB_PATH_MAX];
	struct mlab_nl t;
	uint32_t hier;
	uint64_t id;
	int ret;

	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount("v1", dir));
	ASSERT_EQ(0, mlab_mkgroup(dir, "a", a));
	ASSERT_EQ(0, mlab_group_ids(a, &hier, &id));
	ASSERT_EQ(0, mlab_nl_open(&t));
	ASSERT_EQ(0, charge(&t, hier, id, 2 * M, 1, NULL));
	ret = set(&t, hier, id, MEMCGLAB_A_GROUP_MAX, M);
	EXPECT_NLERR(&t, ret, EBUSY, "usage stays above");
	EXPECT_EQ(MLAB_V1_UNLIMITED, mlab_num(a, "memory.limit_in_bytes"));
	ret = set(&t, hier, id, MEMCGLAB_A_GROUP_HIGH, M);
	EXPECT_NLERR(&t, ret, EOPNOTSUPP, "v1 flavour");
	EXPECT_EQ(0, set(&t, hier, id, MEMCGLAB_A_GROUP_SOFT_LIMIT, M));
	EXPECT_EQ(M, mlab_num(a, "memory.soft_limit_in_bytes"));
	EXPECT_EQ(0, set(&t, hier, id, MEMCGLAB_A_GROUP_MAX, 4 * M));
	EXPECT_EQ(4 * M, mlab_num(a, "memory.limit_in_bytes"));
	mlab_nl_close(&t);
	EXPECT_EQ(0, mlab_num(a, "memory.usage_in_bytes"));
	rmdir(a);
	mlab_umount(dir, false);
}

TEST_F(nl, reset)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;
	struct mlab_group_info g;

	ASSERT_EQ(0, charge(t, self->hier, self->ida, 2 * M, 1, NULL));
	ASSERT_EQ(0, charge(t, self->hier, self->ida, -(int64_t)(2 * M), 1, NULL));
	ASSERT_EQ(0, mlab_nl_group_get(t, REF(self->hier, self->ida), &g));
	EXPECT_EQ(2 * M, g.watermark);
	ASSERT_EQ(0, mlab_nl_group_reset(t, REF(self->hier, self->ida), MEMCGLAB_RESET_WATERMARK));
	ASSERT_EQ(0, mlab_nl_group_get(t, REF(self->hier, self->ida), &g));
	EXPECT_EQ(0, g.watermark);

	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M));
	ASSERT_EQ(0, charge(t, self->hier, self->ida, 2 * M, 1, NULL));
	ASSERT_EQ(0, mlab_nl_group_get(t, REF(self->hier, self->ida), &g));
	EXPECT_LE(1, g.failcnt);
	ASSERT_EQ(0, mlab_nl_group_reset(t, REF(self->hier, self->ida), MEMCGLAB_RESET_FAILCNT));
	ASSERT_EQ(0, mlab_nl_group_get(t, REF(self->hier, self->ida), &g));
	EXPECT_EQ(0, g.failcnt);

	EXPECT_NLERR(t, mlab_nl_group_reset(t, REF(self->hier, self->ida), 0), EINVAL, "nothing to reset");
	EXPECT_NLERR(t, mlab_nl_group_reset(t, REF(self->hier, self->ida), 4), EINVAL, "reserved bit");
	EXPECT_NLERR(t, mlab_nl_group_reset(t, REF(self->hier, 999999), 1), ENOENT, "no such group");
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_GROUP_RESET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing what to reset");
	EXPECT_EQ(MEMCGLAB_A_GROUP_RESET, t->err.miss_type);
}

TEST_F(nl, charge)
{
	struct mlab_nl *t = &self->t;
	struct mlab_charge_req r[4];
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, charge(t, self->hier, self->ida, M, 1, &r[0]));
	EXPECT_EQ(1, r[0].done);
	EXPECT_EQ(0, r[0].error);
	EXPECT_EQ(M, r[0].usage);
	EXPECT_EQ(M, r[0].held);
	EXPECT_EQ(M, mlab_num(self->a, "memory.current"));

	/* 1M in 4K steps, one entry repeated */
	ASSERT_EQ(0, charge(t, self->hier, self->idb, 4 * K, 256, &r[0]));
	EXPECT_EQ(256, r[0].done);
	EXPECT_EQ(M, r[0].held);
	EXPECT_EQ(2 * M, mlab_num(self->a, "memory.current"));

	/* one batch, three entries, results in order */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry(nlh, self->hier, self->ida, 8 * K, 0);
	entry(nlh, self->hier, self->idb, 1, 0);	/* rounds up to a page */
	entry(nlh, self->hier, self->ida, -(int64_t)(8 * K), 0);
	ASSERT_EQ(3, mlab_nl_charge_talk(t, nlh, r, 4));
	EXPECT_EQ(M + 8 * K, r[0].held);
	EXPECT_EQ(M + 4 * K, r[1].held);
	EXPECT_EQ(M, r[2].held);

	/* the largest batch: every entry gets its result */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	for (int i = 0; i < MEMCGLAB_CHARGE_MAX_ENTRIES; i++)
		entry(nlh, self->hier, self->ida, 4 * K, 0);
	ASSERT_EQ(MEMCGLAB_CHARGE_MAX_ENTRIES, mlab_nl_charge_talk(t, nlh, NULL, 0));
	EXPECT_EQ(6 * M + 4 * K, mlab_num(self->a, "memory.current"));
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry(nlh, self->hier, self->ida, -(int64_t)(4 * K), MEMCGLAB_CHARGE_MAX_ENTRIES);
	ASSERT_EQ(1, mlab_nl_charge_talk(t, nlh, r, 4));
	EXPECT_EQ(MEMCGLAB_CHARGE_MAX_ENTRIES, r[0].done);
	EXPECT_EQ(M, r[0].held);

	/* uncharging more than this socket holds: per-entry EINVAL */
	ASSERT_EQ(0, charge(t, self->hier, self->ida, -(int64_t)(2 * M), 1, &r[0]));
	EXPECT_EQ(-EINVAL, r[0].error);
	EXPECT_EQ(0, r[0].done);
	EXPECT_EQ(M, r[0].held);
	EXPECT_EQ(2 * M + 4 * K, mlab_num(self->a, "memory.current"));
}

/*
 * A charge that nothing can make room for is tried as try_charge_memcg()
 * does: once, once more after draining the stocks, and MAX_RECLAIM_RETRIES
 * times; each attempt counts a max event.
 */
#define REFUSED_ATTEMPTS 18

TEST_F(nl, charge_refused)
{
	struct mlab_nl *t = &self->t;
	struct mlab_charge_req r;
	struct mlab_group_info g;

	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M));
	ASSERT_EQ(0, charge(t, self->hier, self->idb, 2 * M, 1, &r));
	EXPECT_EQ(-ENOMEM, r.error);
	EXPECT_EQ(0, r.done);
	EXPECT_EQ(0, r.held);
	EXPECT_EQ(0, mlab_num(self->b, "memory.current"));
	ASSERT_EQ(0, mlab_nl_group_get(t, REF(self->hier, self->ida), &g));
	EXPECT_EQ(REFUSED_ATTEMPTS, g.events_local[MLAB_EV_MAX]);

	ASSERT_EQ(0, charge(t, self->hier, self->idb, 512 * K, 4, &r));
	EXPECT_EQ(2, r.done);
	EXPECT_EQ(-ENOMEM, r.error);
	EXPECT_EQ(M, r.held);
}

TEST_F(nl, charge_malformed)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "no charge entries");
	EXPECT_EQ(MEMCGLAB_A_BATCH_ENTRY, t->err.miss_type);

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing charge size");
	EXPECT_EQ(MEMCGLAB_A_CHARGE_DELTA, t->err.miss_type);

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, M);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing hierarchy id");
	EXPECT_EQ(MEMCGLAB_A_CHARGE_HIER, t->err.miss_type);

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry(nlh, self->hier, self->ida, 0, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "charge size is zero");

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry_plus(nlh, self->hier, self->ida, M, MEMCGLAB_A_CHARGE_COUNT, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry(nlh, self->hier, self->ida, INT64_MAX, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	/* a reply-only attribute in a request */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry_plus(nlh, self->hier, self->ida, M, MEMCGLAB_A_CHARGE_DONE, 1);
	EXPECT_EQ(-EINVAL, mlab_nl_talk(t, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(t->err.msg));

	/* a charge type beyond file */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry_plus(nlh, self->hier, self->ida, M, MEMCGLAB_A_CHARGE_TYPE,
		   MEMCGLAB_CHARGE_TYPE_FILE + 1);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	/* a second entry names an unknown group: the first is not charged */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	entry(nlh, self->hier, self->ida, M, 0);
	entry(nlh, self->hier, 999999, M, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), ENOENT, "no such group");

	/* not a nest where a nest belongs */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BATCH_ENTRY, 1);
	EXPECT_EQ(-EINVAL, mlab_nl_talk(t, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(t->err.msg));

	/* too many entries */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	for (int i = 0; i <= MEMCGLAB_CHARGE_MAX_ENTRIES; i++)
		entry(nlh, self->hier, self->ida, 4 * K, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), E2BIG, "entries");

	EXPECT_EQ(0, mlab_num(self->a, "memory.current"));
}

/*
 * CHARGE's type attribute: file pages are page cache, reclaimed under a
 * limit; the socket's later uncharge of them gives back what is left.
 */
TEST_F(nl, charge_file)
{
	struct mlab_nl *t = &self->t;
	struct mlab_charge_req r = {
		.ref = { self->hier, self->idb }, .delta = 8 * M,
		.type = MEMCGLAB_CHARGE_TYPE_FILE,
	};

	ASSERT_EQ(0, mlab_nl_charge(t, &r, 1)) TH_LOG("%s", t->err.msg);
	EXPECT_EQ(0, r.error);
	EXPECT_EQ(8 * M, r.held);
	ASSERT_EQ(0, set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, 4 * M));
	EXPECT_GE(4 * M, mlab_num(self->a, "memory.current"));

	/* anon (the default) by the same socket: reclaim takes file only */
	ASSERT_EQ(0, charge(t, self->hier, self->idb, 3 * M, 1, &r));
	EXPECT_EQ(0, r.error);
	EXPECT_GE(4 * M, mlab_num(self->a, "memory.current"));
	EXPECT_LE(3 * M, r.held);

	r = (struct mlab_charge_req){
		.ref = { self->hier, self->idb }, .delta = -(int64_t)(8 * M),
		.type = MEMCGLAB_CHARGE_TYPE_FILE,
	};
	ASSERT_EQ(0, mlab_nl_charge(t, &r, 1));
	EXPECT_EQ(0, r.error);
	EXPECT_EQ(3 * M, r.held);
	EXPECT_EQ(3 * M, mlab_num(self->b, "memory.current"));
}

TEST_F(nl, close_returns_charges)
{
	struct mlab_nl u;

	ASSERT_EQ(0, mlab_nl_open(&u));
	ASSERT_EQ(0, charge(&u, self->hier, self->idb, 3 * M, 1, NULL));
	ASSERT_EQ(0, charge(&self->t, self->hier, self->ida, M, 1, NULL));
	EXPECT_EQ(3 * M, mlab_num(self->b, "memory.current"));
	EXPECT_EQ(4 * M, mlab_num(self->a, "memory.current"));
	mlab_nl_close(&u);
	EXPECT_EQ(0, mlab_num(self->b, "memory.current"));
	EXPECT_EQ(M, mlab_num(self->a, "memory.current"));
	/* a group whose charges went with the socket can be removed */
	EXPECT_EQ(0, rmdir(self->b));
}

/*
 * memory_recursiveprot: a child that claims no protection gets a share of
 * its parent's unclaimed protection (the kernel's effective_protection()
 * with the mount option), and none without it.  p: min 10M, usage 8M,
 * all of it in p/a, which sets nothing: emin(a) is 10M * 8M / 8M.
 */
static uint64_t emin_of_child(struct __test_metadata *_metadata,
			      const char *opts, const char *remount_opts)
{
	char dir[MLAB_PATH_MAX], p[MLAB_PATH_MAX], a[MLAB_PATH_MAX], mounts[8192];
	uint64_t idp, ida, emin;
	struct mlab_group_info g;
	uint32_t hier;
	struct mlab_nl t;

	ASSERT_EQ(0, mlab_mount(opts, dir));
	if (remount_opts) {
		ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, remount_opts));
		opts = *remount_opts ? remount_opts : NULL;
	}
	ASSERT_EQ(0, mlab_mkgroup(dir, "p", p));
	ASSERT_EQ(0, mlab_mkgroup(p, "a", a));
	ASSERT_EQ(0, mlab_group_ids(p, &hier, &idp));
	ASSERT_EQ(0, mlab_group_ids(a, &hier, &ida));
	ASSERT_EQ(0, mlab_nl_open(&t));
	ASSERT_EQ(0, set(&t, hier, idp, MEMCGLAB_A_GROUP_MIN, 10 * M));
	ASSERT_EQ(0, charge(&t, hier, ida, 8 * M, 1, NULL));
	ASSERT_EQ(0, mlab_nl_group_get(&t, REF(hier, idp), &g));
	EXPECT_EQ(10 * M, g.emin);
	ASSERT_EQ(0, mlab_nl_group_get(&t, REF(hier, ida), &g));
	emin = g.emin;
	ASSERT_LT(0, mlab_read("/proc/self/mounts", mounts, sizeof(mounts)));
	EXPECT_EQ(!!opts, strstr(mounts, ",memory_recursiveprot") != NULL);
	mlab_nl_close(&t);		/* gives the charge back */
	rmdir(a);
	rmdir(p);
	mlab_umount(dir, false);
	return emin;
}

TEST(recursiveprot)
{
	char dir[MLAB_PATH_MAX];

	ASSERT_EQ(0, mlab_ensure_module());
	EXPECT_EQ(0, emin_of_child(_metadata, NULL, NULL));
	EXPECT_EQ(10 * M, emin_of_child(_metadata, "memory_recursiveprot",
					NULL));
	/* a remount switches it, both ways, as cgroup2's does */
	EXPECT_EQ(10 * M, emin_of_child(_metadata, NULL,
					"memory_recursiveprot"));
	EXPECT_EQ(0, emin_of_child(_metadata, "memory_recursiveprot", ""));
	/* min and low are v2 knobs: so is the option. */
	EXPECT_EQ(-EINVAL, mlab_mount("v1,memory_recursiveprot", dir));
}

/*
 * Protection is computed top-down along the whole path, however deep: with
 * memory_recursiveprot, every level of a chain below p (min 10M) inherits
 * p's 10M, down to a leaf 100 levels below.
 */
TEST(deep_protection)
{
	char dir[MLAB_PATH_MAX], path[4096];
	struct mlab_group_info g;
	uint64_t id, leaf;
	struct mlab_nl t;
	uint32_t hier;
	size_t len;
	int i;

	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount("memory_recursiveprot", dir));
	len = snprintf(path, sizeof(path), "%s/p", dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, mlab_group_ids(path, &hier, &id));
	for (i = 0; i < 100; i++) {
		len += snprintf(path + len, sizeof(path) - len, "/d");
		ASSERT_EQ(0, mkdir(path, 0755)) TH_LOG("depth %d", i + 2);
	}
	ASSERT_EQ(0, mlab_group_ids(path, &hier, &leaf));
	ASSERT_EQ(0, mlab_nl_open(&t));
	ASSERT_EQ(0, set(&t, hier, id, MEMCGLAB_A_GROUP_MIN, 10 * M));
	ASSERT_EQ(0, charge(&t, hier, leaf, 8 * M, 1, NULL));
	ASSERT_EQ(0, mlab_nl_group_get(&t, REF(hier, leaf), &g));
	EXPECT_EQ(10 * M, g.emin);
	mlab_nl_close(&t);
	for (i = 0; i <= 100; i++) {
		EXPECT_EQ(0, rmdir(path)) TH_LOG("%s", path);
		*strrchr(path, '/') = '\0';
	}
	mlab_umount(dir, false);
}

/* POLICY_GET: every registered policy, memcglab's own first. */
struct policy_dump {
	unsigned int n;
	char name[8][MEMCGLAB_POLICY_NAME_MAX];
	char module[8][64];
	bool desc[8], batch[8];
};

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct policy_dump *d = data;
	const struct nlattr *a;

	if (d->n >= 8)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case MEMCGLAB_A_POLICY_NAME:
			snprintf(d->name[d->n], sizeof(d->name[0]), "%s", mnl_attr_get_str(a));
			break;
		case MEMCGLAB_A_POLICY_MODULE:
			snprintf(d->module[d->n], sizeof(d->module[0]), "%s", mnl_attr_get_str(a));
			break;
		case MEMCGLAB_A_POLICY_DESCRIPTION:
			d->desc[d->n] = mnl_attr_get_payload_len(a) > 1;
			break;
		case MEMCGLAB_A_POLICY_BATCH:
			d->batch[d->n] = true;
			break;
		}
	}
	d->n++;
	return MNL_CB_OK;
}

TEST_F(nl, policy_get)
{
	static const char * const builtin[] = { "strict", "batched", "locked" };
	struct mlab_nl *t = &self->t;
	struct policy_dump d = { 0 };
	struct nlmsghdr *nlh;
	unsigned int i;

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_POLICY_GET, 0);
	ASSERT_EQ(0, mlab_nl_dump(t, nlh, policy_cb, &d)) TH_LOG("%s", t->err.msg);
	ASSERT_LE(3, d.n);
	for (i = 0; i < 3; i++) {
		EXPECT_STREQ(builtin[i], d.name[i]);
		EXPECT_STREQ("memcglab", d.module[i]);
		EXPECT_TRUE(d.desc[i]);
		EXPECT_EQ(i == 1, d.batch[i]);
	}
	/* The dump takes no attributes. */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_POLICY_GET, 0);
	mnl_attr_put_strz(nlh, MEMCGLAB_A_POLICY_NAME, "strict");
	EXPECT_NE(0, mlab_nl_dump(t, nlh, policy_cb, &d));
	/* Nor is there a do. */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_POLICY_GET, 0);
	EXPECT_EQ(-EOPNOTSUPP, mlab_nl_talk(t, nlh, NULL, NULL));
}

/* policy: the policy's name for kind policy, NULL for none */
static int bench(struct mlab_nl *t, uint32_t kind, const char *policy,
		 uint32_t depth, uint32_t threads, uint64_t count,
		 struct mlab_bench *r)
{
	struct mlab_bench ignored;

	if (!r)
		r = &ignored;
	*r = (struct mlab_bench){ .kind = kind, .depth = depth,
				  .threads = threads, .count = count };
	if (policy)
		snprintf(r->policy, sizeof(r->policy), "%s", policy);
	return mlab_nl_bench(t, r);
}

/* Every kind runs a counted loop and reports it per thread. */
TEST_F(nl, bench)
{
	struct mlab_bench r;
	uint32_t kind;
	unsigned int i;

	ASSERT_EQ(0, bench(&self->t, MEMCGLAB_BENCH_KIND_POLICY, "batched", 4, 2,
			   1024, &r))
		TH_LOG("%s", self->t.err.msg);
	EXPECT_EQ(MEMCGLAB_BENCH_KIND_POLICY, r.kind);
	EXPECT_STREQ("batched", r.policy);
	EXPECT_EQ(64, r.batch);	/* the default */
	EXPECT_EQ(1, r.siblings);
	EXPECT_EQ(4, r.depth);
	EXPECT_EQ(2, r.threads);
	EXPECT_EQ(2, r.fanout);	/* defaults to threads */
	EXPECT_EQ(1, r.nr_pages);
	EXPECT_EQ(1024, r.count);
	EXPECT_LT(0, r.wall_ns);
	ASSERT_EQ(2, r.nr_threads);
	for (i = 0; i < r.nr_threads; i++) {
		EXPECT_EQ(1024, r.ops[i]);
		EXPECT_LT(0, r.ns[i]);
		EXPECT_GE(r.wall_ns, r.ns[i]);
	}

	for (kind = 0; kind <= MEMCGLAB_BENCH_KIND_PAGE; kind++) {
		ASSERT_EQ(0, bench(&self->t, kind,
				   kind == MEMCGLAB_BENCH_KIND_POLICY ? "locked" : NULL,
				   2, 1, 256, &r))
			TH_LOG("kind %u: %s", kind, self->t.err.msg);
		EXPECT_EQ(kind, r.kind);
		ASSERT_EQ(1, r.nr_threads);
		EXPECT_EQ(256, r.ops[0]) TH_LOG("kind %u", kind);
		/* Only the policies and the walk have a hierarchy. */
		EXPECT_EQ(kind == MEMCGLAB_BENCH_KIND_POLICY ||
			  kind == MEMCGLAB_BENCH_KIND_WALK ? 2 : 1,
			  r.depth) TH_LOG("kind %u", kind);
		if (kind >= MEMCGLAB_BENCH_KIND_MEMCG)
			EXPECT_EQ(256, r.base_ops);
	}
	/* Two threads alternating between two leaves each: four chains. */
	r = (struct mlab_bench){ .kind = MEMCGLAB_BENCH_KIND_POLICY,
				 .policy = "batched", .siblings = 2, .depth = 2,
				 .threads = 2, .count = 512 };
	ASSERT_EQ(0, mlab_nl_bench(&self->t, &r)) TH_LOG("%s", self->t.err.msg);
	EXPECT_EQ(2, r.siblings);
	EXPECT_EQ(4, r.fanout);
	EXPECT_EQ(512, r.ops[1]);
	/* The benchmark's private hierarchy leaves the mounted one alone. */
	EXPECT_EQ(0, mlab_num(self->a, "memory.current"));
}

/*
 * A counted run with no time bound ends when its requester is killed: the
 * threads stop at their next chunk, the next run starts at once, and
 * nothing is left behind (the module unloads at the end of the boot).
 */
TEST_F(nl, bench_killed)
{
	struct timespec t0, t1;
	struct mlab_bench r;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mlab_nl c;

		if (mlab_nl_open(&c))
			_exit(100);
		/* Minutes under TCG: far longer than the test waits. */
		bench(&c, MEMCGLAB_BENCH_KIND_POLICY, "strict", 8, 2,
		      MEMCGLAB_BENCH_MAX_COUNT, NULL);
		_exit(101);
	}
	usleep(500 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_TRUE(WIFSIGNALED(status));
	TH_LOG("the killed run ended %ld ms after SIGKILL",
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	ASSERT_EQ(0, bench(&self->t, MEMCGLAB_BENCH_KIND_POLICY, "strict", 8, 2, 256, &r))
		TH_LOG("%s", self->t.err.msg);
	EXPECT_EQ(256, r.ops[1]);
}

TEST_F(nl, bench_malformed)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_DEPTH, 1);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing bench kind");
	EXPECT_EQ(MEMCGLAB_A_BENCH_KIND, t->err.miss_type);

	EXPECT_NLERR(t, bench(t, MEMCGLAB_BENCH_KIND_PAGE + 1, NULL, 1, 1, 256, NULL),
		     ERANGE, "out of range");
	EXPECT_NLERR(t, bench(t, 0, "strict", MEMCGLAB_BENCH_MAX_DEPTH + 1, 1, 256, NULL),
		     ERANGE, "out of range");
	EXPECT_NLERR(t, bench(t, 0, "strict", 1, MEMCGLAB_BENCH_MAX_THREADS + 1, 256, NULL),
		     ERANGE, "out of range");
	EXPECT_NLERR(t, bench(t, 0, "strict", 1, 1, MEMCGLAB_BENCH_MAX_COUNT + 1ULL, NULL),
		     ERANGE, "out of range");

	/* Policies by name: none, an unknown one, one too long for a name. */
	EXPECT_NLERR(t, bench(t, MEMCGLAB_BENCH_KIND_POLICY, NULL, 1, 1, 256, NULL),
		     EINVAL, "needs a policy name");
	EXPECT_EQ(MEMCGLAB_A_BENCH_POLICY, t->err.miss_type);
	EXPECT_NLERR(t, bench(t, MEMCGLAB_BENCH_KIND_POLICY, "nosuch", 1, 1, 256, NULL),
		     ENOENT, "no policy of that name");
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, MEMCGLAB_BENCH_KIND_POLICY);
	mnl_attr_put_strz(nlh, MEMCGLAB_A_BENCH_POLICY, "a_name_far_too_long");
	EXPECT_NE(0, mlab_nl_talk(t, nlh, NULL, NULL));
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	mnl_attr_put_strz(nlh, MEMCGLAB_A_BENCH_POLICY, "strict");
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_SIBLINGS, MEMCGLAB_BENCH_MAX_SIBLINGS + 1);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_MS, MEMCGLAB_BENCH_MAX_MS + 1);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	/* results are reply-only */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_WALL_NS, 1);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "Unsupported attribute");

	/* wrong type: a u64 where a u32 belongs */
	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "length");
}

/*
 * TRACE names its cgroup by exactly one of a v2 id and a task; a task that
 * is not there, or that sits in a root memory cgroup (nothing is charged
 * there), is refused with its own message.  Nothing starts recording.
 */
TEST_F(nl, trace_malformed)
{
	struct mlab_nl *t = &self->t;
	struct nlmsghdr *nlh;
	char buf[64] = "";

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_TRACE, 0);
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "missing cgroup id or pid");
	EXPECT_EQ(MEMCGLAB_A_TRACE_CGROUP, t->err.miss_type);

	nlh = mlab_nl_msg(t, MEMCGLAB_CMD_TRACE, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_TRACE_CGROUP, 1);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_TRACE_PID, (uint32_t)getpid());
	EXPECT_NLERR(t, mlab_nl_talk(t, nlh, NULL, NULL), EINVAL, "not both");

	EXPECT_NLERR(t, mlab_nl_trace_start_task(t, 0, NULL, buf, sizeof(buf)), ERANGE,
		     "out of range");
	/* above any pid_max */
	EXPECT_NLERR(t, mlab_nl_trace_start_task(t, 1U << 30, NULL, buf, sizeof(buf)), ESRCH,
		     "no such process");

	/* pid 1 in the root cgroup, as in the guests: its memcg is a root */
	if (mlab_read("/proc/1/cgroup", buf, sizeof(buf)) < 0 || strcmp(buf, "0::/\n"))
		return;
	EXPECT_NLERR(t, mlab_nl_trace_start_task(t, 1, NULL, buf, sizeof(buf)), ENOENT,
		     "root memory cgroup");
}

TEST_F(nl, unprivileged)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mlab_nl u;
		struct mlab_group_info g;
		struct ids d;
		int bad = 0;

		if (setgid(65534) || setuid(65534) || mlab_nl_open(&u))
			_exit(100);
		bad |= (mlab_nl_group_get(&u, REF(self->hier, self->ida), &g) != 0) << 0;
		bad |= (dump(&u, self->hier, self->root, &d) != 3) << 1;
		bad |= (set(&u, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M) != -EPERM) << 2;
		bad |= (mlab_nl_group_reset(&u, REF(self->hier, self->ida), 3) != -EPERM) << 3;
		bad |= (charge(&u, self->hier, self->ida, M, 1, NULL) != -EPERM) << 4;
		bad |= (bench(&u, MEMCGLAB_BENCH_KIND_POLICY, "strict", 1, 1, 256,
			      NULL) != -EPERM) << 5;
		mlab_nl_close(&u);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("unprivileged checks failed: mask 0x%x", WEXITSTATUS(status));
	}
	EXPECT_EQ(MLAB_UNLIMITED, mlab_num(self->a, "memory.max"));
	EXPECT_EQ(0, mlab_num(self->a, "memory.current"));
}

TEST_F(nl, event_max)
{
	struct mlab_nl m;
	struct mlab_event ev;

	ASSERT_EQ(0, mlab_nl_open(&m));
	ASSERT_EQ(0, mlab_nl_join_events(&m));
	ASSERT_EQ(0, set(&self->t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M));
	ASSERT_EQ(0, charge(&self->t, self->hier, self->idb, 2 * M, 1, NULL));
	ASSERT_EQ(1, mlab_nl_next_event(&m, &ev, 2000));
	EXPECT_EQ(MEMCGLAB_EVENT_MAX, ev.type);
	EXPECT_EQ(self->hier, ev.hier);
	EXPECT_EQ(self->ida, ev.id);	/* at the limiting ancestor */
	EXPECT_EQ(M, ev.limit);
	mlab_nl_close(&m);
}

TEST_F(nl, event_ratelimit)
{
	struct mlab_charge_req r[300];
	struct mlab_event ev;
	struct nlmsghdr *nlh;
	int got = 0, ret;
	struct mlab_nl m;

	ASSERT_EQ(0, mlab_nl_open(&m));
	ASSERT_EQ(0, mlab_nl_join_events(&m));
	ASSERT_EQ(0, set(&self->t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, 4 * K));
	nlh = mlab_nl_msg(&self->t, MEMCGLAB_CMD_CHARGE, 0);
	for (int i = 0; i < 300; i++)
		entry(nlh, self->hier, self->ida, 8 * K, 0);
	ASSERT_EQ(300, mlab_nl_charge_talk(&self->t, nlh, r, 300));
	EXPECT_EQ(-ENOMEM, r[299].error);
	while ((ret = mlab_nl_next_event(&m, &ev, 300)) == 1)
		got++;
	EXPECT_EQ(0, ret);
	/* One burst per second; the burst may straddle two windows. */
	EXPECT_LE(1, got);
	EXPECT_GE(2 * MEMCGLAB_EVENTS_PER_SEC, got);
	sleep(2);
	ASSERT_EQ(0, charge(&self->t, self->hier, self->ida, 8 * K, 1, NULL));
	ASSERT_EQ(1, mlab_nl_next_event(&m, &ev, 2000));
	EXPECT_EQ(300 * REFUSED_ATTEMPTS - got, ev.dropped);
	mlab_nl_close(&m);
}

TEST_HARNESS_MAIN
