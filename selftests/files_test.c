// SPDX-License-Identifier: GPL-2.0
/*
 * files_test.c - every writable file of a lab group against the real memcg
 * of the same kernel: the same input is written to a real cgroup's file
 * first and to the lab's second; errno and read-back must agree.  Also the
 * file sets and modes of the root and a child, and fresh read-backs.  v2
 * uses /sys/fs/cgroup; v1 mounts the v1 memory controller (6.1 only).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* The harness's own macros trip these. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "mlab.h"

/* Size inputs: the kernel's memparse quirks, spellings of max, junk. */
static const char * const size_inputs[] = {
	"0", "1", "4095", "4096", "4097", "8191", "1k", "1K", "4k", "1m",
	"1M", "100M", "1g", "1G", "1t", "1T", "1p", "1P", "1e", "1E", "8E",
	"16E", "0x1000", "0X1000", "010", "017777", "08", "1.0", "1xx", "xx",
	"k", "-1", "-0", "+4096", " 4096", "4096 ", "\t4096\n", "4096\n",
	"4096\n\n", "max", "MAX", "max\n", " max", "maxx", "-1\n",
	"99999999999999999999", "18446744073709551615",
	"9223372036854775807", "9223372036854771712", "9223372036854771713",
	"1 2", "\n", "", "4096",
};

/* Inputs of the 0/1 files (cgroup write_u64: kstrtoull base 0). */
static const char * const u64_inputs[] = {
	"0", "1", "2", "-1", " 1", "1\n", "1\n\n", "0x1", "01", "1k", "abc",
	"", "\n", "18446744073709551616", "1",
};

/* Anything: max_usage_in_bytes and failcnt accept every write. */
static const char * const any_inputs[] = { "0", "1", "junk", "", "\n", "-1" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct oracle_file {
	const char *name;
	const char * const *inputs;
	unsigned int nr;
	bool compare_read;	/* the read-back is comparable */
};

static int write_input(const char *dir, const char *file, const char *in)
{
	char path[MLAB_PATH_MAX];

	return mlab_write_len(mlab_path(path, dir, file), in, strlen(in));
}

static void read_back(const char *dir, const char *file, char *buf,
		      size_t size)
{
	char path[MLAB_PATH_MAX];
	int n = mlab_read(mlab_path(path, dir, file), buf, size);

	if (n < 0)
		snprintf(buf, size, "<read: %s>", strerror(-n));
}

/* Write every input to real, then lab; compare. Returns the mismatches. */
static int compare_writes(struct __test_metadata *_metadata,
			  const char *real, const char *lab,
			  const struct oracle_file *files, unsigned int nr)
{
	char rbuf[4096], lbuf[4096];
	unsigned int f, i;
	int bad = 0;

	for (f = 0; f < nr; f++) {
		const struct oracle_file *of = &files[f];

		for (i = 0; i < of->nr; i++) {
			const char *in = of->inputs[i];
			int er = write_input(real, of->name, in);
			int el = write_input(lab, of->name, in);

			EXPECT_EQ(er, el) {
				TH_LOG("%s: write \"%s\": kernel %s, lab %s",
				       of->name, in, strerror(-er),
				       strerror(-el));
				bad++;
			}
			if (!of->compare_read)
				continue;
			read_back(real, of->name, rbuf, sizeof(rbuf));
			read_back(lab, of->name, lbuf, sizeof(lbuf));
			EXPECT_STREQ(rbuf, lbuf) {
				TH_LOG("%s: after write \"%s\"", of->name, in);
				bad++;
			}
		}
	}
	return bad;
}

/* Same file set and modes for names the lab knows. */
static void compare_files(struct __test_metadata *_metadata,
			  const char *real, const char *lab,
			  const char * const *names, unsigned int nr)
{
	char rp[MLAB_PATH_MAX], lp[MLAB_PATH_MAX];
	struct stat rs, ls;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		int er = stat(mlab_path(rp, real, names[i]), &rs) ? -errno : 0;
		int el = stat(mlab_path(lp, lab, names[i]), &ls) ? -errno : 0;

		EXPECT_EQ(er, el) TH_LOG("%s exists: kernel %d, lab %d",
					 lp, er, el);
		if (!er && !el)
			EXPECT_EQ(rs.st_mode & 07777, ls.st_mode & 07777)
				TH_LOG("%s mode: kernel %o, lab %o", names[i],
				       rs.st_mode & 07777, ls.st_mode & 07777);
	}
}

static void compare_reads(struct __test_metadata *_metadata,
			  const char *real, const char *lab,
			  const char * const *names, unsigned int nr)
{
	char rbuf[4096], lbuf[4096];
	unsigned int i;

	for (i = 0; i < nr; i++) {
		read_back(real, names[i], rbuf, sizeof(rbuf));
		read_back(lab, names[i], lbuf, sizeof(lbuf));
		EXPECT_STREQ(rbuf, lbuf) TH_LOG("%s", names[i]);
	}
}

/* --- cgroup v2 ----------------------------------------------------------- */

static const char * const v2_names[] = {
	"memory.current", "memory.min", "memory.low", "memory.high",
	"memory.max", "memory.peak", "memory.events", "memory.events.local",
	"memory.stat", "cgroup.max.depth", "cgroup.max.descendants",
	"memory.swap.current", "memory.swap.high", "memory.swap.max",
	"memory.swap.peak", "memory.swap.events",
};

static const char * const v2_fresh[] = {
	"memory.current", "memory.min", "memory.low", "memory.high",
	"memory.max", "memory.peak", "memory.events", "memory.events.local",
	"cgroup.max.depth", "cgroup.max.descendants", "memory.swap.current",
	"memory.swap.high", "memory.swap.max", "memory.swap.events",
};

/* cgroup.max.*: "max" or an int (kstrtoint base 0), negative is ERANGE. */
static const char * const int_inputs[] = {
	"0", "1", "7", "max", "MAX", "max\n", " max ", "maxx", "-1", "-0",
	"0x10", "010", "08", " 5", "5\n", "5 ", "+5", "1k", "abc", "", "\n",
	"2147483647", "2147483648", "4294967296", "99999999999999999999",
	"max",
};

FIXTURE(v2) {
	char real[MLAB_PATH_MAX];
	char dir[MLAB_PATH_MAX];
	char lab[MLAB_PATH_MAX];
};

FIXTURE_VARIANT(v2) { const char *opts; };
FIXTURE_VARIANT_ADD(v2, strict) { .opts = "policy=strict" };
FIXTURE_VARIANT_ADD(v2, batched) { .opts = "policy=batched" };
FIXTURE_VARIANT_ADD(v2, locked) { .opts = "policy=locked" };

FIXTURE_SETUP(v2)
{
	int err;

	ASSERT_EQ(0, mlab_ensure_module());
	if (mlab_memcg_elsewhere(2))
		SKIP(return, "%s", mlab_memcg_elsewhere(2));
	err = mlab_memcg2_create("mlab_oracle", self->real);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, err) TH_LOG("real cgroup: %s", strerror(-err));
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "g", self->lab));
}

FIXTURE_TEARDOWN(v2)
{
	mlab_memcg2_remove(self->real);
	mlab_umount(self->dir, true);
}

TEST_F(v2, files_and_modes)
{
	compare_files(_metadata, self->real, self->lab, v2_names,
		      N(v2_names));
	compare_files(_metadata, MLAB_CGROUP2, self->dir, v2_names,
		      N(v2_names));
}

TEST_F(v2, fresh_reads)
{
	compare_reads(_metadata, self->real, self->lab, v2_fresh,
		      N(v2_fresh));
}

TEST_F(v2, writes)
{
	static const char * const peak_inputs[] = { "0", "x", "", "\n" };
	static const char * const ro_inputs[] = { "0" };
	const struct oracle_file files[] = {
		{ "memory.max", size_inputs, N(size_inputs), true },
		{ "memory.high", size_inputs, N(size_inputs), true },
		{ "memory.low", size_inputs, N(size_inputs), true },
		{ "memory.min", size_inputs, N(size_inputs), true },
		{ "memory.peak", peak_inputs, N(peak_inputs), true },
		{ "memory.current", ro_inputs, 1, false },
		{ "memory.events", ro_inputs, 1, false },
		{ "memory.events.local", ro_inputs, 1, false },
		{ "memory.stat", ro_inputs, 1, false },
		{ "cgroup.max.depth", int_inputs, N(int_inputs), true },
		{ "cgroup.max.descendants", int_inputs, N(int_inputs), true },
	};

	EXPECT_EQ(0, compare_writes(_metadata, self->real, self->lab, files,
				    N(files)));
}

/* --- cgroup v1 ----------------------------------------------------------- */

static const char * const v1_names[] = {
	"memory.usage_in_bytes", "memory.max_usage_in_bytes",
	"memory.limit_in_bytes", "memory.soft_limit_in_bytes",
	"memory.failcnt", "memory.stat", "memory.use_hierarchy",
	"memory.oom_control", "cgroup.max.depth", "cgroup.max.descendants",
	"memory.swappiness", "memory.memsw.usage_in_bytes",
	"memory.memsw.limit_in_bytes", "memory.memsw.max_usage_in_bytes",
	"memory.memsw.failcnt",
};

static const char * const v1_fresh[] = {
	"memory.usage_in_bytes", "memory.max_usage_in_bytes",
	"memory.limit_in_bytes", "memory.soft_limit_in_bytes",
	"memory.failcnt", "memory.use_hierarchy", "memory.oom_control",
	"memory.swappiness", "memory.memsw.usage_in_bytes",
	"memory.memsw.limit_in_bytes", "memory.memsw.max_usage_in_bytes",
	"memory.memsw.failcnt",
};

FIXTURE(v1) {
	char mnt[MLAB_PATH_MAX];
	char real[MLAB_PATH_MAX];
	char dir[MLAB_PATH_MAX];
	char lab[MLAB_PATH_MAX];
	bool mounted;
};

FIXTURE_VARIANT(v1) { const char *opts; };
FIXTURE_VARIANT_ADD(v1, strict) { .opts = "v1,policy=strict" };
FIXTURE_VARIANT_ADD(v1, batched) { .opts = "v1,policy=batched" };
FIXTURE_VARIANT_ADD(v1, locked) { .opts = "v1,policy=locked" };

FIXTURE_SETUP(v1)
{
	char why[256];
	int err;

	ASSERT_EQ(0, mlab_ensure_module());
	err = mlab_memcg1_mount(self->mnt, why, sizeof(why));
	if (err == -EOPNOTSUPP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, err) TH_LOG("%s", why);
	self->mounted = true;
	ASSERT_EQ(0, mlab_mkgroup(self->mnt, "mlab_oracle", self->real));
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "g", self->lab));
}

FIXTURE_TEARDOWN(v1)
{
	if (self->mounted) {
		rmdir(self->real);
		mlab_memcg1_umount(self->mnt);
	}
	mlab_umount(self->dir, true);
}

TEST_F(v1, files_and_modes)
{
	compare_files(_metadata, self->real, self->lab, v1_names,
		      N(v1_names));
	compare_files(_metadata, self->mnt, self->dir, v1_names,
		      N(v1_names));
}

TEST_F(v1, fresh_reads)
{
	compare_reads(_metadata, self->real, self->lab, v1_fresh,
		      N(v1_fresh));
}

TEST_F(v1, writes)
{
	const struct oracle_file files[] = {
		{ "memory.limit_in_bytes", size_inputs, N(size_inputs), true },
		{ "memory.soft_limit_in_bytes", size_inputs, N(size_inputs),
		  true },
		{ "memory.max_usage_in_bytes", any_inputs, N(any_inputs),
		  true },
		{ "memory.failcnt", any_inputs, N(any_inputs), true },
		{ "memory.use_hierarchy", u64_inputs, N(u64_inputs), true },
		{ "memory.oom_control", u64_inputs, N(u64_inputs), true },
	};

	EXPECT_EQ(0, compare_writes(_metadata, self->real, self->lab, files,
				    N(files)));
}

TEST_F(v1, root_writes)
{
	const struct oracle_file files[] = {
		{ "memory.limit_in_bytes", size_inputs, N(size_inputs), true },
		{ "memory.oom_control", u64_inputs, N(u64_inputs), true },
		{ "memory.use_hierarchy", u64_inputs, N(u64_inputs), true },
		{ "memory.soft_limit_in_bytes", size_inputs, N(size_inputs),
		  true },
		{ "memory.max_usage_in_bytes", any_inputs, N(any_inputs),
		  false },
		{ "memory.failcnt", any_inputs, N(any_inputs), false },
	};

	EXPECT_EQ(0, compare_writes(_metadata, self->mnt, self->dir, files,
				    N(files)));
}

TEST_HARNESS_MAIN
