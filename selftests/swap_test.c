// SPDX-License-Identifier: GPL-2.0
/*
 * swap_test.c - the simulated swap device (mount option swap=): anon pages
 * swapped out under pressure within memory.swap.max at every level,
 * swappiness (v1 memory.swappiness, v2 memory.reclaim's swappiness=),
 * memory.swap.high throttling events, the v1 memsw rules, and every new
 * file's syntax, errors and read-back checked against the real memcg.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
/* The harness's own macros trip these. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "mlab.h"

#define MB(x) ((long long)(x) << 20)
#define PG 4096LL

/* The whole text of dir/file, or "" (and -errno returned). */
static int text(const char *dir, const char *file, char *buf, size_t size)
{
	char path[MLAB_PATH_MAX];
	ssize_t n = mlab_read(mlab_path(path, dir, file), buf, size - 1);

	buf[n < 0 ? 0 : n] = '\0';
	return n < 0 ? (int)n : 0;
}

static bool exists(const char *dir, const char *file)
{
	char path[MLAB_PATH_MAX];

	return !access(mlab_path(path, dir, file), F_OK);
}

/* --- the lab ------------------------------------------------------------ */

FIXTURE(sw) {
	char dir[MLAB_PATH_MAX];
	char a[MLAB_PATH_MAX];
	char b[MLAB_PATH_MAX];
};

FIXTURE_VARIANT(sw) { const char *opts; bool v1; bool mglru; };
/* oom=off: this process owns every charge (oom_test tests the killer). */
FIXTURE_VARIANT_ADD(sw, v2_lru) { .opts = "swap=64M,reclaim=lru,oom=off" };
FIXTURE_VARIANT_ADD(sw, v2_mglru) {
	.opts = "swap=64M,reclaim=mglru,oom=off", .mglru = true };
FIXTURE_VARIANT_ADD(sw, v1_lru) {
	.opts = "v1,swap=64M,reclaim=lru,oom=off", .v1 = true };

FIXTURE_SETUP(sw)
{
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount_ab(variant->opts, self->dir, self->a, self->b));
}

FIXTURE_TEARDOWN(sw)
{
	mlab_umount(self->dir, true);
}


/* Bytes of swap a group's subtree uses. */
static long long swp(const FIXTURE_VARIANT(sw) *v, const char *g)
{
	if (v->v1)
		return mlab_dir_key(g, "memory.stat", "total_swap");
	return mlab_dir_num(g, "memory.swap.current");
}

/*
 * Anon pages go to swap when the limit is reached and stay their owner's
 * (memsw; an uncharge may give them back, though a read shows only what is
 * in memory); uncharge and close take them out of swap accounting.
 */
TEST_F(sw, owner_keeps_swapped)
{
	int fd = mlab_charge_open(self->b);
	long long s;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_dir_write(self->a, mlab_limit_file(variant->v1), "8M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 8M"));
	EXPECT_EQ(0, swp(variant, self->a));
	ASSERT_EQ(0, mlab_charge(fd, "anon 4M"));
	s = swp(variant, self->a);
	EXPECT_GE(s, MB(4));
	EXPECT_EQ(s, swp(variant, self->b));
	EXPECT_LE(mlab_dir_num(self->a, mlab_usage_file(variant->v1)), MB(8));
	EXPECT_EQ(MB(12), mlab_dir_num(self->a, mlab_usage_file(variant->v1)) + s);
	/* Like reclaimed page cache, swapped anon is not read as held. */
	EXPECT_EQ(MB(12) - s, mlab_charge_held(fd));
	if (variant->v1) {
		EXPECT_EQ(s, mlab_dir_key(self->b, "memory.stat", "swap"));
		EXPECT_EQ(0, mlab_dir_key(self->a, "memory.stat", "swap"));
		EXPECT_EQ(MB(12), mlab_dir_num(self->a, "memory.memsw.usage_in_bytes"));
		EXPECT_EQ(MB(12), mlab_dir_num(self->b, "memory.memsw.usage_in_bytes"));
	} else {
		EXPECT_EQ(mlab_dir_num(self->a, "memory.current"),
			  mlab_dir_key(self->a, "memory.stat", "anon"));
		EXPECT_GE(mlab_dir_key(self->a, "memory.stat", "pgsteal") * PG, s);
		EXPECT_EQ(s, mlab_dir_num(self->b, "memory.swap.peak") < 0 ? s :
			  mlab_dir_num(self->b, "memory.swap.peak"));
	}
	/* An uncharge gives back resident pages first, then swapped ones. */
	ASSERT_EQ(0, mlab_charge(fd, "anon -2M"));
	EXPECT_EQ(s, swp(variant, self->a));
	EXPECT_EQ(MB(10), mlab_dir_num(self->a, mlab_usage_file(variant->v1)) + s);
	ASSERT_EQ(0, mlab_charge(fd, "anon -9M"));
	EXPECT_EQ(MB(1), swp(variant, self->a) + mlab_dir_num(self->a, mlab_usage_file(variant->v1)));
	EXPECT_EQ(0, mlab_charge_held(fd));
	EXPECT_EQ(-EINVAL, mlab_charge(fd, "anon -2M"));
	EXPECT_EQ(MB(1), swp(variant, self->a));
	close(fd);
	EXPECT_EQ(0, swp(variant, self->a));
	EXPECT_EQ(0, mlab_dir_num(self->a, mlab_usage_file(variant->v1)));
	if (variant->v1) {
		EXPECT_EQ(0, mlab_dir_num(self->a, "memory.memsw.usage_in_bytes"));
	}
}

/* Without swap= nothing is swapped and no swap event counts. */
TEST(no_swap_by_default)
{
	char dir[MLAB_PATH_MAX], a[MLAB_PATH_MAX];
	int fd;

	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount("oom=off", dir));
	ASSERT_EQ(0, mlab_mkgroup(dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_dir_write(a, "memory.max", "8M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 8M"));
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "anon 1M"));
	EXPECT_EQ(0, mlab_dir_num(a, "memory.swap.current"));
	EXPECT_EQ(0, mlab_dir_key(a, "memory.swap.events", "fail"));
	EXPECT_EQ(MB(8), mlab_dir_num(a, "memory.current"));
	close(fd);
	mlab_umount(dir, false);
}

/*
 * A charge that needs 4M while swap.max leaves room for 517 pages: exactly
 * those go out (the classic LRU fills the room; MGLRU stops once fewer than
 * 64 slots are left), the charge fails, and swap.current never passes
 * swap.max.  Then the same with the limit on the parent.
 */
TEST_F(sw, swap_max_every_level)
{
	static const char * const room = "2117632";	/* 517 pages */
	const char *limited[] = { self->b, self->a };
	long long s;
	int i, fd;

	if (variant->v1)
		SKIP(return, "v1 has no memory.swap.max");
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.max", "8M"));
	for (i = 0; i < 2; i++) {
		fd = mlab_charge_open(self->b);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, mlab_dir_write(limited[i], "memory.swap.max", room));
		ASSERT_EQ(0, mlab_charge(fd, "anon 8M"));
		EXPECT_EQ(-ENOMEM, mlab_charge(fd, "anon 4M"));
		s = mlab_dir_num(self->b, "memory.swap.current");
		EXPECT_EQ(s, mlab_dir_num(self->a, "memory.swap.current"));
		EXPECT_LE(s, 517 * PG);
		if (variant->mglru) {
			EXPECT_GT(s, (517 - 64) * PG);
		} else {
			EXPECT_EQ(517 * PG, s);
		}
		EXPECT_EQ(MB(8), mlab_dir_num(self->a, "memory.current") + s);
		/*
		 * Pages of a scan batch larger than the room left count max
		 * and fail at the charged group (and, hierarchically, at its
		 * parent), not at the limiting level.
		 */
		TH_LOG("limit on %s: swap.events max %lld", i ? "a" : "b",
		       mlab_dir_key(self->b, "memory.swap.events", "max"));
		EXPECT_EQ(mlab_dir_key(self->b, "memory.swap.events", "max"),
			  mlab_dir_key(self->b, "memory.swap.events", "fail"));
		EXPECT_EQ(mlab_dir_key(self->b, "memory.swap.events", "max"),
			  mlab_dir_key(self->a, "memory.swap.events", "max"));
		close(fd);
		EXPECT_EQ(0, mlab_dir_num(self->a, "memory.swap.current"));
		ASSERT_EQ(0, mlab_dir_write(limited[i], "memory.swap.max", "max"));
	}
}

/* v2 memory.reclaim's swappiness= (6.10 and later); else SKIP. */
static bool reclaim_takes_swappiness(const char *g)
{
	return !mlab_dir_write(g, "memory.reclaim", "0 swappiness=0");
}

/* Reclaim 1M from 1M of page cache and 16M of anon at a swappiness. */
static void reclaim_at(struct __test_metadata *_metadata,
		       const FIXTURE_VARIANT(sw) *v, const char *a,
		       const char *b, int swappiness, long long *file,
		       long long *swapped)
{
	char buf[64];
	int fd = mlab_charge_open(b);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "file 1M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 16M"));
	if (v->v1) {
		snprintf(buf, sizeof(buf), "%d", swappiness);
		ASSERT_EQ(0, mlab_dir_write(b, "memory.swappiness", buf));
		ASSERT_EQ(0, mlab_dir_write(a, "memory.limit_in_bytes", "16M"));
		*file = mlab_dir_key(a, "memory.stat", "total_cache");
		ASSERT_EQ(0, mlab_dir_write(a, "memory.limit_in_bytes", "-1"));
	} else {
		snprintf(buf, sizeof(buf), "1M swappiness=%d", swappiness);
		ASSERT_EQ(0, mlab_dir_write(a, "memory.reclaim", buf));
		*file = mlab_dir_key(a, "memory.stat", "file");
	}
	*swapped = swp(v, a);
	close(fd);
}

/*
 * Swappiness 0 never swaps (get_scan_count(): SCAN_FILE for memcg reclaim;
 * MGLRU: file only).  200 swaps: the classic LRU still trims page cache
 * at every priority where the target's page cache is not shifted away
 * (cache_trim_mode), and at the others gives file 0/200 of the scan;
 * MGLRU takes anon first and leaves the page cache.
 */
TEST_F(sw, swappiness_0_and_200)
{
	long long file, swapped;

	if (!variant->v1 && !reclaim_takes_swappiness(self->a))
		SKIP(return, "memory.reclaim takes swappiness= from 6.10");
	reclaim_at(_metadata, variant, self->a, self->b, 0, &file, &swapped);
	EXPECT_EQ(0, swapped);
	EXPECT_EQ(0, file);
	reclaim_at(_metadata, variant, self->a, self->b, 200, &file, &swapped);
	TH_LOG("swappiness 200: %lld swapped, %lld file left", swapped, file);
	EXPECT_GT(swapped, 0);
	if (variant->mglru) {
		EXPECT_GE(swapped, MB(1));
		EXPECT_EQ(MB(1), file);
	}
}

/* memory.reclaim on anon only: swappiness=0 cannot, the default can. */
TEST_F(sw, reclaim_swappiness_arg)
{
	int fd;

	if (variant->v1)
		SKIP(return, "v1 has no memory.reclaim");
	if (!reclaim_takes_swappiness(self->a))
		SKIP(return, "memory.reclaim takes swappiness= from 6.10");
	fd = mlab_charge_open(self->b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "anon 8M"));
	EXPECT_EQ(-EAGAIN, mlab_dir_write(self->a, "memory.reclaim", "1M swappiness=0"));
	EXPECT_EQ(0, mlab_dir_num(self->a, "memory.swap.current"));
	EXPECT_EQ(0, mlab_dir_write(self->a, "memory.reclaim", "1M"));
	EXPECT_GE(mlab_dir_num(self->a, "memory.swap.current"), MB(1));
	EXPECT_EQ(MB(8), mlab_dir_num(self->a, "memory.current") +
		  mlab_dir_num(self->a, "memory.swap.current"));
	close(fd);
}

/*
 * Over memory.swap.high: the next charge is throttled, and each time the
 * penalty is worked out (MAX_RECLAIM_RETRIES + 1 times when reclaim toward
 * memory.high finds nothing to do) every level over swap.high counts a
 * swap "high" event; levels under it, and memory.events, count nothing.
 */
TEST_F(sw, swap_high_events)
{
	int fd;

	if (variant->v1)
		SKIP(return, "v1 has no memory.swap.high");
	fd = mlab_charge_open(self->b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.max", "8M"));
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.swap.high", "1M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 8M"));
	EXPECT_EQ(0, mlab_dir_key(self->a, "memory.swap.events", "high"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 4M"));
	EXPECT_GT(mlab_dir_num(self->a, "memory.swap.current"), MB(1));
	EXPECT_EQ(17, mlab_dir_key(self->a, "memory.swap.events", "high"));
	EXPECT_EQ(0, mlab_dir_key(self->b, "memory.swap.events", "high"));
	EXPECT_EQ(0, mlab_dir_key(self->a, "memory.events", "high"));
	EXPECT_EQ(0, mlab_dir_key(self->a, "memory.swap.events", "max"));
	close(fd);
}

/* swap= on mount and remount; the device never shrinks below its use. */
TEST(mount_option)
{
	static const char * const bad[] = {
		"swap=", "swap=abc", "swap=1Q", "swap=-1", "swap=1M1",
		"swap= 1M", "swap=1M ",
	};
	char dir[MLAB_PATH_MAX], a[MLAB_PATH_MAX], mounts[8192], opt[64];
	long long used;
	unsigned int i;
	int fd;

	ASSERT_EQ(0, mlab_ensure_module());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, mlab_mount(bad[i], dir)) TH_LOG("%s", bad[i]);
	ASSERT_EQ(0, mlab_mount("swap=0,oom=off", dir));
	mlab_umount(dir, false);
	ASSERT_EQ(0, mlab_mount("swap=16M,reclaim=lru,oom=off", dir));
	ASSERT_EQ(0, text("/proc", "mounts", mounts, sizeof(mounts)));
	EXPECT_NE(NULL, strstr(mounts, ",swap=16777216"));
	ASSERT_EQ(0, mlab_mkgroup(dir, "a", a));
	fd = mlab_charge_open(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_dir_write(a, "memory.max", "8M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 8M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 4M"));
	used = mlab_dir_num(a, "memory.swap.current");
	EXPECT_GE(used, MB(4));
	EXPECT_LE(used, MB(5));
	EXPECT_EQ(-EINVAL, mount(NULL, dir, NULL, MS_REMOUNT, "swap=1M") ?
		  -errno : 0);
	ASSERT_EQ(0, text("/proc", "mounts", mounts, sizeof(mounts)));
	EXPECT_NE(NULL, strstr(mounts, ",swap=16777216"));
	/* A full device: the next swap-out fails; swapon more, it works. */
	snprintf(opt, sizeof(opt), "swap=%lld", used);
	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, opt) ? -errno : 0);
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "anon 1M"));
	EXPECT_EQ(used, mlab_dir_num(a, "memory.swap.current"));
	snprintf(opt, sizeof(opt), "swap=%lld", used + MB(8));
	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, opt) ? -errno : 0);
	EXPECT_EQ(0, mlab_charge(fd, "anon 1M"));
	EXPECT_GE(mlab_dir_num(a, "memory.swap.current"), used + MB(1));
	close(fd);
	mlab_umount(dir, false);
}

/* --- v1 memsw ------------------------------------------------------------ */

/* memory.limit_in_bytes <= memsw.limit_in_bytes, both ways (EINVAL). */
TEST_F(sw, memsw_invariant)
{
	if (!variant->v1)
		SKIP(return, "memsw is v1");
	ASSERT_EQ(0, mlab_dir_write(self->b, "memory.limit_in_bytes", "8M"));
	EXPECT_EQ(-EINVAL, mlab_dir_write(self->b, "memory.memsw.limit_in_bytes", "4M"));
	EXPECT_EQ(MLAB_V1_UNLIMITED,
		  mlab_dir_num(self->b, "memory.memsw.limit_in_bytes"));
	EXPECT_EQ(0, mlab_dir_write(self->b, "memory.memsw.limit_in_bytes", "16M"));
	EXPECT_EQ(-EINVAL, mlab_dir_write(self->b, "memory.limit_in_bytes", "32M"));
	EXPECT_EQ(MB(8), mlab_dir_num(self->b, "memory.limit_in_bytes"));
	EXPECT_EQ(0, mlab_dir_write(self->b, "memory.limit_in_bytes", "16M"));
	EXPECT_EQ(-EINVAL, mlab_dir_write(self->b, "memory.limit_in_bytes", "-1"));
	EXPECT_EQ(0, mlab_dir_write(self->b, "memory.memsw.limit_in_bytes", "-1"));
	EXPECT_EQ(0, mlab_dir_write(self->b, "memory.limit_in_bytes", "-1"));
	EXPECT_EQ(-EINVAL, mlab_dir_write(self->dir, "memory.memsw.limit_in_bytes", "-1"));
	EXPECT_EQ(0, mlab_dir_write(self->a, "memory.limit_in_bytes", "4M"));
	EXPECT_EQ(0, mlab_dir_write(self->a, "memory.memsw.limit_in_bytes", "6M"));
	EXPECT_EQ(MB(4), mlab_dir_key(self->b, "memory.stat",
			       "hierarchical_memory_limit"));
	EXPECT_EQ(MB(6), mlab_dir_key(self->b, "memory.stat",
			       "hierarchical_memsw_limit"));
}

/*
 * memsw is charged with memory and not relieved by swapping: at its limit
 * a charge fails (memsw.failcnt counts, memory.failcnt does not) although
 * swap has room.  max_usage and failcnt reset on any write.
 */
TEST_F(sw, memsw_limit)
{
	int fd;

	if (!variant->v1)
		SKIP(return, "memsw is v1");
	fd = mlab_charge_open(self->b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.limit_in_bytes", "6M"));
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.memsw.limit_in_bytes", "8M"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 6M"));
	EXPECT_EQ(MB(6), mlab_dir_num(self->a, "memory.memsw.usage_in_bytes"));
	ASSERT_EQ(0, mlab_charge(fd, "anon 1M"));
	EXPECT_EQ(MB(7), mlab_dir_num(self->a, "memory.memsw.usage_in_bytes"));
	EXPECT_GE(mlab_dir_key(self->a, "memory.stat", "total_swap"), MB(1));
	EXPECT_EQ(0, mlab_dir_num(self->a, "memory.memsw.failcnt"));
	EXPECT_GT(mlab_dir_num(self->a, "memory.failcnt"), 0);
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.failcnt", "0"));
	EXPECT_EQ(-ENOMEM, mlab_charge(fd, "anon 2M"));
	EXPECT_EQ(MB(7), mlab_dir_num(self->a, "memory.memsw.usage_in_bytes"));
	EXPECT_EQ(18, mlab_dir_num(self->a, "memory.memsw.failcnt"));
	EXPECT_EQ(0, mlab_dir_num(self->a, "memory.failcnt"));
	EXPECT_EQ(0, mlab_dir_num(self->b, "memory.memsw.failcnt"));
	EXPECT_EQ(MB(7), mlab_dir_num(self->a, "memory.memsw.max_usage_in_bytes"));
	ASSERT_EQ(0, mlab_charge(fd, "anon -3M"));
	EXPECT_EQ(0, mlab_dir_write(self->a, "memory.memsw.max_usage_in_bytes", "x"));
	EXPECT_EQ(MB(4), mlab_dir_num(self->a, "memory.memsw.max_usage_in_bytes"));
	EXPECT_EQ(0, mlab_dir_write(self->a, "memory.memsw.failcnt", "junk"));
	EXPECT_EQ(0, mlab_dir_num(self->a, "memory.memsw.failcnt"));
	/* Shrinking memsw below usage: reclaim cannot swap; EBUSY. */
	ASSERT_EQ(0, mlab_dir_write(self->a, "memory.limit_in_bytes", "2M"));
	EXPECT_EQ(MB(4), mlab_dir_num(self->a, "memory.memsw.usage_in_bytes"));
	EXPECT_EQ(-EBUSY, mlab_dir_write(self->a, "memory.memsw.limit_in_bytes", "3M"));
	EXPECT_EQ(MB(8), mlab_dir_num(self->a, "memory.memsw.limit_in_bytes"));
	close(fd);
}

/* memory.swappiness: inherited at mkdir, the root's is the mount's. */
TEST_F(sw, swappiness_file)
{
	char c[MLAB_PATH_MAX];

	if (!variant->v1)
		SKIP(return, "memory.swappiness is v1");
	EXPECT_EQ(60, mlab_dir_num(self->dir, "memory.swappiness"));
	EXPECT_EQ(60, mlab_dir_num(self->b, "memory.swappiness"));
	ASSERT_EQ(0, mlab_dir_write(self->b, "memory.swappiness", "0x10"));
	EXPECT_EQ(16, mlab_dir_num(self->b, "memory.swappiness"));
	ASSERT_EQ(0, mlab_mkgroup(self->b, "c", c));
	EXPECT_EQ(16, mlab_dir_num(c, "memory.swappiness"));
	ASSERT_EQ(0, mlab_dir_write(self->dir, "memory.swappiness", "100\n"));
	EXPECT_EQ(100, mlab_dir_num(self->dir, "memory.swappiness"));
	EXPECT_EQ(60, mlab_dir_num(self->a, "memory.swappiness"));
}

/* --- the real memcg as the oracle -------------------------------------- */

/* Write each input to both files: the same errno, the same read-back. */
static void same_writes(struct __test_metadata *_metadata, const char *real,
			const char *lab, const char *file,
			const char * const *in, unsigned int n)
{
	char rt[256], lt[256];
	unsigned int i;

	for (i = 0; i < n; i++) {
		int er = mlab_dir_write(real, file, in[i]);
		int el = mlab_dir_write(lab, file, in[i]);

		EXPECT_EQ(er, el) TH_LOG("%s \"%s\": kernel %s, lab %s", file,
					 in[i], strerror(-er), strerror(-el));
		text(real, file, rt, sizeof(rt));
		text(lab, file, lt, sizeof(lt));
		EXPECT_STREQ(rt, lt) TH_LOG("%s after \"%s\"", file, in[i]);
	}
}

static const char * const size_inputs[] = {
	"-1", "abc", "1Q", "1.5M", " 1M", "1M ", "max\n", "0x1000", "4097",
	"99999999999999999999", "--1", "1 2", "max1", "MAX", "1k", "max",
	"1M\n", "-", "+1M", "1E",
};

/*
 * v2: the same swap files as the running kernel (memory.swap.peak from
 * 6.5), none at the root, the same fresh read-back, and the same answer to
 * every input.
 */
TEST(v2_files_oracle)
{
	static const char * const files[] = {
		"memory.swap.current", "memory.swap.high", "memory.swap.max",
		"memory.swap.peak", "memory.swap.events",
	};
	static const char * const ro_in[] = { "0", "1M", "max", "x" };
	char dir[MLAB_PATH_MAX], lab[MLAB_PATH_MAX], real[MLAB_PATH_MAX];
	char rt[256], lt[256];
	unsigned int i;
	int err;

	if (mlab_memcg_elsewhere(2))
		SKIP(return, "%s", mlab_memcg_elsewhere(2));
	ASSERT_EQ(0, mlab_ensure_module());
	err = mlab_memcg2_create("memcglab-swap", real);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no cgroup v2 memory controller in this boot");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, mlab_mount("swap=64M,oom=off", dir));
	ASSERT_EQ(0, mlab_mkgroup(dir, "a", lab));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		EXPECT_EQ(exists(real, files[i]), exists(lab, files[i]))
			TH_LOG("%s", files[i]);
		EXPECT_EQ(exists(MLAB_CGROUP2, files[i]), exists(dir, files[i]))
			TH_LOG("root %s", files[i]);
		if (!exists(real, files[i]))
			continue;
		text(real, files[i], rt, sizeof(rt));
		text(lab, files[i], lt, sizeof(lt));
		EXPECT_STREQ(rt, lt) TH_LOG("%s", files[i]);
	}
	same_writes(_metadata, real, lab, "memory.swap.max", size_inputs,
		    sizeof(size_inputs) / sizeof(size_inputs[0]));
	same_writes(_metadata, real, lab, "memory.swap.high", size_inputs,
		    sizeof(size_inputs) / sizeof(size_inputs[0]));
	same_writes(_metadata, real, lab, "memory.swap.current", ro_in, 4);
	same_writes(_metadata, real, lab, "memory.swap.events", ro_in, 4);
	if (exists(real, "memory.swap.peak"))
		same_writes(_metadata, real, lab, "memory.swap.peak", ro_in, 4);
	mlab_umount(dir, false);
	mlab_memcg2_remove(real);
}

/*
 * v1 (6.1): the memsw files and memory.swappiness read and answer like the
 * kernel's, at the root and in a group.
 */
TEST(v1_files_oracle)
{
	static const char * const files[] = {
		"memory.memsw.usage_in_bytes", "memory.memsw.limit_in_bytes",
		"memory.memsw.max_usage_in_bytes", "memory.memsw.failcnt",
		"memory.swappiness",
	};
	static const char * const swappiness_in[] = {
		"-1", "201", "abc", " 5", "5 ", "0x10", "010",
		"99999999999999999999", "200", "\n", "60\n", "1e2", "+5",
		"60",
	};
	static const char * const memsw_in[] = {
		"abc", "-2", "1.0", "1xx", "xx", "4M", "-1", "1M\n",
	};
	static const char * const reset_in[] = { "0", "junk", "1" };
	char rdir[MLAB_PATH_MAX], ldir[MLAB_PATH_MAX], why[256];
	char real[MLAB_PATH_MAX], lab[MLAB_PATH_MAX];
	char rt[256], lt[256];
	unsigned int i;
	int err;

	if (getuid() != 0)
		SKIP(return, "needs root");
	if (mlab_memcg_elsewhere(1))
		SKIP(return, "%s", mlab_memcg_elsewhere(1));
	err = mlab_memcg1_mount(rdir, why, sizeof(why));
	if (err == -EOPNOTSUPP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount("v1,swap=64M,oom=off", ldir));
	ASSERT_EQ(0, mlab_mkgroup(rdir, "memcglab-swap", real));
	ASSERT_EQ(0, mlab_mkgroup(ldir, "g", lab));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		EXPECT_EQ(exists(real, files[i]), exists(lab, files[i]))
			TH_LOG("%s", files[i]);
		EXPECT_EQ(exists(rdir, files[i]), exists(ldir, files[i]))
			TH_LOG("root %s", files[i]);
		text(real, files[i], rt, sizeof(rt));
		text(lab, files[i], lt, sizeof(lt));
		EXPECT_STREQ(rt, lt) TH_LOG("%s", files[i]);
	}
	same_writes(_metadata, real, lab, "memory.swappiness", swappiness_in,
		    sizeof(swappiness_in) / sizeof(swappiness_in[0]));
	same_writes(_metadata, real, lab, "memory.memsw.limit_in_bytes",
		    memsw_in, sizeof(memsw_in) / sizeof(memsw_in[0]));
	same_writes(_metadata, real, lab, "memory.memsw.failcnt", reset_in, 3);
	same_writes(_metadata, real, lab, "memory.memsw.max_usage_in_bytes",
		    reset_in, 3);
	same_writes(_metadata, real, lab, "memory.memsw.usage_in_bytes",
		    reset_in, 3);
	/* The root: no memsw limit; its swappiness is the global one. */
	EXPECT_EQ(mlab_dir_write(rdir, "memory.memsw.limit_in_bytes", "-1"),
		  mlab_dir_write(ldir, "memory.memsw.limit_in_bytes", "-1"));
	EXPECT_EQ(mlab_dir_write(rdir, "memory.swappiness", "201"),
		  mlab_dir_write(ldir, "memory.swappiness", "201"));
	/* A limit below memory.limit_in_bytes, and the other way round. */
	EXPECT_EQ(0, mlab_dir_write(real, "memory.limit_in_bytes", "8M"));
	EXPECT_EQ(0, mlab_dir_write(lab, "memory.limit_in_bytes", "8M"));
	EXPECT_EQ(mlab_dir_write(real, "memory.memsw.limit_in_bytes", "4M"),
		  mlab_dir_write(lab, "memory.memsw.limit_in_bytes", "4M"));
	EXPECT_EQ(mlab_dir_write(real, "memory.memsw.limit_in_bytes", "16M"),
		  mlab_dir_write(lab, "memory.memsw.limit_in_bytes", "16M"));
	EXPECT_EQ(mlab_dir_write(real, "memory.limit_in_bytes", "32M"),
		  mlab_dir_write(lab, "memory.limit_in_bytes", "32M"));
	EXPECT_EQ(mlab_dir_num(real, "memory.limit_in_bytes"),
		  mlab_dir_num(lab, "memory.limit_in_bytes"));
	EXPECT_EQ(mlab_dir_key(real, "memory.stat", "hierarchical_memsw_limit"),
		  mlab_dir_key(lab, "memory.stat", "hierarchical_memsw_limit"));
	EXPECT_EQ(mlab_dir_key(real, "memory.stat", "swap"),
		  mlab_dir_key(lab, "memory.stat", "swap"));
	rmdir(real);
	mlab_memcg1_umount(rdir);
	mlab_umount(ldir, false);
}

/* --- side by side with a real swap device ------------------------------ */

/*
 * A child in the real group touches anon memory a megabyte at a time and
 * reports each one on a pipe; the parent reads swap.current after each.
 * Returns the megabytes the child got before the OOM killer ended it (or
 * all of them), the largest swap.current seen in *peak.
 */
static int real_touch(const char *cg, int mb, long long *peak)
{
	int p[2], got = 0, status;
	char buf[32], c;
	pid_t pid;

	*peak = 0;
	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		char *m;
		int i;

		close(p[0]);
		snprintf(buf, sizeof(buf), "%d", getpid());
		if (mlab_dir_write(cg, "cgroup.procs", buf))
			_exit(1);
		m = mmap(NULL, MB(mb), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		for (i = 0; i < mb; i++) {
			memset(m + MB(i), 0x5a, MB(1));
			if (write(p[1], "x", 1) != 1)
				_exit(1);
		}
		pause();
		_exit(0);
	}
	close(p[1]);
	while (got < mb && read(p[0], &c, 1) == 1) {
		long long s = mlab_dir_num(cg, "memory.swap.current");

		if (s > *peak)
			*peak = s;
		got++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	return got;
}

/* The lab: 8M, then a megabyte at a time; the same report. */
static int lab_touch(const char *g, int mb, long long *peak)
{
	int fd = mlab_charge_open(g), got;

	*peak = 0;
	if (fd < 0)
		return fd;
	for (got = 0; got < mb; got++) {
		long long s;

		if (mlab_charge(fd, "anon 1M"))
			break;
		s = mlab_dir_num(g, "memory.swap.current");
		if (s > *peak)
			*peak = s;
	}
	close(fd);
	return got;
}

/*
 * With a swap file on the rig's scratch disk, the real memcg and the lab
 * side by side: 12M of anon under memory.max 8M swaps at least the 4M of
 * excess out in both; with memory.swap.max 2M neither passes 2M of swap
 * and both stop short of 12M (the real child OOM-killed, the lab charge
 * refused).  The kernel stops earlier and swaps more: its swap slots also
 * hold pages still in the swap cache (resident and swapped at once), which
 * the lab does not model, so a lab slot always frees a page and the kernel's
 * do not (docs/reclaim.md has the measured numbers).
 */
TEST(real_swap_side_by_side)
{
	const char *scratch = getenv("MEMCGLAB_SCRATCH");
	char dir[MLAB_PATH_MAX], lab[MLAB_PATH_MAX], real[MLAB_PATH_MAX];
	long long rpeak, lpeak;
	int rgot, lgot, err;

	if (mlab_memcg_elsewhere(2))
		SKIP(return, "%s", mlab_memcg_elsewhere(2));
	if (!scratch)
		SKIP(return, "MEMCGLAB_SCRATCH unset: no scratch disk for a swap file");
	if (system("scratch-swap on 64M"))
		SKIP(return, "scratch-swap on 64M failed: no swap file");
	ASSERT_EQ(0, mlab_ensure_module());
	err = mlab_memcg2_create("memcglab-swapcmp", real);
	if (err == -EOPNOTSUPP) {
		system("scratch-swap off");
		SKIP(return, "no cgroup v2 memory controller in this boot");
	}
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, mlab_mount("swap=64M,oom=off", dir));
	ASSERT_EQ(0, mlab_mkgroup(dir, "a", lab));
	ASSERT_EQ(0, mlab_dir_write(real, "memory.max", "8M"));
	ASSERT_EQ(0, mlab_dir_write(lab, "memory.max", "8M"));

	rgot = real_touch(real, 12, &rpeak);
	lgot = lab_touch(lab, 12, &lpeak);
	TH_LOG("12M under max 8M: kernel %d M, swap peak %lld K; lab %d M, %lld K",
	       rgot, rpeak >> 10, lgot, lpeak >> 10);
	EXPECT_EQ(12, rgot);
	EXPECT_EQ(12, lgot);
	EXPECT_GE(rpeak, MB(3));
	EXPECT_GE(lpeak, MB(4));

	ASSERT_EQ(0, mlab_dir_write(real, "memory.swap.max", "2M"));
	ASSERT_EQ(0, mlab_dir_write(lab, "memory.swap.max", "2M"));
	rgot = real_touch(real, 12, &rpeak);
	lgot = lab_touch(lab, 12, &lpeak);
	TH_LOG("swap.max 2M: kernel %d M, swap peak %lld K, swap.events max %lld; lab %d M, %lld K, max %lld",
	       rgot, rpeak >> 10, mlab_dir_key(real, "memory.swap.events", "max"),
	       lgot, lpeak >> 10, mlab_dir_key(lab, "memory.swap.events", "max"));
	EXPECT_LE(rpeak, MB(2));
	EXPECT_LE(lpeak, MB(2));
	EXPECT_LT(rgot, 12);
	EXPECT_LT(lgot, 12);
	/* The child's page tables and stack count against memory.max too. */
	EXPECT_GE(rgot, 6);
	EXPECT_GE(lgot, 8);
	EXPECT_LE(rgot, lgot);
	mlab_umount(dir, false);
	mlab_memcg2_remove(real);
	EXPECT_EQ(0, system("scratch-swap off"));
}

TEST_HARNESS_MAIN
