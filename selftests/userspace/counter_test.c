// SPDX-License-Identifier: GPL-2.0
/*
 * counter_test.c - unit tests for kmod/counter.c, one or more per function
 * and per kernel quirk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#include "harness.h"
#include "shim/shim.h"
#include "test_util.h"

/* root <- a <- b, a three-level chain; index 0 is the root. */
static struct mlab_counter *chain3(bool track)
{
	struct mlab_counter *c = counters_alloc(3);

	mlab_counter_init(&c[0], NULL, track);
	mlab_counter_init(&c[1], &c[0], track);
	mlab_counter_init(&c[2], &c[1], track);
	return c;
}

TEST(counter_layout_cachelines)
{
	/* usage/failcnt, then protection + watermarks, then limits. */
	EXPECT_EQ(offsetof(struct mlab_counter, usage) / 64, 0);
	EXPECT_EQ(offsetof(struct mlab_counter, failcnt) / 64, 0);
	EXPECT_EQ(offsetof(struct mlab_counter, emin) / 64, 1);
	EXPECT_EQ(offsetof(struct mlab_counter, local_watermark) / 64, 1);
	EXPECT_GT(offsetof(struct mlab_counter, max) / 64,
		  offsetof(struct mlab_counter, local_watermark) / 64);
	EXPECT_EQ(offsetof(struct mlab_counter, track_failcnt) % 64, 0);
	EXPECT_EQ(offsetof(struct mlab_counter, parent) / 64,
		  offsetof(struct mlab_counter, max) / 64);
}

TEST(counter_init_defaults)
{
	struct mlab_counter *c = counters_alloc(2);

	memset(c, 0xa5, 2 * sizeof(*c));
	mlab_counter_init(&c[0], NULL, false);
	mlab_counter_init(&c[1], &c[0], true);
	EXPECT_EQ(mlab_counter_read(&c[1]), 0);
	EXPECT_EQ(c[1].max, MLAB_COUNTER_MAX);
	EXPECT_EQ(MLAB_COUNTER_MAX, 2251799813685247UL);
	EXPECT_EQ(c[1].high, 0);
	EXPECT_EQ(c[1].min, 0);
	EXPECT_EQ(c[1].low, 0);
	EXPECT_EQ(c[1].watermark, 0);
	EXPECT_EQ(c[1].local_watermark, 0);
	EXPECT_EQ(c[1].failcnt, 0);
	EXPECT_EQ(c[1].emin, 0);
	EXPECT_EQ(c[1].elow, 0);
	EXPECT_EQ(atomic_long_read(&c[1].min_usage), 0);
	EXPECT_EQ(atomic_long_read(&c[1].children_low_usage), 0);
	EXPECT_TRUE(c[1].track_failcnt);
	EXPECT_FALSE(c[0].track_failcnt);
	EXPECT_PTR(c[1].parent, &c[0]);
	EXPECT_PTR(c[0].parent, NULL);
	free(c);
}

TEST(counter_charge_walks_to_root)
{
	struct mlab_counter *c = chain3(true);

	mlab_counter_charge(&c[2], 5);
	mlab_counter_charge(&c[1], 3);
	EXPECT_EQ(mlab_counter_read(&c[2]), 5);
	EXPECT_EQ(mlab_counter_read(&c[1]), 8);
	EXPECT_EQ(mlab_counter_read(&c[0]), 8);
	EXPECT_EQ(c[0].watermark, 8);
	EXPECT_EQ(c[2].watermark, 5);
	EXPECT_EQ(c[1].local_watermark, 8);
	free(c);
}

TEST(counter_charge_ignores_max)
{
	struct mlab_counter *c = chain3(true);

	mlab_counter_set_max(&c[1], 4);
	mlab_counter_charge(&c[2], 10);
	EXPECT_EQ(mlab_counter_read(&c[1]), 10);
	EXPECT_EQ(c[1].failcnt, 0);
	EXPECT_EQ(c[1].watermark, 10);
	free(c);
}

TEST(counter_try_charge_up_to_max_exactly)
{
	struct mlab_counter *c = chain3(true);
	struct mlab_counter *fail = NULL;

	mlab_counter_set_max(&c[2], 10);
	EXPECT_TRUE(mlab_counter_try_charge(&c[2], 10, &fail));
	EXPECT_PTR(fail, NULL);
	EXPECT_EQ(mlab_counter_read(&c[2]), 10);
	EXPECT_FALSE(mlab_counter_try_charge(&c[2], 1, &fail));
	EXPECT_PTR(fail, &c[2]);
	EXPECT_EQ(mlab_counter_read(&c[2]), 10);
	EXPECT_EQ(mlab_counter_read(&c[0]), 10);
	EXPECT_EQ(c[2].failcnt, 1);
	EXPECT_EQ(c[2].watermark, 10);
	free(c);
}

TEST(counter_try_charge_fails_at_ancestor_and_unwinds)
{
	struct mlab_counter *c = counters_alloc(4);
	struct mlab_counter *fail = NULL;

	/* root <- a (max 8) <- b <- leaf */
	mlab_counter_init(&c[0], NULL, true);
	mlab_counter_init(&c[1], &c[0], true);
	mlab_counter_init(&c[2], &c[1], true);
	mlab_counter_init(&c[3], &c[2], true);
	mlab_counter_set_max(&c[1], 8);
	mlab_counter_set_min(&c[3], 100);
	EXPECT_TRUE(mlab_counter_try_charge(&c[3], 6, &fail));
	EXPECT_FALSE(mlab_counter_try_charge(&c[3], 3, &fail));
	EXPECT_PTR(fail, &c[1]);
	/* leaf and b were charged, then cancelled; root never touched */
	EXPECT_EQ(mlab_counter_read(&c[3]), 6);
	EXPECT_EQ(mlab_counter_read(&c[2]), 6);
	EXPECT_EQ(mlab_counter_read(&c[1]), 6);
	EXPECT_EQ(mlab_counter_read(&c[0]), 6);
	EXPECT_EQ(c[1].failcnt, 1);
	EXPECT_EQ(c[2].failcnt, 0);
	EXPECT_EQ(c[3].failcnt, 0);
	EXPECT_EQ(c[0].failcnt, 0);
	/* the speculative 9 at the leaf is visible in its watermark */
	EXPECT_EQ(c[3].watermark, 9);
	EXPECT_EQ(c[2].watermark, 9);
	EXPECT_EQ(c[1].watermark, 6);
	/* protected usage went back with the cancel */
	EXPECT_EQ(atomic_long_read(&c[3].min_usage), 6);
	EXPECT_EQ(atomic_long_read(&c[2].children_min_usage), 6);
	EXPECT_TRUE(mlab_counter_try_charge(&c[3], 2, &fail));
	EXPECT_EQ(mlab_counter_read(&c[1]), 8);
	free(c);
}

TEST(counter_failcnt_only_where_tracked)
{
	struct mlab_counter *c = counters_alloc(3);
	struct mlab_counter *fail;

	/* the leaf tracks, the limiting parent does not: nothing counts */
	mlab_counter_init(&c[0], NULL, false);
	mlab_counter_init(&c[1], &c[0], false);
	mlab_counter_init(&c[2], &c[1], true);
	mlab_counter_set_max(&c[1], 1);
	EXPECT_FALSE(mlab_counter_try_charge(&c[2], 2, &fail));
	EXPECT_PTR(fail, &c[1]);
	EXPECT_EQ(c[1].failcnt, 0);
	EXPECT_EQ(c[2].failcnt, 0);
	mlab_counter_note_failure(&c[2]);
	EXPECT_EQ(c[2].failcnt, 1);
	free(c);
}

TEST(counter_uncharge_and_cancel)
{
	struct mlab_counter *c = chain3(false);

	mlab_counter_charge(&c[2], 7);
	mlab_counter_uncharge(&c[2], 3);
	EXPECT_EQ(mlab_counter_read(&c[2]), 4);
	EXPECT_EQ(mlab_counter_read(&c[0]), 4);
	mlab_counter_cancel(&c[2], 4);
	EXPECT_EQ(mlab_counter_read(&c[2]), 0);
	EXPECT_EQ(mlab_counter_read(&c[1]), 4);
	EXPECT_EQ(c[2].watermark, 7);
	free(c);
}

TEST(counter_underflow_warns_and_clamps)
{
	struct mlab_counter *c = chain3(false);
	unsigned long warns = shim_warn_count();

	shim_warn_quiet(true);
	mlab_counter_charge(&c[2], 2);
	mlab_counter_uncharge(&c[2], 5);
	EXPECT_EQ(mlab_counter_read(&c[2]), 0);
	EXPECT_EQ(mlab_counter_read(&c[1]), 0);
	EXPECT_EQ(mlab_counter_read(&c[0]), 0);
	/* all three levels hit the WARN_ONCE (printed once) */
	EXPECT_EQ(shim_warn_count() - warns, 3);
	mlab_counter_cancel(&c[1], 1);
	EXPECT_EQ(mlab_counter_read(&c[1]), 0);
	EXPECT_EQ(shim_warn_count() - warns, 4);
	shim_warn_quiet(false);
	/* and the counter still works */
	mlab_counter_charge(&c[2], 1);
	EXPECT_EQ(mlab_counter_read(&c[0]), 1);
	free(c);
}

TEST(counter_set_max)
{
	struct mlab_counter *c = chain3(true);

	mlab_counter_charge(&c[2], 10);
	EXPECT_EQ(mlab_counter_set_max(&c[2], 9), -EBUSY);
	EXPECT_EQ(c[2].max, MLAB_COUNTER_MAX);
	EXPECT_EQ(mlab_counter_set_max(&c[2], 10), 0);
	EXPECT_EQ(c[2].max, 10);
	EXPECT_EQ(mlab_counter_set_max(&c[2], 20), 0);
	EXPECT_EQ(c[2].max, 20);
	EXPECT_EQ(mlab_counter_set_max(&c[1], 0), -EBUSY);
	EXPECT_EQ(mlab_counter_set_max(&c[2], MLAB_COUNTER_MAX), 0);
	mlab_counter_uncharge(&c[2], 10);
	EXPECT_EQ(mlab_counter_set_max(&c[1], 0), 0);
	free(c);
}

TEST(counter_xchg_max_is_unconditional)
{
	struct mlab_counter *c = chain3(true);
	struct mlab_counter *fail;

	mlab_counter_charge(&c[2], 10);
	EXPECT_EQ(mlab_counter_xchg_max(&c[2], 3), MLAB_COUNTER_MAX);
	EXPECT_EQ(c[2].max, 3);
	EXPECT_EQ(mlab_counter_read(&c[2]), 10);
	EXPECT_FALSE(mlab_counter_try_charge(&c[2], 1, &fail));
	EXPECT_EQ(mlab_counter_xchg_max(&c[2], 50), 3);
	free(c);
}

TEST(counter_set_high)
{
	struct mlab_counter *c = chain3(true);

	mlab_counter_set_high(&c[1], 77);
	EXPECT_EQ(c[1].high, 77);
	mlab_counter_set_high(&c[1], MLAB_COUNTER_MAX);
	EXPECT_EQ(c[1].high, MLAB_COUNTER_MAX);
	free(c);
}

TEST(counter_min_low_propagation)
{
	struct mlab_counter *c = counters_alloc(4);

	/* root <- p <- {x, y} */
	mlab_counter_init(&c[0], NULL, false);
	mlab_counter_init(&c[1], &c[0], false);
	mlab_counter_init(&c[2], &c[1], false);
	mlab_counter_init(&c[3], &c[1], false);
	mlab_counter_charge(&c[2], 30);
	mlab_counter_charge(&c[3], 5);
	EXPECT_EQ(atomic_long_read(&c[1].children_min_usage), 0);

	mlab_counter_set_min(&c[2], 20);
	mlab_counter_set_min(&c[3], 20);
	mlab_counter_set_low(&c[2], 100);
	EXPECT_EQ(c[2].min, 20);
	EXPECT_EQ(atomic_long_read(&c[2].min_usage), 20);
	EXPECT_EQ(atomic_long_read(&c[3].min_usage), 5);
	EXPECT_EQ(atomic_long_read(&c[1].children_min_usage), 25);
	EXPECT_EQ(atomic_long_read(&c[1].children_low_usage), 30);

	/* usage changes move protected usage */
	mlab_counter_charge(&c[3], 10);		/* x 20 + y 15 */
	EXPECT_EQ(atomic_long_read(&c[1].children_min_usage), 35);
	mlab_counter_uncharge(&c[2], 25);
	EXPECT_EQ(atomic_long_read(&c[2].min_usage), 5);
	EXPECT_EQ(atomic_long_read(&c[1].children_min_usage), 20);
	EXPECT_EQ(atomic_long_read(&c[1].children_low_usage), 5);

	/* p's own protection propagates to the root */
	mlab_counter_set_low(&c[1], 7);
	EXPECT_EQ(atomic_long_read(&c[0].children_low_usage), 7);
	mlab_counter_set_min(&c[1], 100);
	EXPECT_EQ(atomic_long_read(&c[0].children_min_usage), 20);
	/* the root has no parent to propagate into */
	mlab_counter_set_min(&c[0], 100);
	EXPECT_EQ(atomic_long_read(&c[0].min_usage), 0);

	/* lowering the setting gives protection back */
	mlab_counter_set_min(&c[3], 0);
	mlab_counter_set_min(&c[2], 0);
	mlab_counter_set_low(&c[2], 0);
	EXPECT_EQ(atomic_long_read(&c[1].children_min_usage), 0);
	EXPECT_EQ(atomic_long_read(&c[1].children_low_usage), 0);
	free(c);
}

TEST(counter_watermarks)
{
	struct mlab_counter *c = chain3(false);

	mlab_counter_charge(&c[2], 10);
	mlab_counter_uncharge(&c[2], 6);
	EXPECT_EQ(c[2].watermark, 10);
	EXPECT_EQ(c[2].local_watermark, 10);

	mlab_counter_reset_local_watermark(&c[2]);
	EXPECT_EQ(c[2].local_watermark, 4);
	EXPECT_EQ(c[2].watermark, 10);
	mlab_counter_charge(&c[2], 3);	/* 7: local moves, global stays */
	EXPECT_EQ(c[2].local_watermark, 7);
	EXPECT_EQ(c[2].watermark, 10);
	mlab_counter_charge(&c[2], 5);	/* 12: both move */
	EXPECT_EQ(c[2].local_watermark, 12);
	EXPECT_EQ(c[2].watermark, 12);

	mlab_counter_uncharge(&c[2], 12);
	mlab_counter_reset_watermark(&c[2]);
	EXPECT_EQ(c[2].watermark, 0);
	EXPECT_EQ(c[2].local_watermark, 0);
	EXPECT_EQ(c[1].watermark, 12);	/* per counter */
	free(c);
}

TEST(counter_reset_failcnt)
{
	struct mlab_counter *c = chain3(true);
	struct mlab_counter *fail;

	mlab_counter_set_max(&c[2], 0);
	EXPECT_FALSE(mlab_counter_try_charge(&c[2], 1, &fail));
	EXPECT_FALSE(mlab_counter_try_charge(&c[2], 1, &fail));
	EXPECT_EQ(c[2].failcnt, 2);
	mlab_counter_reset_failcnt(&c[2]);
	EXPECT_EQ(c[2].failcnt, 0);
	free(c);
}

struct parse_case {
	const char *in, *max_str;
	int ret;
	unsigned long pages;
};

#define PG(bytes) ((unsigned long)(bytes) / 4096)

static const struct parse_case parse_cases[] = {
	/* the unlimited spellings: exact match only */
	{ "max", "max", 0, MLAB_COUNTER_MAX },
	{ "-1", "-1", 0, MLAB_COUNTER_MAX },
	{ "-1", "max", -EINVAL, 0 },
	{ "max", "-1", -EINVAL, 0 },
	{ "max ", "max", -EINVAL, 0 },
	{ "MAX", "max", -EINVAL, 0 },
	{ " max", "max", -EINVAL, 0 },
	{ "max\n", "max", -EINVAL, 0 },
	{ "-2", "-1", -EINVAL, 0 },
	{ "-0", "-1", -EINVAL, 0 },
	{ "+1", "max", -EINVAL, 0 },
	/* plain numbers round down to pages */
	{ "", "max", 0, 0 },
	{ "0", "max", 0, 0 },
	{ "4095", "max", 0, 0 },
	{ "4096", "max", 0, 1 },
	{ "4097", "max", 0, 1 },
	{ "8191", "max", 0, 1 },
	{ "1", "-1", 0, 0 },
	{ "1048576", "max", 0, 256 },
	/* base prefixes */
	{ "0x10", "max", 0, 0 },
	{ "0x1000", "max", 0, 1 },
	{ "0X2000", "max", 0, 2 },
	{ "0xfFfF000", "max", 0, PG(0xffff000) },
	{ "010", "max", 0, 0 },
	{ "020000", "max", 0, 2 },		/* octal 8192 */
	{ "08", "max", -EINVAL, 0 },		/* 8 is no octal digit */
	{ "0x", "max", -EINVAL, 0 },		/* octal 0, then 'x' */
	{ "0xg", "max", -EINVAL, 0 },
	{ "0x1k", "max", 0, 0 },		/* 1 KiB */
	{ "0x4k", "max", 0, 1 },
	{ "0b1", "max", -EINVAL, 0 },
	/* suffixes, either case, exactly one */
	{ "4k", "max", 0, 1 },
	{ "4K", "max", 0, 1 },
	{ "1m", "max", 0, 256 },
	{ "1M", "max", 0, 256 },
	{ "1g", "max", 0, 262144 },
	{ "1G", "max", 0, 262144 },
	{ "1t", "max", 0, 268435456 },
	{ "1T", "max", 0, 268435456 },
	{ "1p", "max", 0, 274877906944UL },
	{ "1P", "max", 0, 274877906944UL },
	{ "1e", "max", 0, 281474976710656UL },
	{ "7E", "max", 0, 1970324836974592UL },
	{ "8E", "max", 0, MLAB_COUNTER_MAX },	/* 2^63: clamped */
	{ "16E", "max", 0, 0 },			/* 2^64 wraps to 0 */
	{ "10M", "-1", 0, 2560 },
	{ "1KB", "max", -EINVAL, 0 },
	{ "1kk", "max", -EINVAL, 0 },
	{ "1b", "max", -EINVAL, 0 },
	{ "1x", "max", -EINVAL, 0 },
	{ "1Z", "max", -EINVAL, 0 },
	{ "k", "max", 0, 0 },			/* no digits, a suffix: 0 */
	{ "G", "max", 0, 0 },
	{ "xx", "max", -EINVAL, 0 },
	{ "1xx", "max", -EINVAL, 0 },
	/* no sign, no whitespace, no fractions */
	{ "1.0", "max", -EINVAL, 0 },
	{ "1.5G", "max", -EINVAL, 0 },
	{ " 4096", "max", -EINVAL, 0 },
	{ "4096 ", "max", -EINVAL, 0 },
	{ "4096\n", "max", -EINVAL, 0 },
	{ "-4096", "max", -EINVAL, 0 },
	/* wrap-around and clamping */
	{ "99999999999999999999", "max", 0, PG(7766279631452237824UL) },
	{ "18446744073709551615", "max", 0, MLAB_COUNTER_MAX },
	{ "18446744073709551616", "max", 0, 0 },	/* 2^64 wraps to 0 */
	{ "9223372036854771712", "-1", 0, MLAB_COUNTER_MAX },
	{ "9223372036854775807", "-1", 0, MLAB_COUNTER_MAX },
	{ "9223372036854767616", "-1", 0, MLAB_COUNTER_MAX - 1 },
	{ "8796093022208k", "max", 0, 2199023255552UL },	/* 2^53 */
	{ "9007199254740992k", "max", 0, MLAB_COUNTER_MAX },	/* 2^63 */
	{ "18014398509481984k", "max", 0, 0 },		/* 2^64 */
	{ "0xffffffffffffffff", "max", 0, MLAB_COUNTER_MAX },
	{ "0x10000000000000000", "max", 0, 0 },
	{ "17179869184G", "max", 0, 0 },		/* 2^64 */
};

TEST(counter_memparse_table)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *pc = &parse_cases[i];
		unsigned long pages = 12345;
		int ret = mlab_counter_memparse(pc->in, pc->max_str, &pages);

		if (!EXPECT_EQ(ret, pc->ret) ||
		    (!ret && !EXPECT_EQ(pages, pc->pages)))
			harness_note("input \"%s\" (max \"%s\")", pc->in,
				     pc->max_str);
		if (ret)
			EXPECT_EQ(pages, 12345);	/* untouched */
	}
}

TEST(counter_memparse_wrap_bytes)
{
	char *end;

	/* the byte value the kernel computes before rounding to pages */
	EXPECT_EQ(memparse("99999999999999999999", &end),
		  7766279631452241919ULL);
	EXPECT_EQ(*end, '\0');
	EXPECT_EQ(PG(7766279631452241919ULL) * 4096, 7766279631452237824ULL);
	EXPECT_EQ(memparse("3x", NULL), 3);
}

/*
 * Effective protection, worked by hand.  "root" is the reclaim root; its
 * children take their settings as they are; deeper levels share.
 */
static struct mlab_counter *prot_tree(void)
{
	/* 0 root, 1 A (child of root), 2 B, 3 C, 4 D under A */
	struct mlab_counter *c = counters_alloc(5);
	int i;

	mlab_counter_init(&c[0], NULL, false);
	mlab_counter_init(&c[1], &c[0], false);
	for (i = 2; i < 5; i++)
		mlab_counter_init(&c[i], &c[1], false);
	return c;
}

static void prot_walk(struct mlab_counter *c, int n, bool recursive)
{
	int i;

	for (i = 0; i < n; i++)
		mlab_counter_calculate_protection(&c[0], &c[i], recursive);
}

TEST(counter_protection_child_of_root)
{
	struct mlab_counter *c = prot_tree();

	/* settings are taken as they are, even above usage */
	mlab_counter_set_min(&c[1], 100);
	mlab_counter_set_low(&c[1], 200);
	mlab_counter_charge(&c[2], 10);
	mlab_counter_calculate_protection(&c[0], &c[1], false);
	EXPECT_EQ(mlab_counter_emin(&c[1]), 100);
	EXPECT_EQ(mlab_counter_elow(&c[1]), 200);
	/* the root itself is never updated */
	mlab_counter_set_min(&c[0], 5);
	mlab_counter_calculate_protection(&c[0], &c[0], false);
	EXPECT_EQ(mlab_counter_emin(&c[0]), 0);
	free(c);
}

TEST(counter_protection_zero_usage_keeps_stale)
{
	struct mlab_counter *c = prot_tree();

	mlab_counter_set_min(&c[1], 50);
	mlab_counter_charge(&c[1], 10);
	mlab_counter_calculate_protection(&c[0], &c[1], false);
	EXPECT_EQ(mlab_counter_emin(&c[1]), 50);
	mlab_counter_uncharge(&c[1], 10);
	mlab_counter_set_min(&c[1], 0);
	mlab_counter_calculate_protection(&c[0], &c[1], false);
	EXPECT_EQ(mlab_counter_emin(&c[1]), 50);	/* stale */
	free(c);
}

TEST(counter_protection_overcommitted)
{
	struct mlab_counter *c = prot_tree();

	/*
	 * A: min 50, emin 50.  B: min 40, usage 60 -> claims 40.
	 * C: min 40, usage 30 -> claims 30.  D: min 0, usage 10.
	 * Claims 70 > 50: B gets 40 * 50 / 70 = 28, C 30 * 50 / 70 = 21,
	 * D 0 (recursive or not: nothing is left to share).
	 */
	mlab_counter_set_min(&c[1], 50);
	mlab_counter_set_min(&c[2], 40);
	mlab_counter_set_min(&c[3], 40);
	mlab_counter_charge(&c[2], 60);
	mlab_counter_charge(&c[3], 30);
	mlab_counter_charge(&c[4], 10);
	prot_walk(c, 5, false);
	EXPECT_EQ(mlab_counter_emin(&c[1]), 50);
	EXPECT_EQ(mlab_counter_emin(&c[2]), 28);
	EXPECT_EQ(mlab_counter_emin(&c[3]), 21);
	EXPECT_EQ(mlab_counter_emin(&c[4]), 0);
	prot_walk(c, 5, true);
	EXPECT_EQ(mlab_counter_emin(&c[2]), 28);
	EXPECT_EQ(mlab_counter_emin(&c[3]), 21);
	EXPECT_EQ(mlab_counter_emin(&c[4]), 0);
	/* low is computed the same way, from its own settings */
	EXPECT_EQ(mlab_counter_elow(&c[2]), 0);
	free(c);
}

TEST(counter_protection_recursive_shares_unclaimed)
{
	struct mlab_counter *c = prot_tree();

	/*
	 * A: low 100, usage 80 (B 50, C 30, D 0).  B: low 20 -> claims
	 * 20; C: low 0.  Claims 20 <= 100.
	 * Non-recursive: B 20, C 0.
	 * Recursive: unclaimed 100 - 20 = 80, split by unprotected usage
	 * over parent_usage - claims = 80 - 20 = 60:
	 *   B: 20 + 80 * (50 - 20) / 60 = 20 + 40 = 60
	 *   C:  0 + 80 * (30 -  0) / 60 =  0 + 40 = 40
	 *   D: usage 0, stays stale at 0.
	 */
	mlab_counter_set_low(&c[1], 100);
	mlab_counter_set_low(&c[2], 20);
	mlab_counter_charge(&c[2], 50);
	mlab_counter_charge(&c[3], 30);
	prot_walk(c, 5, false);
	EXPECT_EQ(mlab_counter_elow(&c[2]), 20);
	EXPECT_EQ(mlab_counter_elow(&c[3]), 0);
	prot_walk(c, 5, true);
	EXPECT_EQ(mlab_counter_elow(&c[1]), 100);
	EXPECT_EQ(mlab_counter_elow(&c[2]), 60);
	EXPECT_EQ(mlab_counter_elow(&c[3]), 40);
	EXPECT_EQ(mlab_counter_elow(&c[4]), 0);

	/* A grandchild of A inherits from its parent's elow (60) */
	{
		struct mlab_counter *g = counters_alloc(1);

		mlab_counter_init(g, &c[2], false);
		mlab_counter_charge(g, 10);	/* B 60, A 90 */
		prot_walk(c, 5, true);
		/* A: unclaimed 80, B: 80 * 40 / 70 = 45 -> 65 */
		EXPECT_EQ(mlab_counter_elow(&c[2]), 65);
		mlab_counter_calculate_protection(&c[0], g, true);
		/* g: claims 0; 65 * 10 / 60 = 10 (all of its usage) */
		EXPECT_EQ(mlab_counter_elow(g), 10);
		mlab_counter_calculate_protection(&c[0], g, false);
		EXPECT_EQ(mlab_counter_elow(g), 0);
		free(g);
	}
	free(c);
}

TEST(counter_protection_parent_usage_guard)
{
	struct mlab_counter *c = prot_tree();

	/*
	 * Recursive mode divides by parent_usage - siblings_protected;
	 * when claims cover all of the parent's usage nothing is shared.
	 * A: low 100, B: low 50, usage 50 = all of A's usage.
	 */
	mlab_counter_set_low(&c[1], 100);
	mlab_counter_set_low(&c[2], 50);
	mlab_counter_charge(&c[2], 50);
	prot_walk(c, 5, true);
	EXPECT_EQ(mlab_counter_elow(&c[2]), 50);
	free(c);
}

/*
 * The kernel's test_memcg_min/low: A/B min 50M; C min 75M, D 25M, E 0,
 * F 500M; C, D, E use 50M each.  Under pressure in A the leaves are
 * reclaimed in proportion to their unprotected usage (the model in
 * tools/testing/selftests/cgroup/memcg_protection.m); the test expects
 * C ~= 29M, D ~= 21M, E ~= 0 within 10%.
 */
TEST(counter_protection_matches_test_memcontrol)
{
	struct mlab_counter *c = counters_alloc(7);
	const unsigned long cluster = 32;	/* SWAP_CLUSTER_MAX pages */
	int i, t;

	mlab_counter_init(&c[0], NULL, false);		/* root */
	mlab_counter_init(&c[1], &c[0], false);		/* A, reclaim root */
	mlab_counter_init(&c[2], &c[1], false);		/* B */
	for (i = 3; i < 7; i++)
		mlab_counter_init(&c[i], &c[2], false);	/* C D E F */
	mlab_counter_set_min(&c[2], MB_PAGES(50));
	mlab_counter_set_min(&c[3], MB_PAGES(75));
	mlab_counter_set_min(&c[4], MB_PAGES(25));
	mlab_counter_set_min(&c[6], MB_PAGES(500));
	for (i = 3; i < 6; i++)
		mlab_counter_charge(&c[i], MB_PAGES(50));

	for (t = 0; t < 1000; t++) {
		unsigned long r[7] = { 0 };
		bool any = false;

		for (i = 2; i < 7; i++)
			mlab_counter_calculate_protection(&c[1], &c[i], true);
		for (i = 3; i < 7; i++) {
			unsigned long u = mlab_counter_read(&c[i]);
			unsigned long e = mlab_counter_emin(&c[i]);

			if (u <= e)
				continue;
			r[i] = (u - e) / 10;	/* alpha = 0.1 */
			if (r[i] < cluster)
				r[i] = cluster;
			if (r[i] > u)
				r[i] = u;
			any = true;
		}
		if (!any)
			break;
		for (i = 3; i < 7; i++)
			mlab_counter_uncharge(&c[i], r[i]);
	}
	harness_note("converged after %d rounds: C %lu D %lu E %lu pages", t,
		     mlab_counter_read(&c[3]), mlab_counter_read(&c[4]),
		     mlab_counter_read(&c[5]));
	EXPECT_TRUE(values_close(mlab_counter_read(&c[2]), MB_PAGES(50), 10));
	EXPECT_TRUE(values_close(mlab_counter_read(&c[3]), MB_PAGES(29), 10));
	EXPECT_TRUE(values_close(mlab_counter_read(&c[4]), MB_PAGES(21), 10));
	EXPECT_LE(mlab_counter_read(&c[5]), cluster);
	EXPECT_EQ(mlab_counter_read(&c[6]), 0);
	free(c);
}
