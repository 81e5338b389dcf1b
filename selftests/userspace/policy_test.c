// SPDX-License-Identifier: GPL-2.0
/*
 * policy_test.c - unit tests for kmod/policy.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>

#include "harness.h"
#include "shim/shim.h"
#include "test_util.h"

/* root <- a <- {b, c}: index 0 root, 1 a, 2 b, 3 c */
static struct mlab_counter *tree4(struct mlab_policy *p)
{
	struct mlab_counter *c = counters_alloc(4);

	mlab_policy_counter_init(p, &c[0], NULL, true);
	mlab_policy_counter_init(p, &c[1], &c[0], true);
	mlab_policy_counter_init(p, &c[2], &c[1], true);
	mlab_policy_counter_init(p, &c[3], &c[1], true);
	return c;
}

static struct mlab_policy *create_ok(enum shim_policy id,
				     unsigned int batch)
{
	struct mlab_policy *p = mlab_policy_create(shim_policy_names[id], batch);

	if (IS_ERR(p))
		abort();
	return p;
}

TEST(policy_registry_lists_builtins)
{
	struct mlab_policy_info pi;
	char avail[64];
	int id;

	for (id = 0; id < SHIM_NR_POLICIES; id++) {
		EXPECT_EQ(mlab_policy_get_info(id, &pi), 0);
		EXPECT_EQ(strcmp(pi.name, shim_policy_names[id]), 0);
		EXPECT_EQ(strcmp(pi.module, "memcglab"), 0);
		EXPECT_TRUE(pi.description[0] != '\0');
		EXPECT_EQ(pi.slack, 0);
		EXPECT_EQ(!!(pi.flags & MLAB_POLICY_F_BATCH),
			  id == SHIM_POLICY_BATCHED);
		EXPECT_TRUE(mlab_policy_known(shim_policy_names[id]));
	}
	/* Then the policy modules linked into this program. */
	EXPECT_EQ(mlab_policy_get_info(SHIM_NR_POLICIES, &pi), 0);
	EXPECT_TRUE(mlab_policy_known("multistock"));
	EXPECT_TRUE(mlab_policy_known("example"));
	EXPECT_EQ(mlab_policy_get_info(SHIM_NR_POLICIES + 2, &pi), -ENOENT);
	EXPECT_FALSE(mlab_policy_known("nosuch"));
	mlab_policy_available(avail, sizeof(avail));
	EXPECT_EQ(strncmp(avail, "strict batched locked ", 22), 0);
	mlab_policy_available(avail, 10);
	EXPECT_EQ(strcmp(avail, "strict"), 0);
}

static int dummy_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			    unsigned long nr_pages, struct mlab_counter **fail)
{
	(void)p;
	return mlab_counter_try_charge(c, nr_pages, fail) ? 0 : -ENOMEM;
}

static void dummy_charge(struct mlab_policy *p, struct mlab_counter *c,
			 unsigned long nr_pages)
{
	(void)p;
	mlab_counter_charge(c, nr_pages);
}

static void dummy_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages)
{
	(void)p;
	mlab_counter_uncharge(c, nr_pages);
}

TEST(policy_register_checks_ops)
{
	struct mlab_policy_ops ok = {
		.name = "dummy_1", .description = "a test policy",
		.try_charge = dummy_try_charge, .charge = dummy_charge,
		.uncharge = dummy_uncharge,
	};
	struct mlab_policy_ops dup = ok, bad = ok;
	struct mlab_policy_info pi;
	struct mlab_counter c;
	struct mlab_counter *fail;
	struct mlab_policy *p;

	EXPECT_EQ(mlab_policy_register(&ok), 0);
	EXPECT_EQ(mlab_policy_register(&dup), -EEXIST);
	EXPECT_EQ(mlab_policy_get_info(SHIM_NR_POLICIES + 2, &pi), 0);
	EXPECT_EQ(strcmp(pi.name, "dummy_1"), 0);
	EXPECT_EQ(mlab_policy_get_info(SHIM_NR_POLICIES + 3, &pi), -ENOENT);

	bad.uncharge = NULL;
	strcpy(bad.name, "dummy_2");
	EXPECT_EQ(mlab_policy_register(&bad), -EINVAL);
	bad = ok;
	strcpy(bad.name, "Dummy");
	EXPECT_EQ(mlab_policy_register(&bad), -EINVAL);
	bad.name[0] = '\0';
	EXPECT_EQ(mlab_policy_register(&bad), -EINVAL);
	memset(bad.name, 'a', sizeof(bad.name));	/* no NUL */
	EXPECT_EQ(mlab_policy_register(&bad), -EINVAL);
	bad = ok;
	strcpy(bad.name, "dummy_3");
	bad.description = NULL;
	EXPECT_EQ(mlab_policy_register(&bad), -EINVAL);

	/* The optional slots default to the counter's own behaviour. */
	p = mlab_policy_create("dummy_1", 8);
	ASSERT_TRUE(!IS_ERR(p));
	EXPECT_EQ(strcmp(mlab_policy_name(p), "dummy_1"), 0);
	EXPECT_EQ(mlab_policy_batch(p), 0);
	EXPECT_EQ(mlab_policy_counter_init(p, &c, NULL, true), 0);
	EXPECT_EQ(mlab_policy_try_charge(p, &c, 4, &fail), 0);
	EXPECT_EQ(mlab_policy_set_max(p, &c, 3), -EBUSY);
	EXPECT_EQ(mlab_policy_set_max(p, &c, 4), 0);
	mlab_policy_uncharge(p, &c, 4);
	EXPECT_EQ(mlab_counter_read(&c), 0);
	mlab_policy_counter_exit(p, &c);
	mlab_policy_destroy(p);

	mlab_policy_unregister(&ok);
	EXPECT_FALSE(mlab_policy_known("dummy_1"));
	EXPECT_EQ(PTR_ERR(mlab_policy_create("dummy_1", 0)), -ENOENT);
}

TEST(policy_create_and_query)
{
	int id;

	for (id = 0; id < SHIM_NR_POLICIES; id++) {
		struct mlab_policy *p = create_ok(id, 0);

		EXPECT_EQ(strcmp(mlab_policy_name(p), shim_policy_names[id]), 0);
		EXPECT_EQ(mlab_policy_batch(p),
			  id == SHIM_POLICY_BATCHED ? MLAB_DEFAULT_BATCH : 0);
		mlab_policy_destroy(p);
	}
	{
		struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 16);

		EXPECT_EQ(mlab_policy_batch(p), 16);
		mlab_policy_destroy(p);
		p = create_ok(SHIM_POLICY_BATCHED, MLAB_MAX_BATCH);
		EXPECT_EQ(mlab_policy_batch(p), MLAB_MAX_BATCH);
		mlab_policy_destroy(p);
	}
	mlab_policy_destroy(NULL);
}

TEST(policy_create_errors)
{
	EXPECT_EQ(PTR_ERR(mlab_policy_create("nosuch", 0)), -ENOENT);
	EXPECT_EQ(PTR_ERR(mlab_policy_create("", 0)), -ENOENT);
	EXPECT_EQ(PTR_ERR(mlab_policy_create("batched",
					     MLAB_MAX_BATCH + 1)), -EINVAL);
	shim_fail_alloc(1);
	EXPECT_EQ(PTR_ERR(mlab_policy_create("strict", 0)), -ENOMEM);
	shim_fail_alloc(2);	/* the per-cpu stock */
	EXPECT_EQ(PTR_ERR(mlab_policy_create("batched", 0)), -ENOMEM);
	shim_fail_alloc(0);
}

/* The same observable behaviour for every policy when stocks are drained. */
TEST(policy_all_basic_semantics)
{
	int id;

	for (id = 0; id < SHIM_NR_POLICIES; id++) {
		struct mlab_policy *p = create_ok(id, 4);
		struct mlab_counter *c = tree4(p), *fail = NULL;

		shim_set_cpu(0);
		mlab_counter_set_max(&c[1], 10);
		EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 6, &fail), 0);
		EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 4, &fail), 0);
		mlab_policy_drain(p, NULL);
		EXPECT_EQ(mlab_counter_read(&c[1]), 10);
		EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 1, &fail), -ENOMEM);
		EXPECT_PTR(fail, &c[1]);
		EXPECT_GE(c[1].failcnt, 1);
		EXPECT_EQ(mlab_counter_read(&c[3]), 4);
		EXPECT_EQ(mlab_counter_read(&c[0]), 10);

		/* forced charges go over */
		mlab_policy_charge(p, &c[3], 5);
		mlab_policy_drain(p, NULL);
		EXPECT_EQ(mlab_counter_read(&c[1]), 15);
		EXPECT_EQ(mlab_counter_read(&c[0]), 15);

		/* a limit below usage is refused, at usage accepted */
		EXPECT_EQ(mlab_policy_set_max(p, &c[1], 14), -EBUSY);
		EXPECT_EQ(c[1].max, 10);
		EXPECT_EQ(mlab_policy_set_max(p, &c[1], 15), 0);
		EXPECT_EQ(c[1].max, 15);

		mlab_policy_uncharge(p, &c[2], 6);
		mlab_policy_uncharge(p, &c[3], 9);
		mlab_policy_drain(p, NULL);
		EXPECT_EQ(mlab_counter_read(&c[0]), 0);
		EXPECT_EQ(mlab_counter_read(&c[1]), 0);
		EXPECT_EQ(mlab_counter_read(&c[2]), 0);
		EXPECT_EQ(mlab_counter_read(&c[3]), 0);
		mlab_policy_destroy(p);
		free(c);
	}
}

TEST(policy_locked_unwinds_at_ancestor)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_LOCKED, 0);
	struct mlab_counter *c = tree4(p), *fail = NULL;

	mlab_counter_set_max(&c[1], 5);
	mlab_counter_set_max(&c[2], 5);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 5, &fail), 0);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 1, &fail), -ENOMEM);
	EXPECT_PTR(fail, &c[1]);
	EXPECT_EQ(mlab_counter_read(&c[3]), 0);
	EXPECT_EQ(c[1].failcnt, 1);
	EXPECT_EQ(c[3].failcnt, 0);
	/*
	 * The failing level checks before it adds: no speculative
	 * watermark there (strict would show 6); c was charged and undone.
	 */
	EXPECT_EQ(c[1].watermark, 5);
	EXPECT_EQ(c[3].watermark, 1);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 1, &fail), -ENOMEM);
	EXPECT_PTR(fail, &c[2]);
	mlab_policy_uncharge(p, &c[2], 5);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_strict_set_max_no_drain)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_STRICT, 0);
	struct mlab_counter *c = tree4(p);

	mlab_policy_charge(p, &c[2], 3);
	EXPECT_EQ(mlab_counter_read(&c[2]), 3);	/* no stock */
	EXPECT_EQ(mlab_policy_set_max(p, &c[2], 2), -EBUSY);
	mlab_policy_drain(p, &c[2]);		/* a no-op */
	EXPECT_EQ(mlab_counter_read(&c[2]), 3);
	mlab_policy_uncharge(p, &c[2], 3);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_batched_stock_fast_path)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 64);
	struct mlab_counter *c = tree4(p), *fail;

	shim_set_cpu(1);
	/* one page charges a whole batch; the surplus waits in the stock */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 1, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 64);
	EXPECT_EQ(mlab_counter_read(&c[0]), 64);
	EXPECT_EQ(c[2].watermark, 64);
	/* the next 63 pages come from the stock without touching usage */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 60, &fail), 0);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 3, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 64);
	/* empty now: another batch */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 1, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 128);
	/* another CPU has its own stock */
	shim_set_cpu(2);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 2, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 192);
	/* a forced charge also takes from the stock first */
	mlab_policy_charge(p, &c[2], 62);
	EXPECT_EQ(mlab_counter_read(&c[2]), 192);
	mlab_policy_charge(p, &c[2], 1);
	EXPECT_EQ(mlab_counter_read(&c[2]), 193);
	/* real use: 64 + 1 + 2 + 62 + 1 = 130; stocked 63 on cpu 1 */
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[2]), 130);
	mlab_policy_uncharge(p, &c[2], 130);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	shim_set_cpu(0);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_batched_big_charges_are_exact)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 8);
	struct mlab_counter *c = tree4(p), *fail;

	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 8, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 8);	/* batch == n: no surplus */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 100, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 108);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[2]), 108);
	mlab_policy_uncharge(p, &c[2], 108);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	mlab_policy_destroy(p);
	free(c);
}

/*
 * A stocking policy gets back, through the stock of a cached counter, an
 * uncharge of any size: 2^40 pages must not wrap a small slot count (the
 * guest's hostile test charges 4 EiB through netlink).
 */
TEST(policy_stock_takes_huge_uncharges)
{
	static const char * const names[] = { "batched", "multistock" };
	unsigned long huge = 1UL << 40;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct mlab_policy *p = mlab_policy_create(names[i], 16);
		struct mlab_counter *c, *fail;

		ASSERT_TRUE(!IS_ERR(p));
		c = tree4(p);
		EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 1, &fail), 0);
		EXPECT_EQ(mlab_policy_try_charge(p, &c[2], huge, &fail), 0);
		mlab_policy_uncharge(p, &c[2], huge);
		mlab_policy_uncharge(p, &c[2], 1);
		mlab_policy_drain(p, NULL);
		EXPECT_EQ(mlab_counter_read(&c[0]), 0);
		EXPECT_EQ(mlab_counter_read(&c[2]), 0);
		mlab_policy_destroy(p);
		free(c);
	}
}

/* Sibling groups alternating on one CPU keep their stock with multistock. */
TEST(policy_multistock_keeps_siblings_cached)
{
	struct mlab_policy *p = mlab_policy_create("multistock", 8);
	struct mlab_counter *c, *fail;
	int i;

	ASSERT_TRUE(!IS_ERR(p));
	c = tree4(p);
	/* c[2] and c[3] are siblings under c[1]: each takes one batch. */
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(mlab_policy_try_charge(p, &c[2 + (i & 1)], 1, &fail), 0);
		mlab_policy_uncharge(p, &c[2 + (i & 1)], 1);
	}
	/* 8 pages stocked for each sibling; batched would hold one group's. */
	EXPECT_EQ(mlab_counter_read(&c[2]), 8);
	EXPECT_EQ(mlab_counter_read(&c[3]), 8);
	mlab_policy_drain(p, &c[2]);
	EXPECT_EQ(mlab_counter_read(&c[2]), 0);
	EXPECT_EQ(mlab_counter_read(&c[3]), 8);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_batched_exact_retry_bumps_failcnt)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 64);
	struct mlab_counter *c = tree4(p), *fail = NULL;

	/* the batch of 64 does not fit under 10, the exact 3 does */
	mlab_counter_set_max(&c[1], 10);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 3, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 3);
	EXPECT_EQ(c[1].failcnt, 1);
	/* neither fits: two failures counted, -ENOMEM */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 8, &fail), -ENOMEM);
	EXPECT_PTR(fail, &c[1]);
	EXPECT_EQ(c[1].failcnt, 3);
	EXPECT_EQ(mlab_counter_read(&c[1]), 3);
	/* an exact charge of the batch size fails only once */
	mlab_counter_set_max(&c[1], MLAB_COUNTER_MAX);
	mlab_counter_set_max(&c[2], 66);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 64, &fail), -ENOMEM);
	EXPECT_EQ(c[2].failcnt, 1);
	mlab_policy_uncharge(p, &c[2], 3);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_batched_stock_switches_counter)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 16);
	struct mlab_counter *c = tree4(p), *fail;

	shim_set_cpu(3);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 1, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 16);
	/* charging c drains b's stock and caches c instead */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 1, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[2]), 1);
	EXPECT_EQ(mlab_counter_read(&c[3]), 16);
	EXPECT_EQ(mlab_counter_read(&c[1]), 17);
	/* uncharging b, not cached here, goes straight to the counter */
	mlab_policy_uncharge(p, &c[2], 1);
	EXPECT_EQ(mlab_counter_read(&c[2]), 0);
	/* uncharging c refills its stock: 15 + 1 = 16 <= batch, kept */
	mlab_policy_uncharge(p, &c[3], 1);
	EXPECT_EQ(mlab_counter_read(&c[3]), 16);
	/* past the batch the whole stock is drained */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 16, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[3]), 16);
	mlab_policy_uncharge(p, &c[3], 10);	/* stock 10 */
	EXPECT_EQ(mlab_counter_read(&c[3]), 16);
	mlab_policy_uncharge(p, &c[3], 6);	/* stock 16 */
	EXPECT_EQ(mlab_counter_read(&c[3]), 16);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 16, &fail), 0);
	mlab_policy_uncharge(p, &c[3], 16);	/* stock 16, ok */
	mlab_policy_charge(p, &c[3], 1);	/* from stock: 15 */
	mlab_policy_uncharge(p, &c[3], 1);
	mlab_policy_uncharge(p, &c[3], 0);
	EXPECT_EQ(mlab_counter_read(&c[3]), 16);
	/* stock 16, real 0 */
	mlab_policy_charge(p, &c[3], 16);	/* stock 0, real 16 */
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 10, &fail), 0);
	EXPECT_EQ(mlab_counter_read(&c[3]), 32);	/* stock 6, real 26 */
	mlab_policy_uncharge(p, &c[3], 11);	/* 17 > 16: drained */
	EXPECT_EQ(mlab_counter_read(&c[3]), 15);
	mlab_policy_uncharge(p, &c[3], 15);	/* nothing cached: direct */
	EXPECT_EQ(mlab_counter_read(&c[3]), 0);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	shim_set_cpu(0);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_batched_drain_subtree)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 32);
	struct mlab_counter *c = counters_alloc(5), *fail;
	int cpu;

	/* 0 root <- 1 a <- 2 b <- 4; 0 root <- 3 */
	mlab_policy_counter_init(p, &c[0], NULL, false);
	mlab_policy_counter_init(p, &c[1], &c[0], false);
	mlab_policy_counter_init(p, &c[2], &c[1], false);
	mlab_policy_counter_init(p, &c[3], &c[0], false);
	mlab_policy_counter_init(p, &c[4], &c[2], false);
	/* one page each, stocked: cpu0 -> 4, cpu1 -> 3, cpu2 -> 2, cpu3 -> 3 */
	for (cpu = 0; cpu < 4; cpu++) {
		static const int leaf[] = { 4, 3, 2, 3 };

		shim_set_cpu(cpu);
		EXPECT_EQ(mlab_policy_try_charge(p, &c[leaf[cpu]], 1, &fail),
			  0);
	}
	EXPECT_EQ(mlab_counter_read(&c[0]), 4 * 32);
	/* draining a drains what is stocked for a and below: c4 and c2 */
	mlab_policy_drain(p, &c[1]);
	EXPECT_EQ(mlab_counter_read(&c[1]), 2);
	EXPECT_EQ(mlab_counter_read(&c[3]), 64);
	/* an unrelated leaf leaves the others */
	mlab_policy_drain(p, &c[4]);
	EXPECT_EQ(mlab_counter_read(&c[3]), 64);
	mlab_policy_drain(p, &c[3]);
	EXPECT_EQ(mlab_counter_read(&c[3]), 2);
	mlab_policy_uncharge(p, &c[4], 1);
	mlab_policy_uncharge(p, &c[3], 2);
	mlab_policy_uncharge(p, &c[2], 1);
	mlab_policy_drain(p, NULL);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	shim_set_cpu(0);
	mlab_policy_destroy(p);
	free(c);
}

TEST(policy_batched_drain_offline_cpu)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 32);
	struct mlab_counter *c = tree4(p), *fail;

	shim_set_cpu(5);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 1, &fail), 0);
	shim_set_cpu(6);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 1, &fail), 0);
	shim_set_cpu(0);
	shim_set_cpu_online(5, false);
	shim_set_cpu_online(6, false);
	/* the IPI cannot reach them; the sweep after it can */
	mlab_policy_drain(p, &c[2]);
	EXPECT_EQ(mlab_counter_read(&c[2]), 1);
	EXPECT_EQ(mlab_counter_read(&c[3]), 32);
	shim_set_cpu_online(5, true);
	mlab_policy_uncharge(p, &c[2], 1);
	mlab_policy_uncharge(p, &c[3], 1);
	/* destroy drains everything, offline CPUs included */
	mlab_policy_destroy(p);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	EXPECT_EQ(mlab_counter_read(&c[3]), 0);
	shim_set_cpu_online(6, true);
	free(c);
}

TEST(policy_batched_set_max_drains_then_retries)
{
	struct mlab_policy *p = create_ok(SHIM_POLICY_BATCHED, 64);
	struct mlab_counter *c = tree4(p), *fail;

	shim_set_cpu(1);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[2], 4, &fail), 0);
	shim_set_cpu(2);
	EXPECT_EQ(mlab_policy_try_charge(p, &c[3], 4, &fail), 0);
	shim_set_cpu(0);
	EXPECT_EQ(mlab_counter_read(&c[1]), 128);
	/* 8 pages really used: stocked pages are given back first */
	EXPECT_EQ(mlab_counter_set_max(&c[1], 8), -EBUSY);
	EXPECT_EQ(mlab_policy_set_max(p, &c[1], 8), 0);
	EXPECT_EQ(mlab_counter_read(&c[1]), 8);
	EXPECT_EQ(c[1].max, 8);
	/* and real usage still refuses */
	EXPECT_EQ(mlab_policy_set_max(p, &c[1], 7), -EBUSY);
	EXPECT_EQ(c[1].max, 8);
	/* the overshoot: a watermark counted the stock */
	EXPECT_EQ(c[1].watermark, 128);
	mlab_policy_uncharge(p, &c[2], 4);
	mlab_policy_uncharge(p, &c[3], 4);
	mlab_policy_destroy(p);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	free(c);
}
