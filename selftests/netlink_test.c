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
#include "mlab_nl.h"

#define K 1024ULL
#define M (1024 * K)

/* The request failed with errno e and an extack message containing text. */
#define EXPECT_NLERR(t, ret, e, text) do {				\
	EXPECT_EQ(-(e), ret);						\
	EXPECT_NE(NULL, strstr((t)->msg, text)) {			\
		TH_LOG("extack '%s', wanted '%s'", (t)->msg, text);	\
	}								\
} while (0)

FIXTURE(nl) {
	char dir[64];
	char a[128], b[128];
	uint32_t hier;
	uint64_t root, ida, idb;
	struct tnl t;
};

FIXTURE_SETUP(nl)
{
	int ret = tnl_ensure_module();

	ASSERT_EQ(0, ret) TH_LOG("loading memcglab.ko: %s", strerror(-ret));
	ASSERT_EQ(0, tnl_mount(self->dir, NULL));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/a/b", self->dir);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	ASSERT_EQ(0, tnl_ids(self->dir, &self->hier, &self->root));
	ASSERT_EQ(0, tnl_ids(self->a, &self->hier, &self->ida));
	ASSERT_EQ(0, tnl_ids(self->b, &self->hier, &self->idb));
	ASSERT_EQ(0, tnl_open(&self->t));
}

FIXTURE_TEARDOWN(nl)
{
	tnl_close(&self->t);
	rmdir(self->b);
	rmdir(self->a);
	tnl_umount(self->dir);
}

TEST_F(nl, family)
{
	EXPECT_NE(0, self->t.family);
	EXPECT_NE(0, self->t.events_group);
}

TEST_F(nl, get)
{
	struct tnl_group g;

	ASSERT_EQ(0, tnl_get(&self->t, self->hier, self->ida, &g));
	EXPECT_EQ(self->hier, g.a[MEMCGLAB_A_GROUP_HIER]);
	EXPECT_EQ(self->ida, g.a[MEMCGLAB_A_GROUP_ID]);
	EXPECT_EQ(self->root, g.a[MEMCGLAB_A_GROUP_PARENT_ID]);
	EXPECT_EQ(MEMCGLAB_FLAVOUR_V2, g.a[MEMCGLAB_A_GROUP_FLAVOUR]);
	EXPECT_EQ(MEMCGLAB_POLICY_STRICT, g.a[MEMCGLAB_A_GROUP_POLICY]);
	EXPECT_EQ(0, g.a[MEMCGLAB_A_GROUP_USAGE]);
	EXPECT_EQ(MEMCGLAB_UNLIMITED, g.a[MEMCGLAB_A_GROUP_MAX]);
	EXPECT_EQ(MEMCGLAB_UNLIMITED, g.a[MEMCGLAB_A_GROUP_HIGH]);
	EXPECT_EQ(0, g.a[MEMCGLAB_A_GROUP_MIN]);
	EXPECT_TRUE(g.has[MEMCGLAB_A_GROUP_EVENTS]);
	EXPECT_TRUE(g.has[MEMCGLAB_A_GROUP_EVENTS_LOCAL]);
	EXPECT_TRUE(g.has[MEMCGLAB_A_GROUP_STATS]);
	ASSERT_EQ(0, tnl_get(&self->t, self->hier, self->root, &g));
	EXPECT_EQ(0, g.a[MEMCGLAB_A_GROUP_PARENT_ID]);
}

TEST_F(nl, get_malformed)
{
	struct tnl *t = &self->t;
	struct nlmsghdr *nlh;
	struct tnl_group g;

	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing hierarchy id");
	EXPECT_EQ(MEMCGLAB_A_GROUP_HIER, t->miss_type);

	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing group id");
	EXPECT_EQ(MEMCGLAB_A_GROUP_ID, t->miss_type);

	/* wrong type: a u64 where a u32 belongs */
	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "length");

	/* unknown attribute type */
	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u32(nlh, 200, 1);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "Unknown attribute");

	/* a known attribute this operation does not take */
	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, M);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "Unsupported attribute");

	/* out of range: id 0 */
	EXPECT_NLERR(t, tnl_get(t, self->hier, 0, &g), ERANGE, "out of range");
	/* unknown group, unknown hierarchy */
	EXPECT_NLERR(t, tnl_get(t, self->hier, 999999, &g), ENOENT, "no such group");
	EXPECT_NLERR(t, tnl_get(t, self->hier + 12345, self->ida, &g), ENOENT,
		     "no such group");
}

TEST_F(nl, dump)
{
	struct tnl *t = &self->t;
	struct nlmsghdr *nlh;
	uint64_t ids[8];

	ASSERT_EQ(3, tnl_dump(t, self->hier, self->root, ids, 8));
	EXPECT_EQ(self->root, ids[0]);
	EXPECT_EQ(self->ida, ids[1]);
	EXPECT_EQ(self->idb, ids[2]);
	ASSERT_EQ(2, tnl_dump(t, self->hier, self->ida, ids, 8));
	EXPECT_EQ(self->ida, ids[0]);
	EXPECT_EQ(self->idb, ids[1]);
	ASSERT_EQ(1, tnl_dump(t, self->hier, self->idb, ids, 8));

	EXPECT_NLERR(t, tnl_dump(t, self->hier, 999999, ids, 8), ENOENT, "no such group");
	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing group id");
}

TEST_F(nl, set)
{
	struct tnl *t = &self->t;
	struct tnl_group g;

	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, 10 * M + 100));
	EXPECT_EQ(10 * M, tnl_read_num(self->a, "memory.max"));	/* rounded down */
	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_HIGH, 8 * M));
	EXPECT_EQ(8 * M, tnl_read_num(self->a, "memory.high"));
	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_LOW, M));
	EXPECT_EQ(M, tnl_read_num(self->a, "memory.low"));
	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MIN, 512 * K));
	EXPECT_EQ(512 * K, tnl_read_num(self->a, "memory.min"));
	ASSERT_EQ(0, tnl_get(t, self->hier, self->ida, &g));
	EXPECT_EQ(10 * M, g.a[MEMCGLAB_A_GROUP_MAX]);
	EXPECT_EQ(8 * M, g.a[MEMCGLAB_A_GROUP_HIGH]);
	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX,
			     MEMCGLAB_UNLIMITED));
	EXPECT_EQ(-2, tnl_read_num(self->a, "memory.max"));	/* "max" */
}

TEST_F(nl, set_malformed)
{
	struct tnl *t = &self->t;
	struct nlmsghdr *nlh;

	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "nothing to set");

	EXPECT_NLERR(t, tnl_set(t, self->hier, self->root, MEMCGLAB_A_GROUP_MAX, M),
		     EINVAL, "root group has no limits");
	EXPECT_NLERR(t, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_SOFT_LIMIT, M),
		     EOPNOTSUPP, "v1 flavour");
	EXPECT_NLERR(t, tnl_set(t, self->hier, 999999, MEMCGLAB_A_GROUP_MAX, M),
		     ENOENT, "no such group");

	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_MAX, 4096);	/* wrong type */
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "length");

	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, M);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing hierarchy id");
	EXPECT_EQ(MEMCGLAB_A_GROUP_HIER, t->miss_type);

	/* A valid max with a refused knob beside it changes nothing. */
	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, M);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_SOFT_LIMIT, M);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EOPNOTSUPP, "v1 flavour");

	EXPECT_EQ(-2, tnl_read_num(self->a, "memory.max"));
	EXPECT_EQ(-2, tnl_read_num(self->a, "memory.high"));
}

TEST(set_v1)
{
	char dir[64], a[128];
	struct tnl t;
	uint32_t hier;
	uint64_t id;
	int ret;

	ASSERT_EQ(0, tnl_ensure_module());
	ASSERT_EQ(0, tnl_mount(dir, "v1"));
	snprintf(a, sizeof(a), "%s/a", dir);
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, tnl_ids(a, &hier, &id));
	ASSERT_EQ(0, tnl_open(&t));
	ASSERT_EQ(0, tnl_charge(&t, hier, id, 2 * M, 1, NULL));
	ret = tnl_set(&t, hier, id, MEMCGLAB_A_GROUP_MAX, M);
	EXPECT_NLERR(&t, ret, EBUSY, "usage stays above");
	EXPECT_EQ(9223372036854771712LL, tnl_read_num(a, "memory.limit_in_bytes"));
	ret = tnl_set(&t, hier, id, MEMCGLAB_A_GROUP_HIGH, M);
	EXPECT_NLERR(&t, ret, EOPNOTSUPP, "v1 flavour");
	EXPECT_EQ(0, tnl_set(&t, hier, id, MEMCGLAB_A_GROUP_SOFT_LIMIT, M));
	EXPECT_EQ(M, tnl_read_num(a, "memory.soft_limit_in_bytes"));
	EXPECT_EQ(0, tnl_set(&t, hier, id, MEMCGLAB_A_GROUP_MAX, 4 * M));
	EXPECT_EQ(4 * M, tnl_read_num(a, "memory.limit_in_bytes"));
	tnl_close(&t);
	EXPECT_EQ(0, tnl_read_num(a, "memory.usage_in_bytes"));
	rmdir(a);
	tnl_umount(dir);
}

TEST_F(nl, reset)
{
	struct tnl *t = &self->t;
	struct nlmsghdr *nlh;
	struct tnl_group g;

	ASSERT_EQ(0, tnl_charge(t, self->hier, self->ida, 2 * M, 1, NULL));
	ASSERT_EQ(0, tnl_charge(t, self->hier, self->ida, -(int64_t)(2 * M), 1, NULL));
	ASSERT_EQ(0, tnl_get(t, self->hier, self->ida, &g));
	EXPECT_EQ(2 * M, g.a[MEMCGLAB_A_GROUP_WATERMARK]);
	ASSERT_EQ(0, tnl_reset(t, self->hier, self->ida, MEMCGLAB_RESET_WATERMARK));
	ASSERT_EQ(0, tnl_get(t, self->hier, self->ida, &g));
	EXPECT_EQ(0, g.a[MEMCGLAB_A_GROUP_WATERMARK]);

	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M));
	ASSERT_EQ(0, tnl_charge(t, self->hier, self->ida, 2 * M, 1, NULL));
	ASSERT_EQ(0, tnl_get(t, self->hier, self->ida, &g));
	EXPECT_LE(1, g.a[MEMCGLAB_A_GROUP_FAILCNT]);
	ASSERT_EQ(0, tnl_reset(t, self->hier, self->ida, MEMCGLAB_RESET_FAILCNT));
	ASSERT_EQ(0, tnl_get(t, self->hier, self->ida, &g));
	EXPECT_EQ(0, g.a[MEMCGLAB_A_GROUP_FAILCNT]);

	EXPECT_NLERR(t, tnl_reset(t, self->hier, self->ida, 0), EINVAL, "nothing to reset");
	EXPECT_NLERR(t, tnl_reset(t, self->hier, self->ida, 4), EINVAL, "reserved bit");
	EXPECT_NLERR(t, tnl_reset(t, self->hier, 999999, 1), ENOENT, "no such group");
	nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_RESET, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, self->ida);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing what to reset");
	EXPECT_EQ(MEMCGLAB_A_GROUP_RESET, t->miss_type);
}

TEST_F(nl, charge)
{
	struct tnl *t = &self->t;
	struct tnl_result r[4];
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, tnl_charge(t, self->hier, self->ida, M, 1, &r[0]));
	EXPECT_EQ(1, r[0].done);
	EXPECT_EQ(0, r[0].error);
	EXPECT_EQ(M, r[0].usage);
	EXPECT_EQ(M, r[0].held);
	EXPECT_EQ(M, tnl_read_num(self->a, "memory.current"));

	/* 1M in 4K steps, one entry repeated */
	ASSERT_EQ(0, tnl_charge(t, self->hier, self->idb, 4 * K, 256, &r[0]));
	EXPECT_EQ(256, r[0].done);
	EXPECT_EQ(M, r[0].held);
	EXPECT_EQ(2 * M, tnl_read_num(self->a, "memory.current"));

	/* one batch, three entries, results in order */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	tnl_put_entry(nlh, self->hier, self->ida, 8 * K, 0);
	tnl_put_entry(nlh, self->hier, self->idb, 1, 0);	/* rounds up to a page */
	tnl_put_entry(nlh, self->hier, self->ida, -(int64_t)(8 * K), 0);
	ASSERT_EQ(3, tnl_charge_talk(t, nlh, r, 4));
	EXPECT_EQ(M + 8 * K, r[0].held);
	EXPECT_EQ(M + 4 * K, r[1].held);
	EXPECT_EQ(M, r[2].held);

	/* the largest batch: every entry gets its result */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	for (int i = 0; i < MEMCGLAB_CHARGE_MAX_ENTRIES; i++)
		tnl_put_entry(nlh, self->hier, self->ida, 4 * K, 0);
	ASSERT_EQ(MEMCGLAB_CHARGE_MAX_ENTRIES, tnl_charge_talk(t, nlh, NULL, 0));
	EXPECT_EQ(6 * M + 4 * K, tnl_read_num(self->a, "memory.current"));
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	tnl_put_entry(nlh, self->hier, self->ida, -(int64_t)(4 * K), MEMCGLAB_CHARGE_MAX_ENTRIES);
	ASSERT_EQ(1, tnl_charge_talk(t, nlh, r, 4));
	EXPECT_EQ(MEMCGLAB_CHARGE_MAX_ENTRIES, r[0].done);
	EXPECT_EQ(M, r[0].held);

	/* uncharging more than this socket holds: per-entry EINVAL */
	ASSERT_EQ(0, tnl_charge(t, self->hier, self->ida, -(int64_t)(2 * M), 1, &r[0]));
	EXPECT_EQ(-EINVAL, r[0].error);
	EXPECT_EQ(0, r[0].done);
	EXPECT_EQ(M, r[0].held);
	EXPECT_EQ(2 * M + 4 * K, tnl_read_num(self->a, "memory.current"));
}

/*
 * A charge that nothing can make room for is tried as try_charge_memcg()
 * does: once, once more after draining the stocks, and MAX_RECLAIM_RETRIES
 * times; each attempt counts a max event.
 */
#define REFUSED_ATTEMPTS 18

TEST_F(nl, charge_refused)
{
	struct tnl *t = &self->t;
	struct tnl_result r;
	struct tnl_group g;

	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M));
	ASSERT_EQ(0, tnl_charge(t, self->hier, self->idb, 2 * M, 1, &r));
	EXPECT_EQ(-ENOMEM, r.error);
	EXPECT_EQ(0, r.done);
	EXPECT_EQ(0, r.held);
	EXPECT_EQ(0, tnl_read_num(self->b, "memory.current"));
	ASSERT_EQ(0, tnl_get(t, self->hier, self->ida, &g));
	EXPECT_EQ(REFUSED_ATTEMPTS, g.events_local[MEMCGLAB_A_EVENTS_MAX]);

	ASSERT_EQ(0, tnl_charge(t, self->hier, self->idb, 512 * K, 4, &r));
	EXPECT_EQ(2, r.done);
	EXPECT_EQ(-ENOMEM, r.error);
	EXPECT_EQ(M, r.held);
}

TEST_F(nl, charge_malformed)
{
	struct tnl *t = &self->t;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "no charge entries");
	EXPECT_EQ(MEMCGLAB_A_BATCH_ENTRY, t->miss_type);

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing charge size");
	EXPECT_EQ(MEMCGLAB_A_CHARGE_DELTA, t->miss_type);

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, M);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing hierarchy id");
	EXPECT_EQ(MEMCGLAB_A_CHARGE_HIER, t->miss_type);

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	tnl_put_entry(nlh, self->hier, self->ida, 0, 0);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "charge size is zero");

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, M);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_COUNT, 0);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	tnl_put_entry(nlh, self->hier, self->ida, INT64_MAX, 0);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	/* a reply-only attribute in a request */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, M);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_DONE, 1);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, tnl_talk(t, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(t->msg));

	/* a charge type beyond file */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->ida);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, M);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_TYPE, MEMCGLAB_CHARGE_TYPE_FILE + 1);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	/* a second entry names an unknown group: the first is not charged */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	tnl_put_entry(nlh, self->hier, self->ida, M, 0);
	tnl_put_entry(nlh, self->hier, 999999, M, 0);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), ENOENT, "no such group");

	/* not a nest where a nest belongs */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BATCH_ENTRY, 1);
	EXPECT_EQ(-EINVAL, tnl_talk(t, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(t->msg));

	/* too many entries */
	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	for (int i = 0; i <= MEMCGLAB_CHARGE_MAX_ENTRIES; i++)
		tnl_put_entry(nlh, self->hier, self->ida, 4 * K, 0);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), E2BIG, "entries");

	EXPECT_EQ(0, tnl_read_num(self->a, "memory.current"));
}

/*
 * CHARGE's type attribute: file pages are page cache, reclaimed under a
 * limit; the socket's later uncharge of them gives back what is left.
 */
TEST_F(nl, charge_file)
{
	struct tnl *t = &self->t;
	struct tnl_result r[2];
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->idb);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, 8 * M);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_TYPE, MEMCGLAB_CHARGE_TYPE_FILE);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(1, tnl_charge_talk(t, nlh, r, 1));
	EXPECT_EQ(0, r[0].error);
	EXPECT_EQ(8 * M, r[0].held);
	ASSERT_EQ(0, tnl_set(t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, 4 * M));
	EXPECT_GE(4 * M, tnl_read_num(self->a, "memory.current"));

	/* anon (the default) by the same socket: reclaim takes file only */
	ASSERT_EQ(0, tnl_charge(t, self->hier, self->idb, 3 * M, 1, &r[1]));
	EXPECT_EQ(0, r[1].error);
	EXPECT_GE(4 * M, tnl_read_num(self->a, "memory.current"));
	EXPECT_LE(3 * M, r[1].held);

	nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, self->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, self->idb);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, -(int64_t)(8 * M));
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_TYPE, MEMCGLAB_CHARGE_TYPE_FILE);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(1, tnl_charge_talk(t, nlh, r, 1));
	EXPECT_EQ(0, r[0].error);
	EXPECT_EQ(3 * M, r[0].held);
	EXPECT_EQ(3 * M, tnl_read_num(self->b, "memory.current"));
}

TEST_F(nl, close_returns_charges)
{
	struct tnl u;

	ASSERT_EQ(0, tnl_open(&u));
	ASSERT_EQ(0, tnl_charge(&u, self->hier, self->idb, 3 * M, 1, NULL));
	ASSERT_EQ(0, tnl_charge(&self->t, self->hier, self->ida, M, 1, NULL));
	EXPECT_EQ(3 * M, tnl_read_num(self->b, "memory.current"));
	EXPECT_EQ(4 * M, tnl_read_num(self->a, "memory.current"));
	tnl_close(&u);
	EXPECT_EQ(0, tnl_read_num(self->b, "memory.current"));
	EXPECT_EQ(M, tnl_read_num(self->a, "memory.current"));
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
			      const char *opts)
{
	char dir[64], p[128], a[128], mounts[8192];
	uint64_t idp, ida, emin;
	struct tnl_group g;
	uint32_t hier;
	struct tnl t;

	ASSERT_EQ(0, tnl_mount(dir, opts));
	snprintf(p, sizeof(p), "%s/p", dir);
	snprintf(a, sizeof(a), "%s/p/a", dir);
	ASSERT_EQ(0, mkdir(p, 0755));
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, tnl_ids(p, &hier, &idp));
	ASSERT_EQ(0, tnl_ids(a, &hier, &ida));
	ASSERT_EQ(0, tnl_open(&t));
	ASSERT_EQ(0, tnl_set(&t, hier, idp, MEMCGLAB_A_GROUP_MIN, 10 * M));
	ASSERT_EQ(0, tnl_charge(&t, hier, ida, 8 * M, 1, NULL));
	ASSERT_EQ(0, tnl_get(&t, hier, idp, &g));
	EXPECT_EQ(10 * M, g.a[MEMCGLAB_A_GROUP_EMIN]);
	ASSERT_EQ(0, tnl_get(&t, hier, ida, &g));
	emin = g.a[MEMCGLAB_A_GROUP_EMIN];
	ASSERT_LT(0, mlab_read("/proc/self/mounts", mounts, sizeof(mounts)));
	EXPECT_EQ(!!opts, strstr(mounts, ",memory_recursiveprot") != NULL);
	tnl_close(&t);		/* gives the charge back */
	rmdir(a);
	rmdir(p);
	tnl_umount(dir);
	return emin;
}

TEST(recursiveprot)
{
	char dir[64];

	ASSERT_EQ(0, tnl_ensure_module());
	EXPECT_EQ(0, emin_of_child(_metadata, NULL));
	EXPECT_EQ(10 * M, emin_of_child(_metadata, "memory_recursiveprot"));
	/* min and low are v2 knobs: so is the option. */
	EXPECT_EQ(-EINVAL, tnl_mount(dir, "v1,memory_recursiveprot"));
}

/* What a BENCH reply says. */
struct bench_reply {
	uint64_t a[MEMCGLAB_A_BENCH_ATTR_MAX + 1];
	bool has[MEMCGLAB_A_BENCH_ATTR_MAX + 1];
	unsigned int threads;
	uint64_t ops[MEMCGLAB_BENCH_MAX_THREADS], ns[MEMCGLAB_BENCH_MAX_THREADS];
};

static int bench_cb(const struct nlmsghdr *nlh, void *data)
{
	struct bench_reply *r = data;
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type > MEMCGLAB_A_BENCH_ATTR_MAX)
			return -EINVAL;
		r->has[type] = true;
		if (type == MEMCGLAB_A_BENCH_THREAD) {
			if (r->threads >= MEMCGLAB_BENCH_MAX_THREADS)
				return -E2BIG;
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) == MEMCGLAB_A_BENCH_THREAD_OPS)
					r->ops[r->threads] = mnl_attr_get_u64(b);
				if (mnl_attr_get_type(b) == MEMCGLAB_A_BENCH_THREAD_NS)
					r->ns[r->threads] = mnl_attr_get_u64(b);
			}
			r->threads++;
		} else if (mnl_attr_get_payload_len(a) == 4) {
			r->a[type] = mnl_attr_get_u32(a);
		} else if (mnl_attr_get_payload_len(a) == 8) {
			r->a[type] = mnl_attr_get_u64(a);
		}
	}
	return 0;
}

static int bench(struct tnl *t, uint32_t kind, uint32_t depth,
		 uint32_t threads, uint64_t count, struct bench_reply *r)
{
	struct nlmsghdr *nlh = tnl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	struct bench_reply ignored;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, kind);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_DEPTH, depth);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_THREADS, threads);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_COUNT, count);
	if (!r)
		r = &ignored;
	memset(r, 0, sizeof(*r));
	return tnl_talk(t, nlh, bench_cb, r);
}

/* Every kind runs a counted loop and reports it per thread. */
TEST_F(nl, bench)
{
	struct bench_reply r;
	uint32_t kind;
	unsigned int i;

	ASSERT_EQ(0, bench(&self->t, MEMCGLAB_BENCH_KIND_BATCHED, 4, 2, 1024, &r))
		TH_LOG("%s", self->t.msg);
	EXPECT_EQ(MEMCGLAB_BENCH_KIND_BATCHED, r.a[MEMCGLAB_A_BENCH_KIND]);
	EXPECT_EQ(4, r.a[MEMCGLAB_A_BENCH_DEPTH]);
	EXPECT_EQ(2, r.a[MEMCGLAB_A_BENCH_THREADS]);
	EXPECT_EQ(2, r.a[MEMCGLAB_A_BENCH_FANOUT]);	/* defaults to threads */
	EXPECT_EQ(1, r.a[MEMCGLAB_A_BENCH_NR_PAGES]);
	EXPECT_EQ(1024, r.a[MEMCGLAB_A_BENCH_COUNT]);
	EXPECT_LT(0, r.a[MEMCGLAB_A_BENCH_WALL_NS]);
	ASSERT_EQ(2, r.threads);
	for (i = 0; i < r.threads; i++) {
		EXPECT_EQ(1024, r.ops[i]);
		EXPECT_LT(0, r.ns[i]);
		EXPECT_GE(r.a[MEMCGLAB_A_BENCH_WALL_NS], r.ns[i]);
	}

	for (kind = 0; kind <= MEMCGLAB_BENCH_KIND_PAGE; kind++) {
		ASSERT_EQ(0, bench(&self->t, kind, 2, 1, 256, &r))
			TH_LOG("kind %u: %s", kind, self->t.msg);
		EXPECT_EQ(kind, r.a[MEMCGLAB_A_BENCH_KIND]);
		ASSERT_EQ(1, r.threads);
		EXPECT_EQ(256, r.ops[0]) TH_LOG("kind %u", kind);
		/* Only the policies and the walk have a hierarchy. */
		EXPECT_EQ(kind <= MEMCGLAB_BENCH_KIND_LOCKED ||
			  kind == MEMCGLAB_BENCH_KIND_WALK ? 2 : 1,
			  r.a[MEMCGLAB_A_BENCH_DEPTH]) TH_LOG("kind %u", kind);
		if (kind >= MEMCGLAB_BENCH_KIND_MEMCG)
			EXPECT_EQ(256, r.a[MEMCGLAB_A_BENCH_BASE_OPS]);
	}
	/* The benchmark's private hierarchy leaves the mounted one alone. */
	EXPECT_EQ(0, tnl_read_num(self->a, "memory.current"));
}

/*
 * A counted run with no time bound ends when its requester is killed: the
 * threads stop at their next chunk, the next run starts at once, and
 * nothing is left behind (the module unloads at the end of the boot).
 */
TEST_F(nl, bench_killed)
{
	struct timespec t0, t1;
	struct bench_reply r;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct tnl c;

		if (tnl_open(&c))
			_exit(100);
		/* Minutes under TCG: far longer than the test waits. */
		bench(&c, MEMCGLAB_BENCH_KIND_STRICT, 8, 2, MEMCGLAB_BENCH_MAX_COUNT, NULL);
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
	ASSERT_EQ(0, bench(&self->t, MEMCGLAB_BENCH_KIND_STRICT, 8, 2, 256, &r))
		TH_LOG("%s", self->t.msg);
	EXPECT_EQ(256, r.ops[1]);
}

TEST_F(nl, bench_malformed)
{
	struct tnl *t = &self->t;
	struct nlmsghdr *nlh;

	nlh = tnl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_DEPTH, 1);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "missing bench kind");
	EXPECT_EQ(MEMCGLAB_A_BENCH_KIND, t->miss_type);

	EXPECT_NLERR(t, bench(t, MEMCGLAB_BENCH_KIND_PAGE + 1, 1, 1, 256, NULL),
		     ERANGE, "out of range");
	EXPECT_NLERR(t, bench(t, 0, MEMCGLAB_BENCH_MAX_DEPTH + 1, 1, 256, NULL),
		     ERANGE, "out of range");
	EXPECT_NLERR(t, bench(t, 0, 1, MEMCGLAB_BENCH_MAX_THREADS + 1, 256, NULL),
		     ERANGE, "out of range");
	EXPECT_NLERR(t, bench(t, 0, 1, 1, MEMCGLAB_BENCH_MAX_COUNT + 1ULL, NULL),
		     ERANGE, "out of range");

	nlh = tnl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_MS, MEMCGLAB_BENCH_MAX_MS + 1);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), ERANGE, "out of range");

	/* results are reply-only */
	nlh = tnl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_WALL_NS, 1);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "Unsupported attribute");

	/* wrong type: a u64 where a u32 belongs */
	nlh = tnl_msg(t, MEMCGLAB_CMD_BENCH, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	EXPECT_NLERR(t, tnl_talk(t, nlh, NULL, NULL), EINVAL, "length");
}

TEST_F(nl, unprivileged)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct tnl u;
		struct tnl_group g;
		uint64_t ids[4];
		int bad = 0;

		if (setgid(65534) || setuid(65534) || tnl_open(&u))
			_exit(100);
		bad |= (tnl_get(&u, self->hier, self->ida, &g) != 0) << 0;
		bad |= (tnl_dump(&u, self->hier, self->root, ids, 4) != 3) << 1;
		bad |= (tnl_set(&u, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M) != -EPERM) << 2;
		bad |= (tnl_reset(&u, self->hier, self->ida, 3) != -EPERM) << 3;
		bad |= (tnl_charge(&u, self->hier, self->ida, M, 1, NULL) != -EPERM) << 4;
		bad |= (bench(&u, MEMCGLAB_BENCH_KIND_STRICT, 1, 1, 256, NULL) != -EPERM) << 5;
		tnl_close(&u);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("unprivileged checks failed: mask 0x%x", WEXITSTATUS(status));
	}
	EXPECT_EQ(-2, tnl_read_num(self->a, "memory.max"));
	EXPECT_EQ(0, tnl_read_num(self->a, "memory.current"));
}

TEST_F(nl, event_max)
{
	struct tnl m;
	struct tnl_event ev;

	ASSERT_EQ(0, tnl_open(&m));
	ASSERT_EQ(0, tnl_join_events(&m));
	ASSERT_EQ(0, tnl_set(&self->t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, M));
	ASSERT_EQ(0, tnl_charge(&self->t, self->hier, self->idb, 2 * M, 1, NULL));
	ASSERT_EQ(1, tnl_next_event(&m, &ev, 2000));
	EXPECT_EQ(MEMCGLAB_EVENT_MAX, ev.type);
	EXPECT_EQ(self->hier, ev.hier);
	EXPECT_EQ(self->ida, ev.id);	/* at the limiting ancestor */
	EXPECT_EQ(M, ev.limit);
	tnl_close(&m);
}

TEST_F(nl, event_ratelimit)
{
	struct tnl_result r[300];
	struct tnl_event ev;
	struct nlmsghdr *nlh;
	int got = 0, ret;
	struct tnl m;

	ASSERT_EQ(0, tnl_open(&m));
	ASSERT_EQ(0, tnl_join_events(&m));
	ASSERT_EQ(0, tnl_set(&self->t, self->hier, self->ida, MEMCGLAB_A_GROUP_MAX, 4 * K));
	nlh = tnl_msg(&self->t, MEMCGLAB_CMD_CHARGE, 0);
	for (int i = 0; i < 300; i++)
		tnl_put_entry(nlh, self->hier, self->ida, 8 * K, 0);
	ASSERT_EQ(300, tnl_charge_talk(&self->t, nlh, r, 300));
	EXPECT_EQ(-ENOMEM, r[299].error);
	while ((ret = tnl_next_event(&m, &ev, 300)) == 1)
		got++;
	EXPECT_EQ(0, ret);
	/* One burst per second; the burst may straddle two windows. */
	EXPECT_LE(1, got);
	EXPECT_GE(2 * MEMCGLAB_EVENTS_PER_SEC, got);
	sleep(2);
	ASSERT_EQ(0, tnl_charge(&self->t, self->hier, self->ida, 8 * K, 1, NULL));
	ASSERT_EQ(1, tnl_next_event(&m, &ev, 2000));
	EXPECT_EQ(300 * REFUSED_ATTEMPTS - got, ev.dropped);
	tnl_close(&m);
}

TEST_HARNESS_MAIN
