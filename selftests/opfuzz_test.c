// SPDX-License-Identifier: GPL-2.0
/*
 * opfuzz_test.c - a seeded, multi-process random operation fuzzer for the
 * memcglab module, run in the guest.
 *
 * Several worker processes drive random sequences of everything a user can
 * do to the module at once, on two shared hierarchies (a v2 one and a v1
 * one, policies drawn from the seed): mkdir and rmdir in a small shared
 * namespace (so that workers collide), charge descriptors opened, written
 * with valid, boundary and hostile sizes and closed, writes of valid and
 * hostile values to every file, reads of every file, every netlink operation
 * with valid and malformed attributes, a forked charger killed with SIGKILL
 * in the middle of its charges, private mounts with random options, remounts
 * and rmmod attempts.
 *
 * Every operation goes through one text form: a worker generates an op,
 * prints it, parses the line back and runs what it parsed, then appends
 * "line = result" to the op log.  So the log is exactly what ran, and a
 * replay runs the same operations (each worker's sequence in order; the
 * interleaving is the scheduler's).
 *
 * At checkpoints the workers pause between operations and report what each
 * charge descriptor holds (their netlink sockets are closed, which gives
 * back what they held).  Then, for every group of both hierarchies:
 *   - every file reads back in its documented format;
 *   - nothing is negative or absurd (usage, owned bytes below 2^60);
 *   - owned bytes (netlink) equal what the live descriptors on it hold;
 *   - usage equals the owned bytes of the subtree (strict, locked), or
 *     exceeds them by at most the per-cpu stock (batched); swapped-out
 *     pages (half the seeds mount with a swap device) are owned no
 *     longer, and v1 memsw usage is exactly the subtree's owned bytes
 *     plus its swapped-out pages (memory.stat total_swap);
 *   - the kernel log has no new splat.
 * At the end every worker is gone, so nothing is owned, every group can be
 * removed, every usage is 0, the hierarchies unmount and rmmod succeeds.
 *
 * A failing run prints its seed and the op log's tail, writes the whole log
 * to /tmp/opfuzz-SEED.log, then minimises it (drops chunks of operations
 * while the failure still reproduces, within a time budget) and prints the
 * shortened log in full, ready to become a regression test.
 *
 *   opfuzz_test [run] [-s SEED] [-t SECONDS] [-w WORKERS] [-o LOG]
 *   opfuzz_test replay LOG
 *   opfuzz_test minimize LOG [-t SECONDS] [-o OUT]
 *
 * Without arguments (the kselftest run) it fuzzes for MEMCGLAB_FUZZ_SECONDS,
 * else ./fuzz_seconds, else 60 seconds, with a seed from the clock (or
 * MEMCGLAB_FUZZ_SEED), and prints TAP.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mlab.h"

#define MAX_WORKERS	8
#define NR_SLOTS	6	/* charge descriptors per worker */
#define NR_MOUNTS	2	/* 0: v2, 1: v1 */
#define MAX_GROUPS	64	/* per mount: 3 + 9 + 27 names, and the root */
#define LINE_MAX_LEN	512
#define PAGE		4096ULL
#define ABSURD		(1ULL << 60)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* --- the random source ---------------------------------------------------- */

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(uint64_t *s, unsigned int n)
{
	return n ? (unsigned int)(rnd_next(s) % n) : 0;
}

/* --- what the fuzzer draws from -------------------------------------------- */

static const char * const names[] = { "a", "b", "c" };

static const char * const v2_files[] = {
	"memory.current", "memory.max", "memory.high", "memory.low",
	"memory.min", "memory.peak", "memory.events", "memory.events.local",
	"memory.stat", "memory.reclaim", "memory.oom.group", "memory.swap.max",
	"memory.swap.current", "memory.swap.high", "memory.swap.peak",
	"memory.swap.events", "cgroup.max.depth", "cgroup.max.descendants",
	"memcglab.charge",
};

static const char * const v1_files[] = {
	"memory.usage_in_bytes", "memory.limit_in_bytes",
	"memory.max_usage_in_bytes", "memory.failcnt",
	"memory.soft_limit_in_bytes", "memory.oom_control",
	"memory.use_hierarchy", "memory.stat", "memory.force_empty",
	"memory.swappiness", "memory.memsw.limit_in_bytes",
	"memory.memsw.usage_in_bytes", "memory.memsw.max_usage_in_bytes",
	"memory.memsw.failcnt", "memcglab.charge",
};

static const char * const values[] = {
	"0", "1", "4095", "4096", "4097", "1M", "2M", "8M", "16M", "64M",
	"max", "-1", "1.0", "1xx", "xx", "", " ", "\n", "99999999999999999999",
	"0x1000", "010", "1G", "9223372036854771712", "-4096", "+4096",
	"anon 1M", "file 2M", "file -1M", "1 0", "swappiness=0", "4M swappiness=200",
	"2M\n", "max\n", "10M\0junk", "oom_kill_disable 1",
};

static const char * const charges[] = {
	"4k", "-4k", "64k", "-64k", "1M", "-1M", "4M", "-4M", "16M", "file 1M",
	"file -512k", "file 8M", "anon 64k", "anon -4k", "0", "-0", "1G",
	"bogus", "file", "anon", "file -1M", "123", "-", "4k\n", "8M",
};

static const char * const mount_opts[] = {
	"", "v1", "policy=strict", "policy=batched", "policy=locked",
	"policy=nosuch", "batch=1", "batch=16", "batch=0", "batch=99999999",
	"v1,policy=batched,batch=8", "memory_recursiveprot", "v1,memory_recursiveprot",
	"reclaim=lru", "reclaim=mglru", "swap=16M", "oom=kill", "oom=revoke",
	"oom=off", "bogus", "policy=", "policy", ",", "v1,v1",
};

static const char * const policies[] = { "strict", "batched", "locked" };

/* --- operations ----------------------------------------------------------- */

enum op_kind {
	OP_MKDIR, OP_RMDIR, OP_OPEN, OP_CLOSE, OP_CHARGE, OP_WRITE, OP_READ,
	OP_NL_GET, OP_NL_SET, OP_NL_CHARGE, OP_NL_RESET, OP_NL_DUMP,
	OP_NL_RAW, OP_FORKKILL, OP_MOUNTCYCLE, OP_REMOUNT, OP_RMMOD,
	OP_LIE,
	NR_OPS
};

/* Keep in step with enum op_kind: name and weight in a random sequence. */
static const struct {
	const char *name;
	unsigned int weight;
} op_table[NR_OPS] = {
	[OP_MKDIR] = { "mkdir", 10 },
	[OP_RMDIR] = { "rmdir", 6 },
	[OP_OPEN] = { "open", 8 },
	[OP_CLOSE] = { "close", 4 },
	[OP_CHARGE] = { "charge", 26 },
	[OP_WRITE] = { "write", 14 },
	[OP_READ] = { "read", 10 },
	[OP_NL_GET] = { "nl-get", 3 },
	[OP_NL_SET] = { "nl-set", 4 },
	[OP_NL_CHARGE] = { "nl-charge", 6 },
	[OP_NL_RESET] = { "nl-reset", 2 },
	[OP_NL_DUMP] = { "nl-dump", 2 },
	[OP_NL_RAW] = { "nl-raw", 2 },
	[OP_FORKKILL] = { "forkkill", 3 },
	[OP_MOUNTCYCLE] = { "mountcycle", 1 },
	[OP_REMOUNT] = { "remount", 1 },
	[OP_RMMOD] = { "rmmod", 1 },
	/* Never drawn: the checker's own test plants it (see check_the_checker). */
	[OP_LIE] = { "lie", 0 },
};

/*
 * One operation.  Its text form is
 *   KIND M PATH FILE SLOT A B C "STR"
 * with "-" for an empty path or file and STR C-escaped.
 */
struct op {
	enum op_kind kind;
	int m, slot;
	char path[32];
	char file[40];
	long long a, b, c;
	char str[96];
	size_t len;		/* of str: it may hold a NUL */
};

static size_t op_format(const struct op *op, char *out, size_t size)
{
	size_t n, i;

	n = snprintf(out, size, "%s %d %s %s %d %lld %lld %lld \"",
		     op_table[op->kind].name, op->m, op->path[0] ? op->path : "-",
		     op->file[0] ? op->file : "-", op->slot, op->a, op->b, op->c);
	for (i = 0; i < op->len && n + 5 < size; i++) {
		unsigned char ch = op->str[i];

		if (ch == '"' || ch == '\\')
			n += snprintf(out + n, size - n, "\\%c", ch);
		else if (isprint(ch))
			out[n++] = ch;
		else
			n += snprintf(out + n, size - n, "\\x%02x", ch);
	}
	n += snprintf(out + n, size - n, "\"");
	return n;
}

/* Parse what op_format() printed (and " = RESULT" after it, ignored). */
static int op_parse(const char *line, struct op *op)
{
	char kind[16], path[40], file[48];
	const char *q;
	int i, used = 0;

	memset(op, 0, sizeof(*op));
	if (sscanf(line, "%15s %d %39s %47s %d %lld %lld %lld %n", kind, &op->m,
		   path, file, &op->slot, &op->a, &op->b, &op->c, &used) < 8 || !used)
		return -EINVAL;
	for (i = 0; i < NR_OPS; i++)
		if (!strcmp(kind, op_table[i].name))
			break;
	if (i == NR_OPS || op->m < 0 || op->m >= NR_MOUNTS ||
	    op->slot < 0 || op->slot >= NR_SLOTS ||
	    strlen(path) >= sizeof(op->path) || strlen(file) >= sizeof(op->file))
		return -EINVAL;
	op->kind = i;
	if (strcmp(path, "-"))
		strcpy(op->path, path);
	if (strcmp(file, "-"))
		strcpy(op->file, file);
	q = line + used;
	if (*q++ != '"')
		return -EINVAL;
	while (*q && *q != '"' && op->len < sizeof(op->str) - 1) {
		if (*q == '\\' && q[1] == 'x' && isxdigit(q[2]) && isxdigit(q[3])) {
			char hex[3] = { q[2], q[3], 0 };

			op->str[op->len++] = (char)strtol(hex, NULL, 16);
			q += 4;
		} else if (*q == '\\' && q[1]) {
			op->str[op->len++] = q[1];
			q += 2;
		} else {
			op->str[op->len++] = *q++;
		}
	}
	return *q == '"' ? 0 : -EINVAL;
}

static void set_str(struct op *op, const char *s, size_t len)
{
	op->len = len < sizeof(op->str) - 1 ? len : sizeof(op->str) - 1;
	memcpy(op->str, s, op->len);
}

static void random_path(uint64_t *r, char *out, size_t size, int min_depth)
{
	int depth = min_depth + (int)rnd(r, 4 - min_depth), i;
	size_t n = 0;

	out[0] = 0;
	for (i = 0; i < depth; i++)
		n += snprintf(out + n, size - n, "%s%s", i ? "/" : "",
			      names[rnd(r, 3)]);
}

/* @open: bit i set when slot i holds a descriptor, to aim charges at one. */
static void op_generate(uint64_t *r, struct op *op, unsigned int open)
{
	unsigned int total = 0, pick, i;
	const char *s;
	char buf[64];

	for (i = 0; i < NR_OPS; i++)
		total += op_table[i].weight;
	pick = rnd(r, total);
	for (i = 0; pick >= op_table[i].weight; i++)
		pick -= op_table[i].weight;

	memset(op, 0, sizeof(*op));
	op->kind = i;
	op->m = (int)rnd(r, NR_MOUNTS);
	op->slot = (int)rnd(r, NR_SLOTS);
	if ((op->kind == OP_CHARGE || op->kind == OP_CLOSE) && open && rnd(r, 8))
		while (!(open & (1U << op->slot)))
			op->slot = (op->slot + 1) % NR_SLOTS;
	random_path(r, op->path, sizeof(op->path), op->kind == OP_MKDIR ||
		    op->kind == OP_RMDIR ? 1 : 0);
	switch (op->kind) {
	case OP_CHARGE:
	case OP_FORKKILL:
		if (rnd(r, 3)) {
			s = charges[rnd(r, ARRAY_SIZE(charges))];
			set_str(op, s, strlen(s));
		} else {	/* a random whole number of pages, either way */
			snprintf(buf, sizeof(buf), "%s%s%llu",
				 rnd(r, 4) ? "" : "file ", rnd(r, 3) ? "" : "-",
				 (1 + rnd(r, 2048)) * PAGE);
			set_str(op, buf, strlen(buf));
		}
		op->a = rnd(r, 20000);	/* forkkill: microseconds to live */
		break;
	case OP_WRITE:
	case OP_READ:
		if (op->m == 0)
			s = v2_files[rnd(r, ARRAY_SIZE(v2_files))];
		else
			s = v1_files[rnd(r, ARRAY_SIZE(v1_files))];
		strcpy(op->file, s);
		if (rnd(r, 4)) {
			s = values[rnd(r, ARRAY_SIZE(values))];
			set_str(op, s, s[0] ? strlen(s) + (strstr(s, "junk") ? 5 : 0) : 0);
		} else {
			snprintf(buf, sizeof(buf), "%llu", (1 + rnd(r, 32768)) * PAGE);
			set_str(op, buf, strlen(buf));
		}
		break;
	case OP_NL_SET:
		op->a = MEMCGLAB_A_GROUP_MAX + rnd(r, 5) - (rnd(r, 8) ? 0 : 3);
		op->b = rnd(r, 4) ? (long long)((1 + rnd(r, 8192)) * PAGE) : -1;
		break;
	case OP_NL_CHARGE:
		op->a = ((long long)rnd(r, 512) - 200) * (long long)PAGE;
		if (!rnd(r, 10))
			op->a += rnd(r, PAGE);	/* not a whole page */
		op->b = rnd(r, 4) ? 0 : 1 + rnd(r, 64);	/* count */
		op->c = !rnd(r, 8);			/* force */
		break;
	case OP_NL_RESET:
		op->a = rnd(r, 5);
		break;
	case OP_NL_RAW:
		op->a = rnd(r, MEMCGLAB_CMD_MAX + 3);	/* command */
		op->b = rnd(r, MEMCGLAB_A_GROUP_ATTR_MAX + 3);	/* attribute */
		op->c = rnd(r, 17);			/* its length */
		break;
	case OP_MOUNTCYCLE:
	case OP_REMOUNT:
		s = mount_opts[rnd(r, ARRAY_SIZE(mount_opts))];
		set_str(op, s, strlen(s));
		op->a = rnd(r, 4);	/* mountcycle: groups to make */
		break;
	default:
		break;
	}
}

/* --- shared state --------------------------------------------------------- */

struct held {
	int m;
	char path[32];
	long long bytes;	/* -1: slot closed */
};

struct shared {
	int pause;		/* the parent asks the workers to pause */
	int report_gen;		/* then to report what they hold, anew */
	int paused_w[MAX_WORKERS];	/* this worker is paused */
	int reported_w[MAX_WORKERS];	/* the report_gen it last answered */
	int stop;
	int done[MAX_WORKERS];	/* a worker ran to its end */
	struct held held[MAX_WORKERS][NR_SLOTS];
	unsigned long ops[MAX_WORKERS];
	unsigned long results[7];	/* ok, ENOMEM, EINVAL, EBUSY, ENOENT, ENODEV, other */
};

struct fuzz {
	char dir[NR_MOUNTS][MLAB_PATH_MAX];	/* the shared hierarchies */
	char opts[NR_MOUNTS][64];
	bool exact[NR_MOUNTS];		/* usage == owned, no stock */
	bool swap[NR_MOUNTS];		/* mounted with a swap device */
	unsigned int batch[NR_MOUNTS];
	int workers;
	int logfd;
	struct shared *sh;
	int kmsg;			/* /dev/kmsg, read for splats */
	int orphan_mounts;		/* private mounts left by killed workers */
	char why[512];			/* the first failure */
};

/* What one worker has open. */
struct worker {
	struct fuzz *f;
	int id, gen;
	int fd[NR_SLOTS];
	long long lie[NR_SLOTS];	/* under-report by this much (OP_LIE) */
	struct mlab_nl nl;
	bool nl_open;
	uint64_t rng;
};

static void fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

static void group_dir(struct fuzz *f, int m, const char *path, char *out)
{
	snprintf(out, MLAB_PATH_MAX, "%.400s%s%.64s", f->dir[m], path[0] ? "/" : "",
		 path);
}

/* --- running one operation ------------------------------------------------- */

static int nl_ids(struct fuzz *f, const struct op *op, uint32_t *hier, uint64_t *id)
{
	char dir[MLAB_PATH_MAX];

	group_dir(f, op->m, op->path, dir);
	return mlab_group_ids(dir, hier, id);
}

static int run_nl_raw(struct worker *w, const struct op *op)
{
	struct nlmsghdr *nlh;
	uint32_t hier;
	uint64_t id;
	char junk[16];
	int err;

	err = nl_ids(w->f, op, &hier, &id);
	if (err)
		hier = 0, id = 0;
	nlh = mlab_nl_msg(&w->nl, (uint8_t)op->a, op->a % 3 ? 0 : NLM_F_DUMP);
	memset(junk, 0x5a, sizeof(junk));
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, hier);
	if (op->c != 8)
		mnl_attr_put(nlh, (uint16_t)op->b, (size_t)op->c, junk);
	else
		mnl_attr_put_u64(nlh, (uint16_t)op->b, id);
	return mlab_nl_talk(&w->nl, nlh, NULL, NULL);
}

/* A child opens a charge descriptor, charges in a loop, and is killed. */
static int run_forkkill(struct worker *w, const struct op *op)
{
	char dir[MLAB_PATH_MAX];
	int status;
	pid_t pid;

	group_dir(w->f, op->m, op->path, dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = mlab_charge_open(dir);

		if (fd < 0)
			_exit(1);
		for (;;) {
			if (mlab_charge(fd, op->str) < 0)
				usleep(100);
		}
	}
	usleep((useconds_t)op->a);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFSIGNALED(status) ? 0 : -ECHILD;
}

/* A private hierarchy: mount, a few groups and a charge, unmount. */
static int run_mountcycle(const struct op *op)
{
	char dir[MLAB_PATH_MAX], g[MLAB_PATH_MAX];
	char opts[sizeof(op->str)];
	int err, fd = -1, i;

	memcpy(opts, op->str, op->len);
	opts[op->len] = 0;
	err = mlab_mount(opts[0] ? opts : NULL, dir);
	if (err)
		return err;
	for (i = 0; i < op->a; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", i);
		mlab_mkgroup(dir, name, g);
		if (i == 0) {
			fd = mlab_charge_open(g);
			if (fd >= 0)
				mlab_charge(fd, "1M");
		}
	}
	/* Unmount with the descriptor still open: a lazy unmount must cope. */
	err = mlab_umount(dir, fd >= 0);
	if (fd >= 0)
		close(fd);
	return err;
}

static int count_group(const struct mlab_group_info *gi, void *data)
{
	(void)gi;
	(void)data;
	return MNL_CB_OK;
}

static int run_op(struct worker *w, const struct op *op)
{
	struct fuzz *f = w->f;
	char dir[MLAB_PATH_MAX], path[MLAB_PATH_MAX], buf[4096];
	struct mlab_group_info g;
	struct mlab_group_ref ref;
	struct nlmsghdr *nlh;
	int *fd = &w->fd[op->slot];
	int err;

	group_dir(f, op->m, op->path, dir);
	switch (op->kind) {
	case OP_MKDIR:
		return mkdir(dir, 0755) < 0 ? -errno : 0;
	case OP_RMDIR:
		return rmdir(dir) < 0 ? -errno : 0;
	case OP_OPEN:
		if (*fd >= 0)
			close(*fd);
		*fd = mlab_charge_open(dir);
		err = *fd < 0 ? *fd : 0;
		if (*fd < 0)
			*fd = -1;
		f->sh->held[w->id][op->slot].m = op->m;
		snprintf(f->sh->held[w->id][op->slot].path,
			 sizeof(f->sh->held[0][0].path), "%s", op->path);
		return err;
	case OP_CLOSE:
		if (*fd < 0)
			return -EBADF;
		close(*fd);
		*fd = -1;
		w->lie[op->slot] = 0;
		return 0;
	case OP_CHARGE:
		if (*fd < 0)
			return -EBADF;
		return write(*fd, op->str, op->len) < 0 ? -errno : 0;
	case OP_WRITE:
		return mlab_write_len(mlab_path(path, dir, op->file), op->str, op->len);
	case OP_READ:
		err = mlab_read(mlab_path(path, dir, op->file), buf, sizeof(buf));
		return err < 0 ? err : 0;
	case OP_NL_GET:
		err = nl_ids(f, op, &ref.hier, &ref.id);
		return err ? err : mlab_nl_group_get(&w->nl, &ref, &g);
	case OP_NL_SET:	/* any attribute, so unsettable ones too */
		err = nl_ids(f, op, &ref.hier, &ref.id);
		if (err)
			return err;
		nlh = mlab_nl_msg(&w->nl, MEMCGLAB_CMD_GROUP_SET, 0);
		mlab_put_ref(nlh, &ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
		mnl_attr_put_u64(nlh, (uint16_t)op->a, (uint64_t)op->b);
		return mlab_nl_talk(&w->nl, nlh, NULL, NULL);
	case OP_NL_CHARGE: {
		struct mlab_charge_req req = {
			.delta = op->a, .count = (uint32_t)op->b, .force = op->c,
		};

		err = nl_ids(f, op, &req.ref.hier, &req.ref.id);
		if (err)
			return err;
		nlh = mlab_nl_msg(&w->nl, MEMCGLAB_CMD_CHARGE, 0);
		mlab_put_charge_entry(nlh, &req);
		err = mlab_nl_charge_talk(&w->nl, nlh, &req, 1);
		return err < 0 ? err : req.error;
	}
	case OP_NL_RESET:
		err = nl_ids(f, op, &ref.hier, &ref.id);
		return err ? err : mlab_nl_group_reset(&w->nl, &ref, (uint32_t)op->a);
	case OP_NL_DUMP:
		err = nl_ids(f, op, &ref.hier, &ref.id);
		return err ? err : mlab_nl_group_dump(&w->nl, &ref, count_group, NULL);
	case OP_NL_RAW:
		return run_nl_raw(w, op);
	case OP_FORKKILL:
		return run_forkkill(w, op);
	case OP_MOUNTCYCLE:
		return run_mountcycle(op);
	case OP_REMOUNT: {
		char opts[sizeof(op->str) + 8];

		snprintf(opts, sizeof(opts), "%.*s", (int)op->len, op->str);
		return mount(NULL, f->dir[op->m], "memcglab", MS_REMOUNT,
			     opts[0] ? opts : NULL) < 0 ? -errno : 0;
	}
	case OP_LIE:
		w->lie[op->slot] += op->a;
		return 0;
	case OP_RMMOD:
		/* Both shared hierarchies are mounted: this must fail. */
		if (syscall(SYS_delete_module, "memcglab", O_NONBLOCK) == 0) {
			fail(f, "rmmod succeeded while hierarchies were mounted");
			return 0;
		}
		return -errno;
	case NR_OPS:
		break;
	}
	return -EINVAL;
}

/* --- workers --------------------------------------------------------------- */

static void count_result(struct shared *sh, int err)
{
	int i;

	switch (-err) {
	case 0: i = 0; break;
	case ENOMEM: i = 1; break;
	case EINVAL: i = 2; break;
	case EBUSY: i = 3; break;
	case ENOENT: i = 4; break;
	case ENODEV: i = 5; break;
	default: i = 6; break;
	}
	__atomic_fetch_add(&sh->results[i], 1, __ATOMIC_RELAXED);
}

/* Pause between operations while the parent checks: report, then wait. */
static void worker_pause(struct worker *w)
{
	struct shared *sh = w->f->sh;
	int i;

	int gen, last = -1;

	if (w->nl_open) {
		mlab_nl_close(&w->nl);
		w->nl_open = false;
	}
	__atomic_store_n(&sh->paused_w[w->id], 1, __ATOMIC_SEQ_CST);
	/*
	 * Report only when asked, once every worker has stopped: an operation
	 * still running elsewhere (an OOM kill) may reap this one's charges.
	 */
	while (__atomic_load_n(&sh->pause, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		gen = __atomic_load_n(&sh->report_gen, __ATOMIC_SEQ_CST);
		if (gen != last) {
			for (i = 0; i < NR_SLOTS; i++)
				sh->held[w->id][i].bytes = w->fd[i] < 0 ? -1 :
					mlab_charge_held(w->fd[i]) - w->lie[i];
			__atomic_store_n(&sh->reported_w[w->id], gen, __ATOMIC_SEQ_CST);
			last = gen;
		}
		usleep(1000);
	}
	__atomic_store_n(&sh->paused_w[w->id], 0, __ATOMIC_SEQ_CST);
}

static void log_op(struct worker *w, const char *line, int err)
{
	char out[LINE_MAX_LEN + 64];
	int n;

	n = snprintf(out, sizeof(out), "W%d.%d %s = %d\n", w->id, w->gen, line, err);
	if (write(w->f->logfd, out, (size_t)n) < 0)
		_exit(3);
}

/* Run one op from its text: what is logged is exactly what ran. */
static int worker_step(struct worker *w, const char *line)
{
	struct op op;
	int err;

	if (op_parse(line, &op))
		return -EINVAL;
	if (!w->nl_open && mlab_nl_open(&w->nl) == 0)
		w->nl_open = true;
	if (!w->nl_open && op.kind >= OP_NL_GET && op.kind <= OP_NL_RAW)
		err = -ENOTCONN;
	else
		err = run_op(w, &op);
	count_result(w->f->sh, err);
	log_op(w, line, err);
	w->f->sh->ops[w->id]++;
	return err;
}

static void worker_init(struct worker *w, struct fuzz *f, int id, int gen)
{
	int i;

	/* Its own process group: its forked chargers die with it. */
	setpgid(0, 0);
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->id = id;
	w->gen = gen;
	for (i = 0; i < NR_SLOTS; i++) {
		w->fd[i] = -1;
		f->sh->held[id][i].bytes = -1;
	}
}

/* Generate and run until told to stop. */
static void worker_fuzz(struct fuzz *f, int id, int gen, uint64_t seed)
{
	char line[LINE_MAX_LEN];
	unsigned int open;
	struct worker w;
	struct op op;
	int i;

	worker_init(&w, f, id, gen);
	w.rng = seed;
	while (!__atomic_load_n(&f->sh->stop, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&f->sh->pause, __ATOMIC_SEQ_CST)) {
			worker_pause(&w);
			continue;
		}
		for (open = 0, i = 0; i < NR_SLOTS; i++)
			open |= (w.fd[i] >= 0) << i;
		op_generate(&w.rng, &op, open);
		op_format(&op, line, sizeof(line));
		worker_step(&w, line);
	}
	_exit(0);
}

/* Run the given lines, in order; then report done and wait to be stopped. */
static void worker_replay(struct fuzz *f, int id, char **lines, int n)
{
	struct worker w;
	int i;

	worker_init(&w, f, id, 0);
	for (i = 0; i < n && !__atomic_load_n(&f->sh->stop, __ATOMIC_SEQ_CST); i++)
		worker_step(&w, lines[i]);
	f->sh->done[id] = 1;
	while (!__atomic_load_n(&f->sh->stop, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&f->sh->pause, __ATOMIC_SEQ_CST))
			worker_pause(&w);
		usleep(1000);
	}
	_exit(0);
}

/* --- checks ---------------------------------------------------------------- */

static const char * const splats[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault", "KASAN",
	"UBSAN", "refcount_t:", "list_add corruption", "list_del corruption",
	"possible recursive locking", "circular locking dependency",
	"inconsistent lock state", "suspicious RCU usage", "kmemleak:",
	"INFO: task", "page_counter underflow", "memcglab: underflow",
};

/* Any splat in the kernel log since the last look? */
static void check_kmsg(struct fuzz *f)
{
	char rec[2048];
	ssize_t n;
	size_t i;

	if (f->kmsg < 0)
		return;
	while ((n = read(f->kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(splats); i++)
			if (strstr(rec, splats[i]))
				fail(f, "kernel log: %.300s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
	}
}

/* Is this file's text in its documented format? */
static bool format_ok(const char *file, const char *s)
{
	const char *p = s;
	bool keyed = strstr(file, ".stat") || strstr(file, ".events") ||
		     strstr(file, "oom_control");

	if (!*s)
		return !strcmp(file, "memcglab.charge") ? false : true;
	if (s[strlen(s) - 1] != '\n')
		return false;
	if (!keyed) {	/* one value: a number or "max" */
		if (!strcmp(s, "max\n"))
			return true;
		if (*p == '-')
			p++;
		while (isdigit((unsigned char)*p))
			p++;
		return p != s && !strcmp(p, "\n");
	}
	while (*p) {	/* "key N" lines */
		const char *k = p;

		while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
			p++;
		if (p == k || *p++ != ' ')
			return false;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p++ != '\n')
			return false;
	}
	return true;
}

struct gstate {
	char path[32];
	int parent;
	uint64_t usage, owned, held;
	uint64_t memsw_usage;	/* v1 */
	uint64_t swapped;	/* v1: memory.stat total_swap */
	bool memsw;		/* v1, not the root */
};

/* The value of @key in @dir's memory.stat; (uint64_t)-errno if absent. */
static uint64_t stat_key(const char *dir, const char *key)
{
	char p[MLAB_PATH_MAX], buf[8192], *l;
	size_t n = strlen(key);
	int err;

	err = mlab_read(mlab_path(p, dir, "memory.stat"), buf, sizeof(buf));
	if (err < 0)
		return (uint64_t)err;
	for (l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, n) && l[n] == ' ')
			return strtoull(l + n + 1, NULL, 10);
	return (uint64_t)-ENOENT;
}

/* Depth first: every group of mount m, parents first. */
static int walk(struct fuzz *f, int m, const char *path, int parent,
		struct gstate *gs, int n)
{
	char dir[MLAB_PATH_MAX], sub[128];
	struct dirent *de;
	DIR *d;
	int me = n;

	if (n >= MAX_GROUPS)
		return n;
	snprintf(gs[n].path, sizeof(gs[n].path), "%s", path);
	gs[n].parent = parent;
	n++;
	group_dir(f, m, path, dir);
	d = opendir(dir);
	if (!d)
		return n;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%.40s%s%.40s", path, path[0] ? "/" : "",
			 de->d_name);
		if (strlen(sub) < sizeof(gs[0].path))
			n = walk(f, m, sub, me, gs, n);
	}
	closedir(d);
	return n;
}

static void check_files(struct fuzz *f, int m, const char *path)
{
	const char * const *files = m ? v1_files : v2_files;
	size_t nr = m ? ARRAY_SIZE(v1_files) : ARRAY_SIZE(v2_files), i;
	char dir[MLAB_PATH_MAX], p[MLAB_PATH_MAX], buf[4096];
	int n;

	group_dir(f, m, path, dir);
	for (i = 0; i < nr; i++) {
		if (!strcmp(files[i], "memcglab.charge") ||
		    !strcmp(files[i], "memory.force_empty") ||
		    !strcmp(files[i], "memory.reclaim"))
			continue;
		n = mlab_read(mlab_path(p, dir, files[i]), buf, sizeof(buf));
		if (n == -ENOENT || n == -EINVAL || n == -EACCES)
			continue;	/* not on this group, or write-only */
		if (n < 0) {
			fail(f, "read %s: %s", p, strerror(-n));
			return;
		}
		if (!format_ok(files[i], buf))
			fail(f, "%s reads \"%.100s\": not its format", p, buf);
	}
}

/* The invariants, with every worker paused (or gone). */
static void check_mount(struct fuzz *f, int m, struct mlab_nl *nl, bool final)
{
	struct gstate gs[MAX_GROUPS];
	struct mlab_group_info g;
	struct mlab_group_ref ref;
	char dir[MLAB_PATH_MAX];
	int n, i, j, k;

	memset(gs, 0, sizeof(gs));
	n = walk(f, m, "", -1, gs, 0);
	for (i = 0; i < n; i++) {
		int err;

		group_dir(f, m, gs[i].path, dir);
		err = mlab_group_ids(dir, &ref.hier, &ref.id);
		if (!err)
			err = mlab_nl_group_get(nl, &ref, &g);
		if (err == -ENOENT)	/* removed since the walk: a mountcycle's */
			continue;
		if (err) {
			fail(f, "netlink get %s: %s (%s)", dir, strerror(-err), nl->err.msg);
			return;
		}
		gs[i].usage = g.usage;
		gs[i].owned = g.owned;
		/*
		 * With a swap device, reclaim moves owners' anon pages out of
		 * memory: they leave usage and what the owners read back, and
		 * v2 charges them to memory.swap.current.  v1 charges memsw
		 * exactly (no stock) with every charge, swap device or not,
		 * and a swap-out leaves it unchanged: memsw is what the
		 * subtree owns plus its swapped pages (total_swap).
		 */
		if (f->swap[m] && m == 0 && gs[i].path[0] &&
		    mlab_num(dir, "memory.swap.current") >= ABSURD)
			fail(f, "%s: memory.swap.current unreadable or negative", dir);
		if (m == 1) {
			gs[i].memsw_usage = mlab_num(dir, "memory.memsw.usage_in_bytes");
			gs[i].memsw = gs[i].memsw_usage != (uint64_t)-ENOENT;
			gs[i].swapped = gs[i].memsw ? stat_key(dir, "total_swap") : 0;
			if (gs[i].memsw && (gs[i].memsw_usage >= ABSURD ||
					    gs[i].swapped >= ABSURD))
				fail(f, "%s: memsw usage %" PRIu64 ", total_swap %" PRIu64
				     ": unreadable or negative", dir, gs[i].memsw_usage,
				     gs[i].swapped);
		}
		if (gs[i].usage >= ABSURD || gs[i].owned >= ABSURD)
			fail(f, "%s: usage %" PRIu64 " owned %" PRIu64 ": negative?",
			     dir, gs[i].usage, gs[i].owned);
		for (j = 0; j < f->workers; j++)
			for (k = 0; k < NR_SLOTS; k++) {
				struct held *h = &f->sh->held[j][k];

				if (h->bytes > 0 && h->m == m && !strcmp(h->path, gs[i].path))
					gs[i].held += (uint64_t)h->bytes;
			}
		if (gs[i].owned != gs[i].held)
			fail(f, "%s: owned %" PRIu64 " but the descriptors hold %" PRIu64,
			     dir, gs[i].owned, gs[i].held);
		if (final && gs[i].owned)
			fail(f, "%s: %" PRIu64 " bytes owned after every owner went away",
			     dir, gs[i].owned);
		check_files(f, m, gs[i].path);
	}
	/* usage against the subtree's owned bytes, deepest first */
	for (i = n - 1; i >= 0; i--) {
		uint64_t sub = 0, slack;
		int groups = 0;

		for (j = i; j < n; j++) {
			for (k = j; k >= 0 && k != i; k = gs[k].parent)
				;
			if (k == i) {
				sub += gs[j].owned;
				groups++;
			}
		}
		slack = f->exact[m] ? 0 : (uint64_t)f->batch[m] * PAGE *
			(uint64_t)sysconf(_SC_NPROCESSORS_CONF) * (uint64_t)groups;
		if (gs[i].memsw && gs[i].memsw_usage != sub + gs[i].swapped)
			fail(f, "%s/%s: memsw usage %" PRIu64 ", the subtree owns %"
			     PRIu64 " and has %" PRIu64 " swapped out", f->dir[m],
			     gs[i].path, gs[i].memsw_usage, sub, gs[i].swapped);
		if (gs[i].usage < sub || gs[i].usage > sub + slack)
			fail(f, "%s/%s: usage %" PRIu64 ", the subtree owns %" PRIu64
			     " (stock slack %" PRIu64 ")", f->dir[m], gs[i].path,
			     gs[i].usage, sub, slack);
	}
}

/* A remount may have changed a hierarchy's policy: read it back. */
/* Is @opt one of the comma-separated options in @opts? */
static bool has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	const char *p;

	for (p = opts; (p = strstr(p, opt)); p += n)
		if ((p == opts || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/*
 * The pages a hierarchy mounted with @opts (as /proc/mounts shows them) may
 * keep in per-cpu stock per group: strict and locked keep none, any other
 * policy up to its batch.
 */
static unsigned int stock_batch(const char *opts, bool *exact)
{
	const char *b = strstr(opts, "batch=");

	*exact = has_opt(opts, "policy=strict") || has_opt(opts, "policy=locked");
	return *exact ? 0 : b ? (unsigned int)atoi(b + 6) : 64;
}

/* Calls @fn for every memcglab mount in /proc/mounts. */
static void for_each_mount(void (*fn)(void *data, const char *dir, const char *opts),
			   void *data)
{
	char dev[64], dir[MLAB_PATH_MAX], type[32], opts[256];
	FILE *fp = fopen("/proc/mounts", "r");

	while (fp && fscanf(fp, "%63s %511s %31s %255s %*d %*d", dev, dir, type,
			    opts) == 4)
		if (!strcmp(type, "memcglab"))
			fn(data, dir, opts);
	if (fp)
		fclose(fp);
}

static void refresh_one(void *data, const char *dir, const char *opts)
{
	struct fuzz *f = data;
	int m;

	for (m = 0; m < NR_MOUNTS; m++) {
		if (strcmp(dir, f->dir[m]))
			continue;
		f->batch[m] = stock_batch(opts, &f->exact[m]);
		f->swap[m] = strstr(opts, ",swap=") != NULL;
	}
}

static void refresh_opts(struct fuzz *f)
{
	for_each_mount(refresh_one, f);
}

struct orphans {
	struct fuzz *f;
	struct mlab_nl *nl;
	char dir[8][MLAB_PATH_MAX];
	int n;
};

static void orphan_one(void *data, const char *dir, const char *opts)
{
	struct orphans *o = data;
	struct mlab_group_info g;
	struct mlab_group_ref ref;
	uint64_t slack;
	bool exact;
	int m;

	for (m = 0; m < NR_MOUNTS; m++)
		if (!strcmp(dir, o->f->dir[m]))
			return;
	if (strncmp(dir, "/tmp/mlab.", 10))
		return;		/* not the fuzzer's */
	/* Its owner died with it: at most the root's own stock is left. */
	slack = (uint64_t)stock_batch(opts, &exact) * PAGE *
		(uint64_t)sysconf(_SC_NPROCESSORS_CONF);
	if (!mlab_group_ids(dir, &ref.hier, &ref.id) &&
	    !mlab_nl_group_get(o->nl, &ref, &g) && g.usage > slack)
		fail(o->f, "%s (left by a killed mountcycle): the root still has %"
		     PRIu64 " bytes (stock slack %" PRIu64 ")", dir, g.usage, slack);
	if (o->n < (int)ARRAY_SIZE(o->dir))
		snprintf(o->dir[o->n++], MLAB_PATH_MAX, "%s", dir);
}

static void count_one(void *data, const char *dir, const char *opts)
{
	(void)dir;
	(void)opts;
	(*(int *)data)++;
}

static int count_mounts(void)
{
	int n = 0;

	for_each_mount(count_one, &n);
	return n;
}

/*
 * A worker killed between the mount and the unmount of a mountcycle leaves
 * its private hierarchy mounted (the workers share the mount namespace), and
 * that mount keeps the module.  Check that nothing is left charged in it
 * (the killed worker's descriptor gave everything back), then unmount it.
 */
static void reap_orphan_mounts(struct fuzz *f, struct mlab_nl *nl)
{
	struct orphans o = { .f = f, .nl = nl };
	int i, err;

	do {
		o.n = 0;
		for_each_mount(orphan_one, &o);
		for (i = 0; i < o.n; i++) {
			err = mlab_umount(o.dir[i], false);
			if (err)
				fail(f, "umount %s (left by a killed mountcycle): %s",
				     o.dir[i], strerror(-err));
			else
				f->orphan_mounts++;
		}
	} while (o.n == (int)ARRAY_SIZE(o.dir) && !f->why[0]);
}

/* Has worker @pid exited?  Peeks: the main loop reaps it. */
static bool worker_gone(pid_t pid)
{
	siginfo_t info = { 0 };

	return pid <= 0 ||
	       (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		info.si_pid == pid);
}

/*
 * Wait up to @ms for every live worker to be paused (@gen < 0) or to have
 * answered report @gen.  False on a timeout or when a worker died meanwhile.
 */
static bool workers_wait(struct fuzz *f, pid_t *pids, int gen, int ms)
{
	struct shared *sh = f->sh;
	int i, done;

	for (; ms > 0; ms--) {
		for (done = 0, i = 0; i < f->workers; i++) {
			if (worker_gone(pids[i]))
				return false;
			done += gen < 0 ?
				__atomic_load_n(&sh->paused_w[i], __ATOMIC_SEQ_CST) :
				__atomic_load_n(&sh->reported_w[i], __ATOMIC_SEQ_CST) == gen;
		}
		if (done == f->workers)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Pause every worker, have them report, check, resume.  A worker that
 * cannot pause in time (asleep in a charge) or dies meanwhile makes this
 * checkpoint a skip, not a failure.
 */
static bool checkpoint(struct fuzz *f, pid_t *pids, struct mlab_nl *nl)
{
	struct shared *sh = f->sh;
	bool ok;
	int gen;

	__atomic_store_n(&sh->pause, 1, __ATOMIC_SEQ_CST);
	ok = workers_wait(f, pids, -1, 5000);
	if (ok) {
		gen = __atomic_add_fetch(&sh->report_gen, 1, __ATOMIC_SEQ_CST);
		ok = workers_wait(f, pids, gen, 5000);
	}
	if (ok) {
		refresh_opts(f);
		for (gen = 0; gen < NR_MOUNTS; gen++)
			check_mount(f, gen, nl, false);
	}
	check_kmsg(f);
	__atomic_store_n(&sh->pause, 0, __ATOMIC_SEQ_CST);
	return ok;
}

/* --- the run ---------------------------------------------------------------- */

static int setup(struct fuzz *f, uint64_t seed)
{
	int m, err;

	f->sh = mmap(NULL, sizeof(*f->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f->sh == MAP_FAILED)
		return -errno;
	memset(f->sh, 0, sizeof(*f->sh));
	/* Orphaned chargers of a dead worker become ours to kill and reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	err = mlab_ensure_module();
	if (err)
		return err;
	f->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (f->kmsg >= 0)
		lseek(f->kmsg, 0, SEEK_END);
	for (m = 0; m < NR_MOUNTS; m++) {
		const char *p;

		if (!f->opts[m][0]) {
			p = policies[(seed >> (8 * m)) % ARRAY_SIZE(policies)];
			/* half the seeds give a hierarchy a swap device */
			snprintf(f->opts[m], sizeof(f->opts[m]), "%spolicy=%s%s%s",
				 m ? "v1," : "", p, !strcmp(p, "batched") ? ",batch=16" : "",
				 (seed >> (16 + m)) & 1 ? ",swap=32M" : "");
		}
		err = mlab_mount(f->opts[m], f->dir[m]);
		if (err)
			return err;
	}
	refresh_opts(f);
	return 0;
}

/* Remove every group, deepest first; 0 or the first error. */
static int remove_groups(struct fuzz *f, int m)
{
	struct gstate gs[MAX_GROUPS];
	char dir[MLAB_PATH_MAX];
	int n, i, err = 0;

	n = walk(f, m, "", -1, gs, 0);
	for (i = n - 1; i > 0; i--) {
		group_dir(f, m, gs[i].path, dir);
		if (rmdir(dir) < 0 && !err) {
			err = -errno;
			fail(f, "rmdir %s after every owner went away: %s", dir,
			     strerror(errno));
		}
	}
	return err;
}

/*
 * A worker is gone (the lab's OOM killer, or the end): so must be the
 * chargers it forked, whose descriptors nobody reports.  The parent is
 * their subreaper, so it can kill and reap the whole process group.
 */
static void reap_group(struct fuzz *f, pid_t pgid)
{
	int tries;

	for (tries = 0; tries < 500; tries++) {
		pid_t pid;

		kill(-pgid, SIGKILL);
		while ((pid = waitpid(-pgid, NULL, WNOHANG)) > 0)
			;
		if (pid < 0 && errno == ECHILD)
			return;
		usleep(10000);
	}
	fail(f, "a process of worker group %d survives SIGKILL: a hang", pgid);
}

/* Start a worker in a process group of its own. */
static pid_t start_worker(struct fuzz *f, int id, int gen, uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_fuzz(f, id, gen, seed);
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/* Stop the workers: ask, then raise every limit (a parked charger), then
 * SIGKILL; a worker that survives SIGKILL is a hang. */
static void stop_workers(struct fuzz *f, pid_t *pids)
{
	int i, status, tries;

	__atomic_store_n(&f->sh->stop, 1, __ATOMIC_SEQ_CST);
	for (tries = 0; tries < 400; tries++) {
		bool any = false;

		for (i = 0; i < f->workers; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				reap_group(f, pids[i]);
				pids[i] = 0;
			} else {
				any = true;
			}
		}
		if (!any)
			return;
		if (tries == 200)
			for (i = 0; i < f->workers; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
		usleep(10000);
	}
	for (i = 0; i < f->workers; i++)
		if (pids[i] > 0)
			fail(f, "worker %d (pid %d) survives SIGKILL: a hang", i, pids[i]);
}

/* Everything gone: owned 0, groups removable, usage 0, unmount, rmmod. */
static void teardown(struct fuzz *f, struct mlab_nl *nl, bool rmmod)
{
	struct mlab_group_info g;
	struct mlab_group_ref ref;
	uint64_t slack;
	int m, tries;

	/* No worker is left: no descriptor holds anything. */
	memset(f->sh->held, 0xff, sizeof(f->sh->held));
	for (m = 0; m < NR_MOUNTS; m++) {
		check_mount(f, m, nl, true);
		remove_groups(f, m);
		/*
		 * The root of an emptied hierarchy is back at 0, but for what a
		 * stocking policy may still cache for the root itself (removing
		 * the groups drained theirs).
		 */
		refresh_opts(f);
		slack = f->exact[m] ? 0 : (uint64_t)f->batch[m] * PAGE *
			(uint64_t)sysconf(_SC_NPROCESSORS_CONF);
		if (!mlab_group_ids(f->dir[m], &ref.hier, &ref.id) &&
		    !mlab_nl_group_get(nl, &ref, &g) && g.usage > slack)
			fail(f, "%s: the root still has %" PRIu64 " bytes once emptied "
			     "(stock slack %" PRIu64 ")", f->dir[m], g.usage, slack);
	}
	reap_orphan_mounts(f, nl);
	mlab_nl_close(nl);
	for (m = 0; m < NR_MOUNTS; m++) {
		int err = mlab_umount(f->dir[m], false);

		if (err)
			fail(f, "umount %s: %s", f->dir[m], strerror(-err));
	}
	check_kmsg(f);
	if (!rmmod)
		return;
	/*
	 * The last references of killed processes' files go away in deferred
	 * work (and with them lazy unmounts), so give rmmod up to 5 s; a
	 * reference that outlives that is a leak.
	 */
	for (tries = 0; tries < 50; tries++) {
		if (!syscall(SYS_delete_module, "memcglab", O_NONBLOCK)) {
			mlab_ensure_module();
			return;
		}
		if (errno != EAGAIN && errno != EBUSY)
			break;
		usleep(100000);
	}
	{
		int e = errno;
		char ref[32] = "?";
		FILE *fp = fopen("/sys/module/memcglab/refcnt", "r");

		if (fp) {
			if (!fgets(ref, sizeof(ref), fp))
				snprintf(ref, sizeof(ref), "?");
			ref[strcspn(ref, "\n")] = 0;
			fclose(fp);
		}
		fail(f, "rmmod after teardown: %s (refcnt %s, %d memcglab mounts left)",
		     strerror(e), ref, count_mounts());
	}
}

/* --- the log ------------------------------------------------------------- */

struct oplog {
	char header[NR_MOUNTS][64];
	int workers;
	char **lines[MAX_WORKERS];
	int n[MAX_WORKERS];
};

static void oplog_free(struct oplog *l)
{
	int i, j;

	for (i = 0; i < MAX_WORKERS; i++) {
		for (j = 0; j < l->n[i]; j++)
			free(l->lines[i][j]);
		free(l->lines[i]);
	}
	memset(l, 0, sizeof(*l));
}

/* Read a log: "# opfuzz 1 workers=N" and "# mount M OPTS" header lines,
 * then "WI.G OP... = R" lines.  Generations of a worker run in order. */
static int oplog_read(const char *file, struct oplog *l)
{
	char line[LINE_MAX_LEN + 64], *eq;
	FILE *fp = fopen(file, "r");
	int id, gen, m, used;

	memset(l, 0, sizeof(*l));
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "# opfuzz 1 workers=%d", &l->workers) == 1)
			continue;
		if (sscanf(line, "# mount %d %n", &m, &used) == 1 && m >= 0 && m < NR_MOUNTS) {
			snprintf(l->header[m], sizeof(l->header[m]), "%s", line + used);
			l->header[m][strcspn(l->header[m], "\n")] = 0;
			continue;
		}
		if (line[0] != 'W' || sscanf(line, "W%d.%d %n", &id, &gen, &used) != 2 ||
		    id < 0 || id >= MAX_WORKERS)
			continue;
		eq = strrchr(line, '=');
		if (eq && eq > line + used + 1 && eq[-1] == ' ')
			eq[-1] = 0;
		l->lines[id] = realloc(l->lines[id], sizeof(char *) * (size_t)(l->n[id] + 1));
		l->lines[id][l->n[id]++] = strdup(line + used);
		if (id >= l->workers)
			l->workers = id + 1;
	}
	fclose(fp);
	return l->workers > 0 && l->header[0][0] && l->header[1][0] ? 0 : -EINVAL;
}

static void oplog_write(const struct oplog *l, const char *file, FILE *also)
{
	FILE *fp = file ? fopen(file, "w") : NULL;
	FILE *out[2] = { fp, also };
	int i, j, m, o;

	for (o = 0; o < 2; o++) {
		if (!out[o])
			continue;
		fprintf(out[o], "%s# opfuzz 1 workers=%d\n", o ? "# " : "", l->workers);
		for (m = 0; m < NR_MOUNTS; m++)
			fprintf(out[o], "%s# mount %d %s\n", o ? "# " : "", m, l->header[m]);
		for (i = 0; i < l->workers; i++)
			for (j = 0; j < l->n[i]; j++)
				fprintf(out[o], "%sW%d.0 %s\n", o ? "# " : "", i, l->lines[i][j]);
	}
	if (fp)
		fclose(fp);
}

/* --- modes ----------------------------------------------------------------- */

static void print_results(struct fuzz *f)
{
	unsigned long total = 0, *r = f->sh->results;
	int i;

	for (i = 0; i < f->workers; i++)
		total += f->sh->ops[i];
	printf("# %lu operations: ok %lu, ENOMEM %lu, EINVAL %lu, EBUSY %lu, "
	       "ENOENT %lu, ENODEV %lu, other %lu\n", total, r[0], r[1], r[2],
	       r[3], r[4], r[5], r[6]);
}

static void write_header(struct fuzz *f)
{
	char buf[256];
	int m, n;

	n = snprintf(buf, sizeof(buf), "# opfuzz 1 workers=%d\n", f->workers);
	for (m = 0; m < NR_MOUNTS; m++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "# mount %d %s\n", m, f->opts[m]);
	if (write(f->logfd, buf, (size_t)n) < 0)
		fail(f, "op log: %s", strerror(errno));
}

/* Fuzz for secs seconds; 0 when every invariant held. */
static int fuzz_run(struct fuzz *f, uint64_t seed, int secs)
{
	pid_t pids[MAX_WORKERS] = { 0 };
	int gens[MAX_WORKERS] = { 0 };
	struct timespec start, now;
	uint64_t prng = seed;
	struct mlab_nl nl;
	int i, status, checks = 0, skipped = 0, deaths = 0;

	if (setup(f, seed)) {
		fail(f, "setup: %s", strerror(errno));
		return 1;
	}
	write_header(f);
	if (mlab_nl_open(&nl)) {
		fail(f, "netlink: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < f->workers; i++)
		pids[i] = start_worker(f, i, 0, rnd_next(&prng));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= secs || f->why[0])
			break;
		usleep(200000 + rnd(&prng, 800000));
		/* A worker the lab's OOM killer ended: count it, start another. */
		for (i = 0; i < f->workers; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				deaths++;
				reap_group(f, pids[i]);
				memset(f->sh->held[i], 0xff, sizeof(f->sh->held[i]));
				f->sh->paused_w[i] = 0;
				f->sh->reported_w[i] = 0;
				pids[i] = start_worker(f, i, ++gens[i], rnd_next(&prng));
			}
		}
		if (checkpoint(f, pids, &nl))
			checks++;
		else
			skipped++;
	}
	stop_workers(f, pids);
	printf("# seed %" PRIu64 ": %d checkpoints (%d skipped: a worker asleep in a charge or ended meanwhile), "
	       "%d workers ended by a signal\n", seed, checks, skipped, deaths);
	print_results(f);
	teardown(f, &nl, true);
	printf("# %d private mounts left by workers killed mid-mountcycle, "
	       "checked and unmounted\n", f->orphan_mounts);
	return f->why[0] ? 1 : 0;
}

/* Replay a log once; 0 when every invariant held. */
static int replay_once(struct oplog *l, char *why, size_t whylen)
{
	pid_t pids[MAX_WORKERS] = { 0 };
	struct fuzz f;
	struct mlab_nl nl;
	int i, m, tries;

	memset(&f, 0, sizeof(f));
	f.workers = l->workers;
	for (m = 0; m < NR_MOUNTS; m++)
		snprintf(f.opts[m], sizeof(f.opts[m]), "%s", l->header[m]);
	f.logfd = open("/dev/null", O_WRONLY);
	if (setup(&f, 0) || mlab_nl_open(&nl)) {
		snprintf(why, whylen, "setup: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < f.workers; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			worker_replay(&f, i, l->lines[i], l->n[i]);
		if (pids[i] > 0)
			setpgid(pids[i], pids[i]);
	}
	for (tries = 0; tries < 3000; tries++) {	/* 30 s */
		bool all = true;

		for (i = 0; i < f.workers; i++)
			all &= f.sh->done[i] || pids[i] <= 0 ||
				waitpid(pids[i], NULL, WNOHANG) == pids[i];
		if (all)
			break;
		usleep(10000);
	}
	checkpoint(&f, pids, &nl);
	stop_workers(&f, pids);
	teardown(&f, &nl, false);
	close(f.logfd);
	munmap(f.sh, sizeof(*f.sh));
	if (f.kmsg >= 0)
		close(f.kmsg);
	snprintf(why, whylen, "%s", f.why);
	return f.why[0] ? 1 : 0;
}

/* Drop chunks of each worker's operations while the failure reproduces. */
static void minimize(struct oplog *l, int secs)
{
	time_t end = time(NULL) + secs;
	char why[512];
	int w, chunk, i, j;

	for (w = 0; w < l->workers; w++) {
		for (chunk = l->n[w] / 2; chunk >= 1 && time(NULL) < end; chunk /= 2) {
			for (i = 0; i + chunk <= l->n[w] && time(NULL) < end;) {
				char **save = malloc(sizeof(char *) * (size_t)l->n[w]);
				int n = l->n[w];

				memcpy(save, l->lines[w], sizeof(char *) * (size_t)n);
				memmove(&l->lines[w][i], &l->lines[w][i + chunk],
					sizeof(char *) * (size_t)(n - i - chunk));
				l->n[w] = n - chunk;
				if (replay_once(l, why, sizeof(why))) {
					for (j = i; j < i + chunk; j++)
						free(save[j]);	/* still fails without them */
				} else {
					memcpy(l->lines[w], save, sizeof(char *) * (size_t)n);
					l->n[w] = n;
					i += chunk;
				}
				free(save);
			}
		}
	}
}

static int mode_replay(const char *file)
{
	struct oplog l;
	char why[512];
	int ret;

	if (oplog_read(file, &l)) {
		fprintf(stderr, "opfuzz: %s: not an op log\n", file);
		return 2;
	}
	ret = replay_once(&l, why, sizeof(why));
	printf("%s: %s\n", file, ret ? why : "every invariant held");
	oplog_free(&l);
	return ret;
}

static int mode_minimize(const char *file, const char *out, int secs)
{
	struct oplog l;
	char why[512];
	int before = 0, after = 0, i;

	if (oplog_read(file, &l)) {
		fprintf(stderr, "opfuzz: %s: not an op log\n", file);
		return 2;
	}
	if (!replay_once(&l, why, sizeof(why))) {
		printf("%s: does not fail on replay; nothing to minimise\n", file);
		oplog_free(&l);
		return 1;
	}
	for (i = 0; i < l.workers; i++)
		before += l.n[i];
	minimize(&l, secs);
	for (i = 0; i < l.workers; i++)
		after += l.n[i];
	printf("minimised %d operations to %d: %s\n", before, after, why);
	oplog_write(&l, out, out ? NULL : stdout);
	oplog_free(&l);
	return 0;
}

/*
 * The log is only as good as its text form: every generated op must print,
 * parse back and print again to the same line.  0, or 1 with the culprit.
 */
static int roundtrip(uint64_t seed, int n)
{
	char a[LINE_MAX_LEN], b[LINE_MAX_LEN];
	struct op op, back;
	int i;

	for (i = 0; i < n; i++) {
		op_generate(&seed, &op, (unsigned int)seed & 0x3f);
		op_format(&op, a, sizeof(a));
		if (op_parse(a, &back) || (op_format(&back, b, sizeof(b)), strcmp(a, b)) ||
		    back.len != op.len || memcmp(back.str, op.str, op.len)) {
			printf("# op text does not round-trip: %s\n", a);
			return 1;
		}
	}
	return 0;
}

/*
 * A checker that never fails proves nothing.  Plant a lie (a worker that
 * under-reports what one descriptor holds by a page) among harmless
 * operations: a replay must catch it, and the minimiser must cut the log
 * down to the four operations that matter.  0 when it does.
 */
static int check_the_checker(void)
{
	static const char * const script[] = {
		"mkdir 0 b - 0 0 0 0 \"\"", "read 0 - memory.stat 0 0 0 0 \"\"",
		"mkdir 0 a - 0 0 0 0 \"\"", "nl-get 0 b - 0 0 0 0 \"\"",
		"open 0 b - 1 0 0 0 \"\"", "charge 0 b - 1 0 0 0 \"64k\"",
		"open 0 a - 2 0 0 0 \"\"", "read 1 - memory.stat 0 0 0 0 \"\"",
		"write 0 b memory.max 0 0 0 0 \"8M\"", "charge 0 a - 2 0 0 0 \"1M\"",
		"close 0 - - 1 0 0 0 \"\"", "mkdir 1 c - 0 0 0 0 \"\"",
		"lie 0 - - 2 4096 0 0 \"\"", "read 0 a memory.current 0 0 0 0 \"\"",
		"nl-dump 0 - - 0 0 0 0 \"\"", "rmdir 1 c - 0 0 0 0 \"\"",
	};
	struct oplog l;
	char why[512];
	int i, n = (int)ARRAY_SIZE(script);

	memset(&l, 0, sizeof(l));
	l.workers = 1;
	snprintf(l.header[0], sizeof(l.header[0]), "policy=strict");
	snprintf(l.header[1], sizeof(l.header[1]), "v1,policy=locked");
	l.lines[0] = calloc((size_t)n, sizeof(char *));
	for (i = 0; i < n; i++)
		l.lines[0][i] = strdup(script[i]);
	l.n[0] = n;
	if (!replay_once(&l, why, sizeof(why))) {
		printf("# the planted lie went unnoticed\n");
		oplog_free(&l);
		return 1;
	}
	printf("# caught: %s\n", why);
	minimize(&l, 120);
	printf("# minimised %d operations to %d:\n", n, l.n[0]);
	oplog_write(&l, NULL, stdout);
	i = l.n[0] == 4 && strstr(l.lines[0][3], "lie") ? 0 : 1;
	oplog_free(&l);
	return i;
}

static int default_seconds(void)
{
	const char *env = getenv("MEMCGLAB_FUZZ_SECONDS");
	char buf[32];
	FILE *fp;

	if (env)
		return atoi(env);
	fp = fopen("fuzz_seconds", "r");
	if (fp && fgets(buf, sizeof(buf), fp)) {
		fclose(fp);
		return atoi(buf);
	}
	if (fp)
		fclose(fp);
	return 60;
}

/* The kselftest entry and `run`: TAP, and on failure the reproducer. */
static int mode_run(uint64_t seed, int secs, int workers, const char *out)
{
	char logname[MLAB_PATH_MAX], tail[8192];
	struct fuzz f;
	int ret, fd, n, bad;

	memset(&f, 0, sizeof(f));
	f.workers = workers;
	snprintf(logname, sizeof(logname), "%s", out ? out : "/tmp/opfuzz-XXXXXX");
	if (out)
		f.logfd = open(logname, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	else
		f.logfd = mkstemp(logname);
	printf("TAP version 13\n1..2\n");
	bad = check_the_checker();
	printf("%sok 1 opfuzz catches and minimises a planted failure\n", bad ? "not " : "");
	if (roundtrip(seed, 100000)) {
		printf("not ok 2 opfuzz: the op log format\n");
		return 1;
	}
	if (f.logfd < 0 || (!out && fcntl(f.logfd, F_SETFL, O_APPEND) < 0)) {
		printf("not ok 2 opfuzz: op log %s: %s\n", logname, strerror(errno));
		return 1;
	}
	printf("# opfuzz: seed %" PRIu64 ", %d s, %d workers, log %s\n", seed, secs,
	       workers, logname);
	fflush(stdout);
	ret = fuzz_run(&f, seed, secs);
	close(f.logfd);
	if (!ret) {
		printf("ok 2 opfuzz seed %" PRIu64 "\n", seed);
		if (!out)
			unlink(logname);
		return bad;
	}
	printf("# FAILED: %s\n# seed %" PRIu64 "; the op log is %s; its tail:\n",
	       f.why, seed, logname);
	fd = open(logname, O_RDONLY);
	if (fd >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);

		lseek(fd, size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0,
		      SEEK_SET);
		n = (int)read(fd, tail, sizeof(tail) - 1);
		close(fd);
		if (n > 0) {
			char *line, *save = NULL;

			tail[n] = 0;
			for (line = strtok_r(tail, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				printf("#   %s\n", line);
		}
	}
	printf("# minimising (60 s at most):\n");
	fflush(stdout);
	mode_minimize(logname, NULL, 60);
	printf("not ok 2 opfuzz seed %" PRIu64 "\n", seed);
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 && argv[1][0] != '-' ? argv[1] : "run";
	const char *out = NULL, *env = getenv("MEMCGLAB_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
	int secs = -1, workers = 4, opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "roundtrip"))
		return roundtrip(seed, 1000000);
	if (strcmp(mode, "run") && strcmp(mode, "replay") && strcmp(mode, "minimize")) {
		fprintf(stderr, "usage: opfuzz_test [run] [-s SEED] [-t SECONDS] [-w WORKERS] [-o LOG]\n"
				"       opfuzz_test replay LOG\n"
				"       opfuzz_test minimize LOG [-t SECONDS] [-o OUT]\n");
		return 2;
	}
	optind = argc > 1 && argv[1][0] != '-' ? 2 : 1;
	if (!strcmp(mode, "replay") || !strcmp(mode, "minimize"))
		optind++;
	while ((opt = getopt(argc, argv, "s:t:w:o:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': secs = atoi(optarg); break;
		case 'w': workers = atoi(optarg); break;
		case 'o': out = optarg; break;
		default: return 2;
		}
	}
	if (workers < 1 || workers > MAX_WORKERS) {
		fprintf(stderr, "opfuzz: -w takes 1 to %d\n", MAX_WORKERS);
		return 2;
	}
	if (!strcmp(mode, "replay"))
		return argc > 2 ? mode_replay(argv[2]) : 2;
	if (!strcmp(mode, "minimize"))
		return argc > 2 ? mode_minimize(argv[2], out, secs < 0 ? 60 : secs) : 2;
	return mode_run(seed, secs < 0 ? default_seconds() : secs, workers, out);
}
