// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_test.c - malformed input to every writable memcglab file, and
 * (when the family exists) malformed netlink requests.
 *
 * Each input is written with one write(2), bytes exactly as given
 * (embedded NULs included).  What the kernel's memcg would make of it is
 * computed by models of its parsers (selftests/fuzz/memparse_model.h for
 * limits, kstrtoull for v1 flags, the charge syntax of ARCHITECTURE.md):
 * a rejected input must fail with the kernel's errno and leave every file
 * of the group and of the root reading exactly as before; an accepted one
 * must read back what the kernel would show, and is then undone.  Also:
 * oversize buffers (E2BIG), bad user pointers (EFAULT), writes at an
 * offset, split writes, writev, reads at odd offsets and sizes.  Splats
 * are the rig's business: it fails the run on any in dmesg.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "reliability.h"
#include "fuzz/memparse_model.h"

#include <ctype.h>
#include <sys/syscall.h>
#include <sys/uio.h>

struct input {
	const char *data;
	size_t len;
};

#define IN(s) { s, sizeof(s) - 1 }

static const struct input corpus[] = {
	IN(""), IN("\n"), IN(" "), IN("\t\n"), IN("0"), IN("1"), IN("4095"),
	IN("4096"), IN("4097"), IN("-1"), IN("-0"), IN("-4096"), IN("+1"),
	IN("max"), IN("max\n"), IN(" max "), IN("maxx"), IN("MAX"), IN("ma"),
	IN("10M"), IN("10m\n"), IN("1G"), IN("1T"), IN("1P"), IN("1E"),
	IN("16E"), IN("17E"), IN("1K1"), IN("1KK"), IN("1.0"), IN("1.5M"),
	IN("1xx"), IN("xx"), IN("1 2"), IN("1\t2"), IN("0x"), IN("0x10"),
	IN("0X1fK"), IN("0xg"), IN("010"), IN("08"), IN("0b101"),
	IN("99999999999999999999"), IN("18446744073709551615"),
	IN("18446744073709551616"), IN("9223372036854775807"),
	IN("9223372036854771712"), IN("0xffffffffffffffff"),
	IN("-9223372036854775808"), IN("1e3"), IN("1\0"), IN("\0"),
	IN("\0" "1"), IN("1\0junk"), IN("abc\0" "1"), IN("10M\n\n"),
	IN("\n10M"), IN("1M\r"), IN("\x01"), IN("\xff\xfe"), IN("%s%n"),
	IN("--1"), IN("- 1"), IN("-max"), IN("-"), IN("reset"),
};

/* Long inputs made at run time: name, byte, length, suffix. */
struct long_input {
	char fill;
	size_t len;
	const char *tail;
};

static const struct long_input long_corpus[] = {
	{ '9', 4096, "" },	/* a page of digits: valid, wraps */
	{ '0', 4095, "K" },
	{ ' ', 4096, "" },	/* strips to "" */
	{ '1', 4097, "" },	/* one byte too many: E2BIG */
	{ 'a', 65536, "" },
	{ '0', 1 << 20, "" },
};

/* kstrtoull(s, 0): what cgroup's write_u64 files accept. */
static int model_kstrtoull(const char *s, unsigned long long *res)
{
	unsigned int radix = 10, d;
	unsigned long long v = 0;
	bool overflow = false;
	size_t n = 0;

	if (*s == '+')
		s++;
	if (s[0] == '0') {
		radix = 8;
		if ((s[1] == 'x' || s[1] == 'X') &&
		    model_digit((unsigned char)s[2]) < 16) {
			radix = 16;
			s += 2;
		}
	}
	while ((d = model_digit((unsigned char)s[n])) < radix) {
		if (__builtin_mul_overflow(v, radix, &v) ||
		    __builtin_add_overflow(v, d, &v))
			overflow = true;
		n++;
	}
	if (overflow)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

/* The kernel's strstrip(): leading and trailing ASCII whitespace. */
static char *model_strip(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

FIXTURE(hostile) {
	char dir[MLAB_PATH_MAX];
	char group[PATH_MAX];
	char before[16384], root_before[16384];
};

FIXTURE_VARIANT(hostile) {
	const char *opts;
	bool v1;
};

FIXTURE_VARIANT_ADD(hostile, v2) { .opts = NULL, .v1 = false };
FIXTURE_VARIANT_ADD(hostile, v1) { .opts = "v1", .v1 = true };
FIXTURE_VARIANT_ADD(hostile, v2_batched) { .opts = "policy=batched", .v1 = false };

/*
 * Does the running kernel's memparse() saturate on overflow?  Ask its own
 * memcg: a v2 group's memory.max after "16E" (2^64 bytes) reads "max"
 * where it saturates, "0" where it wraps.  No v2 memory controller: the
 * 6.1 behaviour.
 */
static int kernel_memparse_saturates(void)
{
#define PROBE_DIR "/sys/fs/cgroup/mlab-hostile-probe"
	const char *dir = PROBE_DIR;
	char got[64] = "";

	mlab_write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(dir, 0755) && errno != EEXIST)
		return 0;
	if (!mlab_write(PROBE_DIR "/memory.max", "16E"))
		mlab_read(PROBE_DIR "/memory.max", got, sizeof(got));
	rmdir(dir);
	return !strcmp(got, "max\n") || !strcmp(got, "max");
}

FIXTURE_SETUP(hostile)
{
	if (getuid() != 0)
		SKIP(return, "needs root");
	model_saturates = kernel_memparse_saturates();
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(variant->opts, self->dir));
	ASSERT_LT(0, snprintf(self->group, sizeof(self->group), "%s/a", self->dir));
	ASSERT_EQ(0, mkdir(self->group, 0755));
}

FIXTURE_TEARDOWN(hostile)
{
	rmdir(self->group);
	/* Something still open (a failed test's descriptor): detach anyway. */
	if (mlab_umount(self->dir, false))
		mlab_umount(self->dir, true);
}

/*
 * Snapshot the group and the root; @skip names files that may legitimately
 * move (a refused charge counts a failure in events and stats).
 */
static int take_snapshots(FIXTURE_DATA(hostile) *self, const char *skip)
{
	int err = rel_snapshot(self->group, self->before, sizeof(self->before),
			       skip);

	return err ? err : rel_snapshot(self->dir, self->root_before,
					sizeof(self->root_before), skip);
}

/* 0 when group and root read as at the last take_snapshots(@skip). */
static int unchanged(FIXTURE_DATA(hostile) *self, const char *skip)
{
	char now[16384];
	int err;

	err = rel_snapshot(self->group, now, sizeof(now), skip);
	if (err)
		return err;
	if (strcmp(now, self->before)) {
		fprintf(stderr, "# group state changed:\n# before: %s\n# after: %s\n",
			self->before, now);
		return 1;
	}
	err = rel_snapshot(self->dir, now, sizeof(now), skip);
	if (err)
		return err;
	if (strcmp(now, self->root_before)) {
		fprintf(stderr, "# root state changed:\n# before: %s\n# after: %s\n",
			self->root_before, now);
		return 1;
	}
	return 0;
}

/* One write(2) of the input on a fresh descriptor: 0 or -errno. */
static int write_input(const char *path, const char *data, size_t len)
{
	return mlab_write_len(path, data, len);
}

/* Render an input for messages: C escapes, truncated. */
static const char *show(const char *data, size_t len)
{
	static char out[96];
	size_t i, o = 0;

	for (i = 0; i < len && o < sizeof(out) - 8; i++) {
		unsigned char c = data[i];

		if (isprint(c) && c != '\\')
			out[o++] = c;
		else
			o += snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
	}
	if (i < len)
		o += snprintf(out + o, sizeof(out) - o, "...(%zu)", len);
	out[o] = '\0';
	return out;
}

/* What a limit file should make of an input: -errno, or 0 and the pages. */
static int expect_limit(const char *data, size_t len, bool v1,
			unsigned long *pages)
{
	char buf[4097], *s;
	struct model_result m;

	if (!len)
		return 1;	/* empty write: nothing happens at all */
	if (len > 4096)
		return -E2BIG;
	memcpy(buf, data, len);
	buf[len] = '\0';	/* the kernel sees a C string: stops at a NUL */
	s = model_strip(buf);
	m = model_memparse(s, v1 ? "-1" : "max");
	if (m.err)
		return m.err;
	*pages = m.pages;
	return 0;
}

static void limit_readback(unsigned long pages, bool v1, char *out, size_t size)
{
	if (!v1 && pages == MODEL_MAX)
		snprintf(out, size, "max\n");
	else
		snprintf(out, size, "%llu\n", (unsigned long long)pages * REL_PAGE);
}

static void try_limit_file(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hostile) *self, bool v1,
			   const char *file, const char *data, size_t len)
{
	char path[PATH_MAX], want[64], got[64];
	unsigned long pages = 0;
	int expect, err;

	ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group, file));
	ASSERT_EQ(0, take_snapshots(self, NULL));
	expect = expect_limit(data, len, v1, &pages);
	err = write_input(path, data, len);
	if (expect == 1) {
		EXPECT_EQ(0, err) TH_LOG("%s <- \"%s\"", file, show(data, len));
		EXPECT_EQ(0, unchanged(self, NULL));
		return;
	}
	if (expect < 0) {
		EXPECT_EQ(expect, err) TH_LOG("%s <- \"%s\"", file, show(data, len));
		EXPECT_EQ(0, unchanged(self, NULL))
			TH_LOG("%s <- \"%s\" changed state", file, show(data, len));
		return;
	}
	EXPECT_EQ(0, err) TH_LOG("%s <- \"%s\"", file, show(data, len));
	if (err)
		return;
	limit_readback(pages, v1, want, sizeof(want));
	ASSERT_LE(0, mlab_read(path, got, sizeof(got)));
	EXPECT_STREQ(want, got) TH_LOG("%s <- \"%s\"", file, show(data, len));
	/* Undo: every limit file here starts unlimited, min/low at 0. */
	if (!strcmp(file, "memory.min") || !strcmp(file, "memory.low")) {
		ASSERT_EQ(0, mlab_write(path, "0"));
	} else {
		ASSERT_EQ(0, mlab_write(path, v1 ? "-1" : "max"));
	}
	EXPECT_EQ(0, unchanged(self, NULL))
		TH_LOG("%s <- \"%s\" not undone", file, show(data, len));
}

static void for_each_input(struct __test_metadata *_metadata,
			   void (*fn)(struct __test_metadata *_metadata,
				      FIXTURE_DATA(hostile) *self, bool v1,
				      const char *file, const char *data,
				      size_t len),
			   FIXTURE_DATA(hostile) *self, bool v1, const char *file)
{
	size_t i;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		fn(_metadata, self, v1, file, corpus[i].data, corpus[i].len);
	for (i = 0; i < sizeof(long_corpus) / sizeof(long_corpus[0]); i++) {
		const struct long_input *l = &long_corpus[i];
		size_t tail = strlen(l->tail);
		char *buf = malloc(l->len + tail);

		ASSERT_NE(NULL, buf);
		memset(buf, l->fill, l->len);
		memcpy(buf + l->len, l->tail, tail);
		fn(_metadata, self, v1, file, buf, l->len + tail);
		free(buf);
	}
}

TEST_F_TIMEOUT(hostile, limit_files, 900)
{
	static const char * const v2[] = { "memory.max", "memory.high",
		"memory.low", "memory.min", NULL };
	static const char * const v1[] = { "memory.limit_in_bytes",
		"memory.soft_limit_in_bytes", NULL };
	const char * const *f;

	for (f = variant->v1 ? v1 : v2; *f; f++)
		for_each_input(_metadata, try_limit_file, self, variant->v1, *f);
}

/* memcglab.charge: [-]SIZE, SIZE starting with a digit, rounded up. */
static int expect_charge(const char *data, size_t len, bool *uncharge,
			 unsigned long long *pages)
{
	char buf[4097], *s;
	struct model_result m;
	unsigned long long bytes;
	unsigned int k;

	if (!len)
		return 1;
	if (len > 4096)
		return -E2BIG;
	memcpy(buf, data, len);
	buf[len] = '\0';
	s = model_strip(buf);
	*uncharge = *s == '-';
	if (*uncharge)
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	/* memory.max's syntax without an unlimited spelling ("\n" never is). */
	m = model_memparse(s, "\n");
	if (m.err)
		return m.err;
	/* The model rounds down to pages; a charge rounds the bytes up. */
	bytes = m.number;
	for (k = model_suffix((unsigned char)s[m.digits_end]); k; k--)
		bytes = model_mul_add(bytes, 1024, 0);
	*pages = bytes / REL_PAGE + !!(bytes % REL_PAGE);
	return *pages ? 0 : 1;
}

/* Bytes in the batched policy's per-cpu stocks, from the root's memory.stat. */
static uint64_t root_stock(const char *root, bool v1)
{
	char path[PATH_MAX];
	uint64_t stock = 0;

	snprintf(path, sizeof(path), "%s/memory.stat", root);
	mlab_read_key(path, v1 ? "total_lab_stock" : "lab_stock", &stock);
	return stock;
}

#define CHARGE_MOVES "memory.events memory.events.local memory.stat memory.failcnt"

static void try_charge_file(struct __test_metadata *_metadata,
			    FIXTURE_DATA(hostile) *self, bool v1,
			    const char *file, const char *data, size_t len)
{
	unsigned long long pages = 0, usage = 1, root_usage = 1;
	bool uncharge = false;
	char got[64];
	int expect, err, fd;
	ssize_t n;

	(void)file;
	expect = expect_charge(data, len, &uncharge, &pages);
	/*
	 * Nothing is held: an uncharge is EINVAL.  A charge fits unless it
	 * is above MAX less what the root already counts; a refused charge
	 * drains the batched policy's stocks and retries, so stock does not.
	 */
	ASSERT_EQ(0, rel_usage(self->dir, v1, true, &root_usage));
	root_usage -= root_stock(self->dir, v1);
	if (!expect && uncharge)
		expect = -EINVAL;
	if (!expect && pages > MODEL_MAX - root_usage / REL_PAGE)
		expect = -ENOMEM;	/* more than any limit: EINVAL is fine too */
	ASSERT_EQ(0, take_snapshots(self, expect == -ENOMEM ? CHARGE_MOVES : NULL));
	fd = mlab_charge_open(self->group);
	ASSERT_LE(0, fd);
	err = write(fd, data, len) == (ssize_t)len ? 0 : -errno;
	if (expect == 1 || expect < 0) {
		if (expect == -ENOMEM && err == -EINVAL)
			err = -ENOMEM;
		EXPECT_EQ(expect == 1 ? 0 : expect, err)
			TH_LOG("charge <- \"%s\"", show(data, len));
		n = pread(fd, got, sizeof(got) - 1, 0);
		ASSERT_LT(0, n);
		got[n] = '\0';
		EXPECT_STREQ("0\n", got) TH_LOG("charge <- \"%s\"", show(data, len));
		ASSERT_EQ(0, close(fd));
		EXPECT_EQ(0, unchanged(self, expect == -ENOMEM ? CHARGE_MOVES : NULL))
			TH_LOG("charge <- \"%s\" changed state", show(data, len));
		return;
	}
	EXPECT_EQ(0, err) TH_LOG("charge <- \"%s\"", show(data, len));
	n = pread(fd, got, sizeof(got) - 1, 0);
	ASSERT_LT(0, n);
	got[n] = '\0';
	EXPECT_EQ(pages * REL_PAGE, strtoull(got, NULL, 10))
		TH_LOG("charge <- \"%s\" holds %s", show(data, len), got);
	ASSERT_EQ(0, close(fd));	/* gives it all back */
	EXPECT_EQ(0, rel_usage(self->group, v1, false, &usage));
	EXPECT_EQ(0, rel_usage(self->dir, v1, true, &root_usage));
	/*
	 * A stocking policy (batched, multistock): pages may sit in the
	 * stock, but nobody holds any (v2 anon, v1 rss: what owners hold).
	 */
	if (usage) {
		char path[PATH_MAX];
		uint64_t anon = 1;

		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/memory.stat", self->group));
		EXPECT_EQ(0, mlab_read_key(path, v1 ? "rss" : "anon", &anon));
		EXPECT_EQ(0ULL, anon);
	} else {
		EXPECT_EQ(0ULL, usage) TH_LOG("charge <- \"%s\"", show(data, len));
	}
}

TEST_F_TIMEOUT(hostile, charge_file, 900)
{
	for_each_input(_metadata, try_charge_file, self, variant->v1, "charge");
}

/*
 * v1 flag files are cgroup write_u64 files: kstrtoull(buf, 0) on the raw
 * buffer.  use_hierarchy takes only 1; oom_control only 0 or 1.
 */
static void try_u64_file(struct __test_metadata *_metadata,
			 FIXTURE_DATA(hostile) *self, bool v1,
			 const char *file, const char *data, size_t len)
{
	char path[PATH_MAX], buf[4097];
	unsigned long long v = 0;
	int expect, err;

	(void)v1;
	ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group, file));
	ASSERT_EQ(0, take_snapshots(self, NULL));
	if (!len) {
		expect = 0;
	} else if (len > 4096) {
		expect = -E2BIG;
	} else {
		memcpy(buf, data, len);
		buf[len] = '\0';
		expect = model_kstrtoull(buf, &v);
		if (!expect && !strcmp(file, "memory.use_hierarchy") && v != 1)
			expect = -EINVAL;
		if (!expect && !strcmp(file, "memory.oom_control") && v > 1)
			expect = -EINVAL;
	}
	err = write_input(path, data, len);
	EXPECT_EQ(expect, err) TH_LOG("%s <- \"%s\"", file, show(data, len));
	if (!err && !strcmp(file, "memory.oom_control") && v == 1) {
		char got[256];

		ASSERT_LT(0, mlab_read(path, got, sizeof(got)));
		EXPECT_EQ(0, strncmp(got, "oom_kill_disable 1\n", 19)) TH_LOG("%s", got);
		ASSERT_EQ(0, mlab_write(path, "0"));
	}
	EXPECT_EQ(0, unchanged(self, NULL))
		TH_LOG("%s <- \"%s\" changed state", file, show(data, len));
}

TEST_F_TIMEOUT(hostile, v1_flag_files, 900)
{
	if (!variant->v1)
		SKIP(return, "v1 files");
	for_each_input(_metadata, try_u64_file, self, true, "memory.use_hierarchy");
	for_each_input(_metadata, try_u64_file, self, true, "memory.oom_control");
}

/* Reset-on-any-write files: whatever the bytes, nothing else may move. */
static void try_reset_file(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hostile) *self, bool v1,
			   const char *file, const char *data, size_t len)
{
	char path[PATH_MAX];
	int err;

	(void)v1;
	ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group, file));
	ASSERT_EQ(0, take_snapshots(self, file));
	err = write_input(path, data, len);
	if (len > 4096) {
		EXPECT_EQ(-E2BIG, err) TH_LOG("%s <- \"%s\"", file, show(data, len));
	} else if (err) {
		EXPECT_EQ(-EINVAL, err) TH_LOG("%s <- \"%s\"", file, show(data, len));
	}
	EXPECT_EQ(0, unchanged(self, file))
		TH_LOG("%s <- \"%s\" changed state", file, show(data, len));
}

TEST_F_TIMEOUT(hostile, reset_files, 900)
{
	static const char * const v2[] = { "memory.peak", NULL };
	static const char * const v1[] = { "memory.max_usage_in_bytes",
		"memory.failcnt", NULL };
	const char * const *f;
	int fd;

	/* Something to reset: a watermark and (v1) a failure count. */
	fd = mlab_charge_open(self->group);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlab_charge(fd, "1M"));
	ASSERT_EQ(0, mlab_charge(fd, "-1M"));
	for (f = variant->v1 ? v1 : v2; *f; f++) {
		char path[PATH_MAX];

		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group, *f));
		if (access(path, W_OK) || mlab_write(path, "") == -EACCES)
			continue;	/* memory.peak is read-only before 6.12 */
		for_each_input(_metadata, try_reset_file, self, variant->v1, *f);
	}
	close(fd);
}

/*
 * What opening @path for writing and writing "0" to it does, as text:
 * "open: <error>" or "write: <error or ok>".
 */
static void ro_write_outcome(const char *path, char *out, size_t size)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0) {
		snprintf(out, size, "open: %s", strerror(errno));
		return;
	}
	snprintf(out, size, "write: %s",
		 write(fd, "0", 1) < 0 ? strerror(errno) : "ok");
	close(fd);	/* or the umount in teardown is EBUSY */
}

/*
 * Read-only files: cgroup lets root open them for writing (kernfs always
 * has a write method for a cgroup file) and refuses every write with
 * EINVAL.  The kernel's own v2 files are the oracle where they exist.
 */
TEST_F(hostile, read_only_files)
{
	static const char * const ro[] = { "memory.current", "memory.events",
		"memory.events.local", "memory.stat", "memory.usage_in_bytes",
		NULL };
	char path[PATH_MAX], memcg[MLAB_PATH_MAX], lab[128], real[128];
	const char * const *f;
	bool have_memcg;

	ASSERT_EQ(0, take_snapshots(self, NULL));
	have_memcg = !variant->v1 && !mlab_memcg2_create("mlab-hostile-ro", memcg);
	for (f = ro; *f; f++) {
		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group, *f));
		if (access(path, F_OK))
			continue;
		ro_write_outcome(path, lab, sizeof(lab));
		snprintf(real, sizeof(real), "write: %s", strerror(EINVAL));
		if (have_memcg) {
			ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", memcg, *f));
			if (!access(path, F_OK))
				ro_write_outcome(path, real, sizeof(real));
		}
		EXPECT_STREQ(real, lab) TH_LOG("%s", *f);
	}
	if (have_memcg)
		mlab_memcg2_remove(memcg);
	/* The root has no memory.max/current in v2; v1 root limits refuse. */
	if (variant->v1) {
		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/memory.limit_in_bytes",
				      self->dir));
		EXPECT_EQ(-EINVAL, mlab_write(path, "1M"));
		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/memory.oom_control",
				      self->dir));
		EXPECT_EQ(-EINVAL, mlab_write(path, "1"));
	} else {
		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/memory.max", self->dir));
		EXPECT_EQ(-1, access(path, F_OK));
	}
	EXPECT_EQ(0, unchanged(self, NULL));
}

static const char *limit_file(bool v1)
{
	return v1 ? "memory.limit_in_bytes" : "memory.max";
}

/*
 * kernfs I/O rules on a limit file, recorded step by step into @out:
 * the offset of a write is ignored (pwrite works), a split value is two
 * commands, a bad pointer is EFAULT, writev is one command (kernfs copies
 * the whole iterator).  Finite values only, so v1 and v2 files agree.
 */
static void odd_write_steps(const char *path, char *out, size_t size)
{
	struct iovec iov[2] = { { "1", 1 }, { "0M", 2 } };
	size_t used = 0;
	char got[64];
	ssize_t ret;
	int fd = open(path, O_WRONLY);

#define STEP(call) do {							\
	ret = (call);							\
	used += snprintf(out + used, size - used, "%s ",		\
			 ret < 0 ? strerror(errno) : "ok");		\
} while (0)
#define READBACK() do {							\
	if (mlab_read(path, got, sizeof(got)) < 0)			\
		snprintf(got, sizeof(got), "unreadable\n");		\
	used += snprintf(out + used, size - used, "=%.*s ",		\
			 (int)strcspn(got, "\n"), got);			\
} while (0)
	if (fd < 0) {
		snprintf(out, size, "open: %s", strerror(errno));
		return;
	}
	STEP(pwrite(fd, "abc", 3, 100));
	STEP(syscall(SYS_write, fd, 8L, 16L));
	STEP(syscall(SYS_write, fd, -4096L, 4L));
	STEP(pwrite(fd, "1M", 2, 1 << 20));
	READBACK();
	STEP(lseek(fd, 12345, SEEK_SET));
	STEP(write(fd, "2M", 2));
	READBACK();
	STEP(write(fd, "3", 1));	/* 3 bytes: 0 pages */
	STEP(write(fd, "x", 1));	/* a second command: EINVAL */
	READBACK();
	STEP(writev(fd, iov, 2));
	READBACK();
#undef STEP
#undef READBACK
	close(fd);
}

TEST_F(hostile, odd_writes)
{
	/* What kernfs does, from its source, when there is no memcg to ask. */
	static const char kernfs[] = "Invalid argument Bad address Bad address "
		"ok =1048576 ok ok =2097152 ok Invalid argument =0 ok =10485760 ";
	char path[PATH_MAX], memcg[MLAB_PATH_MAX], lab[512], real[512];
	const char *oracle = kernfs;

	ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group,
			      limit_file(variant->v1)));
	if (!mlab_memcg2_create("mlab-hostile", memcg)) {
		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/memory.max", memcg));
		odd_write_steps(path, real, sizeof(real));
		mlab_memcg2_remove(memcg);
		oracle = real;
		TH_LOG("oracle: the kernel's own %s", path);
		ASSERT_LT(0, snprintf(path, sizeof(path), "%s/%s", self->group,
				      limit_file(variant->v1)));
	}
	odd_write_steps(path, lab, sizeof(lab));
	EXPECT_STREQ(oracle, lab);
	ASSERT_EQ(0, mlab_write(path, variant->v1 ? "-1" : "max"));
}

/* Reads of any size at any offset give slices of the same text. */
TEST_F(hostile, odd_reads)
{
	char path[PATH_MAX], whole[8192], piece[8192], c;
	ssize_t n, len, off;
	int fd;

	ASSERT_LT(0, snprintf(path, sizeof(path), "%s/memory.stat", self->group));
	len = mlab_read(path, whole, sizeof(whole));
	ASSERT_LT(0, len);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	for (off = 0; off < len; off++) {	/* one byte at a time */
		ASSERT_EQ(1, read(fd, &c, 1));
		piece[off] = c;
	}
	EXPECT_EQ(0, read(fd, &c, 1));
	EXPECT_EQ(0, memcmp(whole, piece, len));
	n = pread(fd, piece, sizeof(piece), len + 100000);
	EXPECT_EQ(0, n);
	n = pread(fd, piece, 7, 3);
	EXPECT_EQ(7, n);
	EXPECT_EQ(0, memcmp(whole + 3, piece, 7));
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(-1, syscall(SYS_read, fd, 8L, 16L));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, lseek(fd, -1, SEEK_SET));
	close(fd);
}

/* --- netlink ------------------------------------------------------------- */

struct nl_case {
	const char *name;
	int cmd;
	void (*build)(struct nlmsghdr *nlh, void *arg);
};

struct nl_target {
	unsigned int hier;
	unsigned long long id;
};

static void nl_put_raw(struct nlmsghdr *nlh, unsigned short type,
		       const void *data, unsigned short len)
{
	mnl_attr_put(nlh, type, len, data);
}

static void b_nothing(struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(void)arg;
}

static void b_group_wrong_types(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;
	unsigned char one = 1;

	nl_put_raw(nlh, MEMCGLAB_A_GROUP_HIER, &one, 1);	/* u32 wanted */
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_ID, (unsigned int)t->id);	/* u64 */
}

static void b_group_unknown_id(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, t->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, 0xdeadbeefULL);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, 0);
}

static void b_group_unknown_hier(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, t->hier ^ 0x5a5a);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, t->id);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, 0);
}

static void b_group_set_garbage(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, t->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, t->id);
	mnl_attr_put_strz(nlh, MEMCGLAB_A_GROUP_MAX, "10M");	/* u64 wanted */
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_USAGE, 1);	/* read-only */
	mnl_attr_put_u32(nlh, 200, 7);				/* unknown */
}

static void b_group_set_huge(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, t->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, t->id);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, ~0ULL);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MIN, ~0ULL);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_RESET, ~0U);
}

static void b_bench_garbage(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 7);
	mnl_attr_put_strz(nlh, MEMCGLAB_A_BENCH_DEPTH, "8");	/* u32 wanted */
}

static void b_bench_huge(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, ~0U);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_THREADS, ~0U);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_MS, ~0U);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_COUNT, ~0ULL);
}

static void b_bench_reply_attr(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, 0);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_BASE_NS, 1);
}

static void b_truncated_attr(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;
	struct nlattr *a;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, t->hier);
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, t->id);
	a->nla_len = 64;	/* claims more than the message holds */
}

static void b_tiny_attr(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	struct nlattr *a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, 1);
	a->nla_len = 2;		/* shorter than an attribute header */
}

static void b_truncated_msg(struct nlmsghdr *nlh, void *arg)
{
	struct nl_target *t = arg;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, t->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, t->id);
	nlh->nlmsg_len -= 6;	/* cut into the last attribute */
}

static void b_no_genl_header(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;	/* half a genl header */
}

static void b_charge_entry(struct nlmsghdr *nlh, void *arg, long long delta,
			   bool nested, unsigned int count, bool extra)
{
	struct nl_target *t = arg;
	struct nlattr *nest = NULL;

	if (nested)
		nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, t->hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, t->id);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, (unsigned long long)delta);
	if (count)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_COUNT, count);
	if (extra)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_ERROR, 0);	/* reply-only */
	if (nest)
		mnl_attr_nest_end(nlh, nest);
}

static void b_charge_flat(struct nlmsghdr *nlh, void *arg)
{
	b_charge_entry(nlh, arg, 4096, false, 0, false);
}

static void b_charge_huge(struct nlmsghdr *nlh, void *arg)
{
	b_charge_entry(nlh, arg, 1LL << 62, true, 0, false);
}

static void b_charge_min(struct nlmsghdr *nlh, void *arg)
{
	b_charge_entry(nlh, arg, -(1LL << 62) - (1LL << 62), true, 0, false);
}

static void b_charge_zero_count(struct nlmsghdr *nlh, void *arg)
{
	b_charge_entry(nlh, arg, 4096, true, 0, false);
	b_charge_entry(nlh, arg, 4096, true, ~0U, false);
}

static void b_charge_reply_attr(struct nlmsghdr *nlh, void *arg)
{
	b_charge_entry(nlh, arg, 4096, true, 1, true);
}

static void b_charge_uncharge_unheld(struct nlmsghdr *nlh, void *arg)
{
	b_charge_entry(nlh, arg, -4096, true, 1, false);
}

static void b_charge_many(struct nlmsghdr *nlh, void *arg)
{
	int i;

	for (i = 0; i < MEMCGLAB_CHARGE_MAX_ENTRIES + 1; i++)
		b_charge_entry(nlh, arg, 4096, true, 1, false);
}

static void b_charge_empty_nest(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	struct nlattr *nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);

	mnl_attr_nest_end(nlh, nest);
}

/* An accepted charge moves statistics and watermarks even once given back. */
#define NL_MOVES CHARGE_MOVES " memory.peak memory.max_usage_in_bytes"

static const struct nl_case nl_cases[] = {
	{ "get: nothing", MEMCGLAB_CMD_GROUP_GET, b_nothing },
	{ "get: wrong types", MEMCGLAB_CMD_GROUP_GET, b_group_wrong_types },
	{ "get: unknown id", MEMCGLAB_CMD_GROUP_GET, b_group_unknown_id },
	{ "get: unknown hierarchy", MEMCGLAB_CMD_GROUP_GET, b_group_unknown_hier },
	{ "get: truncated attribute", MEMCGLAB_CMD_GROUP_GET, b_truncated_attr },
	{ "get: tiny attribute", MEMCGLAB_CMD_GROUP_GET, b_tiny_attr },
	{ "get: truncated message", MEMCGLAB_CMD_GROUP_GET, b_truncated_msg },
	{ "get: half a genl header", MEMCGLAB_CMD_GROUP_GET, b_no_genl_header },
	{ "set: nothing", MEMCGLAB_CMD_GROUP_SET, b_nothing },
	{ "set: wrong types", MEMCGLAB_CMD_GROUP_SET, b_group_wrong_types },
	{ "set: unknown id", MEMCGLAB_CMD_GROUP_SET, b_group_unknown_id },
	{ "set: unknown hierarchy", MEMCGLAB_CMD_GROUP_SET, b_group_unknown_hier },
	{ "set: garbage values", MEMCGLAB_CMD_GROUP_SET, b_group_set_garbage },
	{ "set: huge values", MEMCGLAB_CMD_GROUP_SET, b_group_set_huge },
	{ "set: truncated attribute", MEMCGLAB_CMD_GROUP_SET, b_truncated_attr },
	{ "set: truncated message", MEMCGLAB_CMD_GROUP_SET, b_truncated_msg },
	{ "reset: nothing", MEMCGLAB_CMD_GROUP_RESET, b_nothing },
	{ "reset: wrong types", MEMCGLAB_CMD_GROUP_RESET, b_group_wrong_types },
	{ "reset: huge values", MEMCGLAB_CMD_GROUP_RESET, b_group_set_huge },
	{ "charge: nothing", MEMCGLAB_CMD_CHARGE, b_nothing },
	{ "charge: not nested", MEMCGLAB_CMD_CHARGE, b_charge_flat },
	{ "charge: empty entry", MEMCGLAB_CMD_CHARGE, b_charge_empty_nest },
	{ "charge: 4 EiB", MEMCGLAB_CMD_CHARGE, b_charge_huge },
	{ "charge: -8 EiB", MEMCGLAB_CMD_CHARGE, b_charge_min },
	{ "charge: count 0 and ~0", MEMCGLAB_CMD_CHARGE, b_charge_zero_count },
	{ "charge: reply-only attribute", MEMCGLAB_CMD_CHARGE, b_charge_reply_attr },
	{ "charge: uncharge unheld", MEMCGLAB_CMD_CHARGE, b_charge_uncharge_unheld },
	{ "charge: one entry too many", MEMCGLAB_CMD_CHARGE, b_charge_many },
	{ "charge: truncated message", MEMCGLAB_CMD_CHARGE, b_truncated_msg },
	{ "bench: nothing", MEMCGLAB_CMD_BENCH, b_nothing },
	{ "bench: wrong types", MEMCGLAB_CMD_BENCH, b_bench_garbage },
	{ "bench: huge values", MEMCGLAB_CMD_BENCH, b_bench_huge },
	{ "bench: reply-only attribute", MEMCGLAB_CMD_BENCH, b_bench_reply_attr },
	{ "bench: truncated message", MEMCGLAB_CMD_BENCH, b_truncated_msg },
	{ "event (notification only)", MEMCGLAB_CMD_EVENT, b_nothing },
	{ "command 0", 0, b_nothing },
	{ "command 99", 99, b_nothing },
	{ "command 255", 255, b_group_set_huge },
};

/*
 * Malformed requests for every operation: each gets an answer (an errno or
 * a reply; a message netlink itself drops as malformed gets none), and
 * nothing changes in the group or the root.  Charges made by a request
 * that is accepted go when its socket closes, which rel_genl_call() does.
 */
TEST_F_TIMEOUT(hostile, netlink_requests, 900)
{
	struct nl_target t;
	struct stat st;
	unsigned int i;
	int err = rel_nl_available();

	if (err)
		SKIP(return, "no memcglab netlink family: %s", strerror(-err));
	ASSERT_EQ(0, stat(self->group, &st));
	t.hier = st.st_dev;
	t.id = st.st_ino;
	for (i = 0; i < sizeof(nl_cases) / sizeof(nl_cases[0]); i++) {
		const struct nl_case *c = &nl_cases[i];

		ASSERT_EQ(0, take_snapshots(self, NL_MOVES));
		err = rel_genl_call(c->cmd, c->build, &t);
		TH_LOG("%s: %s", c->name, err ? strerror(-err) : "accepted");
		EXPECT_NE(-EAGAIN, err) TH_LOG("%s: no answer", c->name);
		if (!err && c->build == b_group_set_huge) {
			/* Saturating values may be legal: put them back. */
			char path[PATH_MAX];

			mlab_write(mlab_path(path, self->group, variant->v1 ?
					     "memory.limit_in_bytes" : "memory.max"),
				   variant->v1 ? "-1" : "max");
			if (!variant->v1)
				mlab_write(mlab_path(path, self->group, "memory.min"), "0");
			continue;
		}
		/* A malformed SET or RESET must be refused... */
		if (c->cmd == MEMCGLAB_CMD_GROUP_SET || c->cmd == MEMCGLAB_CMD_GROUP_RESET)
			EXPECT_NE(0, err) TH_LOG("%s was accepted", c->name);
		/* ...and whatever the answer, nothing may have changed. */
		EXPECT_EQ(0, unchanged(self, NL_MOVES))
			TH_LOG("%s changed state", c->name);
	}
}

/*
 * Random mount option strings.  The parser is the kernel's fs_parser behind
 * mount(2)'s comma splitting, so it is fuzzed here, through mount(2), with
 * strings made of good and bad tokens whose outcome a small model knows:
 * any bad token fails the mount with EINVAL and leaves nothing mounted; a
 * string of good tokens mounts, shows the options the model predicts in
 * /proc/self/mounts (last policy, batch and oom= win, batch shown for batched
 * only, oom= always, memory_recursiveprot, which v1 refuses), and the
 * hierarchy works.
 * MEMCGLAB_FUZZ_SEED picks the sequence.
 */
struct mount_token {
	const char *text;
	int policy;		/* -1: none, else an index in pol[] below */
	unsigned int batch;	/* 0: none */
	const char *oom;	/* NULL: none, else the oom= value */
	bool v1, bad, rprot;
};

#define GOOD(t, ...) { .text = t, .policy = -1, __VA_ARGS__ }
#define POLICY(t, p) { .text = t, .policy = p }
#define BAD(t) { .text = t, .policy = -1, .bad = true }

static const struct mount_token good_mount_tokens[] = {
	GOOD("v1", .v1 = true),
	POLICY("policy=strict", 0),
	POLICY("policy=batched", 1),
	POLICY("policy=locked", 2),
	GOOD("batch=1", .batch = 1),
	GOOD("batch=64", .batch = 64),
	GOOD("batch=65536", .batch = 65536),
	GOOD("batch=0x20", .batch = 32),	/* fsparam_u32: base 0 */
	GOOD("batch=010", .batch = 8),
	GOOD("rw"),				/* a VFS flag, not ours */
	GOOD(""),				/* empty: skipped */
	GOOD("memory_recursiveprot", .rprot = true),	/* not with v1 */
	GOOD("oom=kill", .oom = "kill"),
	GOOD("oom=revoke", .oom = "revoke"),
	GOOD("oom=off", .oom = "off"),
};

static const struct mount_token bad_mount_tokens[] = {
	BAD("v1=1"), BAD("policy="), BAD("policy=STRICT"), BAD("policy=strict2"),
	BAD("batch=0"), BAD("batch=65537"), BAD("batch=-1"),
	BAD("batch=4294967296"), BAD("batch=1k"), BAD("batch="), BAD("batch"),
	BAD("bogus"), BAD("policy"), BAD("v2"),
	BAD("oom"), BAD("oom="), BAD("oom=KILL"), BAD("oom=panic"),
};

#undef GOOD
#undef POLICY
#undef BAD
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A token: a good one six times in seven, so that half the strings mount. */
static const struct mount_token *pick_mount_token(unsigned int *seed)
{
	if (rand_r(seed) % 7)
		return &good_mount_tokens[rand_r(seed) % N_OF(good_mount_tokens)];
	return &bad_mount_tokens[rand_r(seed) % N_OF(bad_mount_tokens)];
}

TEST(mount_option_strings)
{
	const char *env = getenv("MEMCGLAB_FUZZ_SEED");
	unsigned int seed = env ? strtoul(env, NULL, 0) : 1, iter, i, n;
	char opts[512], want[128], line[256], dir[MLAB_PATH_MAX];
	static const char * const pol[] = { "strict", "batched", "locked" };
	unsigned int mounted = 0, refused = 0;

	if (getenv("MEMCGLAB_TEST_POLICY"))
		SKIP(return, "models the built-in policies' options only");
	ASSERT_EQ(0, mlab_ensure_module());
	TH_LOG("seed %u", seed);
	for (iter = 0; iter < 300; iter++) {
		int policy = 0, err;
		unsigned int batch = 64;
		bool v1 = false, bad = false, rprot = false;
		const char *oom = "kill";
		size_t used = 0;
		FILE *f;

		opts[0] = '\0';
		n = 1 + rand_r(&seed) % 5;
		for (i = 0; i < n; i++) {
			const struct mount_token *t = pick_mount_token(&seed);

			used += snprintf(opts + used, sizeof(opts) - used, "%s%s",
					 i ? "," : "", t->text);
			v1 |= t->v1;
			bad |= t->bad;
			rprot |= t->rprot;
			if (t->policy >= 0)
				policy = t->policy;
			if (t->batch)
				batch = t->batch;
			if (t->oom)
				oom = t->oom;
		}
		bad |= v1 && rprot;
		err = mlab_mount(opts, dir);
		if (bad) {
			EXPECT_EQ(-EINVAL, err) TH_LOG("\"%s\"", opts);
			if (!err)
				mlab_umount(dir, true);
			refused++;
			continue;
		}
		ASSERT_EQ(0, err) TH_LOG("\"%s\": %s", opts, strerror(-err));
		mounted++;
		n = snprintf(want, sizeof(want), " %s memcglab rw,relatime%s%s,policy=%s",
			     dir, v1 ? ",v1" : "",
			     rprot ? ",memory_recursiveprot" : "", pol[policy]);
		if (policy == 1)	/* batched: the one that takes batch= */
			snprintf(want + n, sizeof(want) - n, ",batch=%u", batch);
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 ",oom=%s ", oom);
		f = fopen("/proc/self/mounts", "r");
		ASSERT_NE(NULL, f);
		err = -1;
		while (fgets(line, sizeof(line), f))
			if (strstr(line, want))
				err = 0;
		fclose(f);
		EXPECT_EQ(0, err) TH_LOG("\"%s\": no mount line with '%s'", opts, want);
		/* The hierarchy works: a group, a charge, and back. */
		{
			char g[MLAB_PATH_MAX];
			int fd;

			ASSERT_EQ(0, mlab_mkgroup(dir, "g", g));
			fd = mlab_charge_open(g);
			ASSERT_LE(0, fd);
			EXPECT_EQ(0, mlab_charge(fd, "1M"));
			close(fd);
			EXPECT_EQ(0, mlab_rmgroup(g));
		}
		ASSERT_EQ(0, mlab_umount(dir, false)) TH_LOG("\"%s\"", opts);
	}
	TH_LOG("%u mounted, %u refused", mounted, refused);
	EXPECT_LT(0, mounted);
	EXPECT_LT(0, refused);
}

TEST_HARNESS_MAIN
