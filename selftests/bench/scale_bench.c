// SPDX-License-Identifier: GPL-2.0
/*
 * scale_bench.c - how the lab's costs grow with the hierarchy, beside the
 * real cgroup v2 memcg in the same boot (the guest half of `make bench`).
 *
 * For every size N and shape (flat: N children of one group; tree: fanout
 * 10, parents first) it times, per group, on the lab and on the memcg side
 * by side (interleaved chunk by chunk, see groups_point()): mkdir; the
 * memory each group costs (Slab + Percpu of /proc/meminfo before and after,
 * the allocators' own accounting); reading every group's memory.stat; a
 * "dump" of what every group holds (the lab: one netlink GROUP_GET dump;
 * the memcg: reading the same values from every group's files); rmdir
 * (children first; after each turn the deferred teardown of both sides is
 * waited out, untimed, see side_settle()).  The memcg stops at
 * MEMCG_MAX_GROUPS.  The lab alone
 * also gets: a GROUP_GET of the deepest group (effective protection is
 * computed along its path) and a charge and uncharge of one page at a
 * leaf.  Then, for the lab: a charge at the leaf of a chain of depth D, and
 * a charge with K other owners alive.
 *
 * Each result is one line "memcglab-scale: {json}" on stdout for
 * scale_report.py: "per" is the cost per group (the median over the
 * chunks of a step) or per operation (the fastest round), "total_ns" the
 * step's whole time.  Times come from CLOCK_MONOTONIC.
 *
 *   scale_bench [-n "1000 10000"] [-d "1 10 100 300 1000"] [-k "1 100 1000 10000"]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mlab.h"

#define CG2	"/sys/fs/cgroup"
#define FANOUT	10
#define REPS	2000	/* charge+uncharge pairs per charge point */
/*
 * Points the lab has alone are timed in ROUNDS rounds and the fastest
 * round counts: the guest is emulated on a shared host, where one stall of
 * the host (100 ms is common) would otherwise swamp a short point.
 */
#define ROUNDS	5
#define CHUNK	100	/* groups per turn of the interleaved loops */
/*
 * MEM_CGROUP_ID_MAX is 65535 and ids of dying memcgs stay taken for a
 * while: the real memcg is measured up to here, the lab beyond.
 */
#define MEMCG_MAX_GROUPS 60000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per charge (or uncharge) of one page on fd: the fastest of ROUNDS. */
static double charge_ns(int fd)
{
	double best = 0, t0, t;
	int r, k;

	for (r = 0; r < ROUNDS; r++) {
		t0 = now_ns();
		for (k = 0; k < REPS / ROUNDS; k++)
			if (mlab_charge(fd, "4k") || mlab_charge(fd, "-4k"))
				return -1;
		t = (now_ns() - t0) / (2 * (REPS / ROUNDS));
		if (!r || t < best)
			best = t;
	}
	return best;
}

static void emit(const char *target, const char *shape, long n, const char *op,
		 double per, double total)
{
	printf("memcglab-scale: {\"target\": \"%s\", \"shape\": \"%s\", \"n\": %ld, "
	       "\"op\": \"%s\", \"per\": %.1f, \"total_ns\": %.0f}\n",
	       target, shape, n, op, per, total);
	fflush(stdout);
}

/* Slab + Percpu (or Percpu alone) from /proc/meminfo, in bytes. */
static long long meminfo_bytes(bool slab)
{
	char line[256];
	long long kb, sum = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if ((slab && sscanf(line, "Slab: %lld kB", &kb) == 1) ||
		    sscanf(line, "Percpu: %lld kB", &kb) == 1)
			sum += kb * 1024;
	if (f)
		fclose(f);
	return sum;
}

static long long kernel_mem(void)
{
	return meminfo_bytes(true);
}

/*
 * The paths of n groups below base, parents first: flat is base/gI, tree
 * numbers groups breadth-first with FANOUT children each.
 */
static char **make_paths(const char *base, long n, bool tree)
{
	char **p = calloc((size_t)n, sizeof(char *));
	long i;

	for (i = 0; i < n && p; i++) {
		char buf[MLAB_PATH_MAX];

		if (!tree || i < FANOUT)
			snprintf(buf, sizeof(buf), "%s/g%ld", base, i);
		else
			snprintf(buf, sizeof(buf), "%.400s/g%ld", p[i / FANOUT - 1], i);
		p[i] = strdup(buf);
	}
	return p;
}

static void free_paths(char **p, long n)
{
	long i;

	for (i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

/* Enable the memory controller for the children of every inner group. */
static int memcg_subtree(const char *dir)
{
	char p[MLAB_PATH_MAX];

	return mlab_write(mlab_path(p, dir, "cgroup.subtree_control"), "+memory");
}

static int count_group(const struct mlab_group_info *gi, void *data)
{
	(void)gi;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/*
 * One hierarchy under test: the lab's or the memcg's copy of the same tree.
 * Its costs are summed over the chunks (see groups_point()).
 */
/*
 * A step's cost over its chunks: the total, and every chunk's cost per
 * group, whose median is the point's result (a host stall inflates one
 * chunk, not the median).
 */
struct acc {
	double sum;
	double *per;
	int n;
};

static void acc_add(struct acc *a, double t, long groups)
{
	a->sum += t;
	a->per[a->n++] = t / groups;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double acc_median(struct acc *a)
{
	if (!a->n)
		return 0;
	qsort(a->per, a->n, sizeof(double), cmp_double);
	return a->n % 2 ? a->per[a->n / 2] :
	       (a->per[a->n / 2 - 1] + a->per[a->n / 2]) / 2;
}

struct side {
	const char *target;
	const char *base;
	bool lab;
	char **p;
	struct acc mkdir_ns, stat_ns, rmdir_ns;
	double dump_ns;
	double settle_ns;	/* waiting for what rmdir deferred, untimed */
	long long mem;
};

static int side_mkdir(struct side *s, long from, long to, long n, bool tree)
{
	long long mem0 = kernel_mem();
	double t0 = now_ns();
	long i;

	for (i = from; i < to; i++) {
		if (mkdir(s->p[i], 0755) < 0) {
			fprintf(stderr, "scale: mkdir %s: %s\n", s->p[i], strerror(errno));
			return -errno;
		}
		/* A real inner group needs +memory for its children's files. */
		if (!s->lab && tree && i < n / FANOUT && memcg_subtree(s->p[i]))
			return -errno;
	}
	acc_add(&s->mkdir_ns, now_ns() - t0, to - from);
	s->mem += kernel_mem() - mem0;
	return 0;
}

static int side_read_stat(struct side *s, long from, long to)
{
	char buf[8192], f[MLAB_PATH_MAX];
	double t0 = now_ns();
	long i;

	for (i = from; i < to; i++)
		if (mlab_read(mlab_path(f, s->p[i], "memory.stat"), buf, sizeof(buf)) < 0)
			return -errno;
	acc_add(&s->stat_ns, now_ns() - t0, to - from);
	return 0;
}

/*
 * After a turn of rmdirs, wait for what they deferred before the other
 * side's turn: the memcg offlines a removed memcg on a workqueue and frees
 * it after RCU grace periods (its ancestors' cgroup.stat counts it in
 * nr_dying_descendants until then), the lab frees a removed group's inodes
 * and state after a grace period. Left running, one side's deferred
 * teardown would be timed as part of the other side's turn. The wait is
 * not in rmdir's cost; it is reported beside it (rmdir_settle).
 */
static void side_settle(struct side *s)
{
	double t0 = now_ns();
	char path[MLAB_PATH_MAX], buf[4096], *p;
	int i;

	/* synchronize_rcu(), and a moment for the callbacks it let run */
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	usleep(10000);
	snprintf(path, sizeof(path), "%s/cgroup.stat", s->base);
	for (i = 0; !s->lab && i < 500; i++) {
		if (mlab_read(path, buf, sizeof(buf)) < 0)
			break;
		p = strstr(buf, "nr_dying_descendants ");
		if (!p || !strtol(p + strlen("nr_dying_descendants "), NULL, 10))
			break;
		usleep(10000);
	}
	s->settle_ns += now_ns() - t0;
}

static int side_rmdir(struct side *s, long from, long to)
{
	double t0 = now_ns();
	long i;

	for (i = to - 1; i >= from; i--) {
		if (rmdir(s->p[i]) < 0) {
			fprintf(stderr, "scale: rmdir %s: %s\n", s->p[i], strerror(errno));
			return -errno;
		}
	}
	acc_add(&s->rmdir_ns, now_ns() - t0, to - from);
	side_settle(s);
	return 0;
}

/* The files a group's netlink dump entry carries (struct mlab_group_info). */
static const char *const dump_files[] = {
	"memory.current", "memory.max", "memory.high", "memory.low",
	"memory.min", "memory.peak", "memory.events", "memory.events.local",
};

/*
 * What the netlink dump tells about every group, the memcg's way: read
 * each group's files.  The lab's side is the dump itself.
 */
static int side_dump(struct side *s, long n)
{
	char buf[1024], f[MLAB_PATH_MAX];
	double t0 = now_ns(), t;
	size_t j;
	long i;

	if (s->lab) {
		struct mlab_group_ref ref;
		struct mlab_nl nl;
		int k = 0;

		if (mlab_nl_open(&nl) || mlab_group_ids(s->base, &ref.hier, &ref.id))
			return -errno;
		t0 = now_ns();
		if (mlab_nl_group_dump(&nl, &ref, count_group, &k) < 0)
			return -EIO;
		t = now_ns() - t0;
		mlab_nl_close(&nl);
		if (k != n + 1)
			fprintf(stderr, "scale: dump of %s: %d groups, not %ld\n",
				s->base, k, n + 1);
	} else {
		for (i = 0; i < n; i++)
			for (j = 0; j < sizeof(dump_files) / sizeof(dump_files[0]); j++)
				if (mlab_read(mlab_path(f, s->p[i], dump_files[j]),
					      buf, sizeof(buf)) < 0)
					return -errno;
		t = now_ns() - t0;
	}
	if (!s->dump_ns || t < s->dump_ns)
		s->dump_ns = t;
	return 0;
}

/* The lab alone: protection along the deepest path, a charge at a leaf. */
static int lab_leaf_points(struct side *s, long n, const char *shape)
{
	struct mlab_group_info gi;
	struct mlab_group_ref ref;
	struct mlab_nl nl;
	double t0, t, best = 0;
	int fd, k, r;

	if (mlab_nl_open(&nl) || mlab_group_ids(s->p[n - 1], &ref.hier, &ref.id))
		return -errno;
	for (r = 0; r < ROUNDS; r++) {
		t0 = now_ns();
		for (k = 0; k < 20; k++)
			if (mlab_nl_group_get(&nl, &ref, &gi))
				return -EIO;
		t = (now_ns() - t0) / 20;
		if (!r || t < best)
			best = t;
	}
	emit("lab", shape, n, "get_leaf", best, best);
	mlab_nl_close(&nl);
	fd = mlab_charge_open(s->p[n - 1]);
	if (fd < 0)
		return fd;
	t = charge_ns(fd);
	close(fd);
	if (t < 0)
		return -EIO;
	emit("lab", shape, n, "charge_leaf", t, t);
	return 0;
}

/*
 * mkdir, memory, memory.stat reads, a dump and rmdir, for the lab and (up
 * to MEMCG_MAX_GROUPS) the memcg, interleaved: every step goes chunk by
 * chunk, the two hierarchies taking turns (and turns at going first), so
 * that the host's load, which drifts over seconds, falls on both alike and
 * the ratio of the two is meaningful even when the absolute times are not.
 */
static int groups_point(const char *lab, const char *memcg, long n, bool tree)
{
	const char *shape = tree ? "tree" : "flat";
	struct side sides[2] = {
		{ .target = "lab", .base = lab, .lab = true },
		{ .target = "memcg", .base = memcg },
	};
	int nsides = n <= MEMCG_MAX_GROUPS ? 2 : 1, k, err = 0;
	long from, to, chunk = n < 10 * CHUNK ? (n + 9) / 10 : CHUNK;

	for (k = 0; k < nsides; k++) {
		struct side *s = &sides[k];
		size_t nchunks = (size_t)(n / chunk + 1);

		s->p = make_paths(s->base, n, tree);
		s->mkdir_ns.per = calloc(nchunks, sizeof(double));
		s->stat_ns.per = calloc(nchunks, sizeof(double));
		s->rmdir_ns.per = calloc(nchunks, sizeof(double));
		if (!s->p || !s->mkdir_ns.per || !s->stat_ns.per || !s->rmdir_ns.per)
			return -ENOMEM;
	}
	/* Let the last point's deferred frees (RCU, offlining) settle. */
	sleep(2);
	for (from = 0; from < n && !err; from = to) {
		to = from + chunk < n ? from + chunk : n;
		for (k = 0; k < nsides && !err; k++)
			err = side_mkdir(&sides[(k + from / chunk) % nsides], from, to, n, tree);
	}
	for (from = 0; from < n && !err; from = to) {
		to = from + chunk < n ? from + chunk : n;
		for (k = 0; k < nsides && !err; k++)
			err = side_read_stat(&sides[(k + from / chunk) % nsides], from, to);
	}
	for (from = 0; from < 3 && !err; from++)
		for (k = 0; k < nsides && !err; k++)
			err = side_dump(&sides[(k + from) % nsides], n);
	if (!err)
		err = lab_leaf_points(&sides[0], n, shape);
	for (to = n; to > 0 && !err; to = from) {
		from = to - chunk > 0 ? to - chunk : 0;
		for (k = 0; k < nsides && !err; k++)
			err = side_rmdir(&sides[(k + from / chunk) % nsides], from, to);
	}
	if (err)
		return err;
	for (k = 0; k < nsides; k++) {
		struct side *s = &sides[k];

		emit(s->target, shape, n, "mkdir", acc_median(&s->mkdir_ns), s->mkdir_ns.sum);
		emit(s->target, shape, n, "bytes_per_group", (double)s->mem / n, 0);
		emit(s->target, shape, n, "read_stat", acc_median(&s->stat_ns), s->stat_ns.sum);
		emit(s->target, shape, n, "dump", s->dump_ns / n, s->dump_ns);
		emit(s->target, shape, n, "rmdir", acc_median(&s->rmdir_ns), s->rmdir_ns.sum);
		emit(s->target, shape, n, "rmdir_settle", s->settle_ns / n, s->settle_ns);
		free_paths(s->p, n);
		free(s->mkdir_ns.per);
		free(s->stat_ns.per);
		free(s->rmdir_ns.per);
	}
	if (nsides == 1)
		printf("memcglab-scale-note: %ld groups: the memcg stops at %d (mem_cgroup ids are 16-bit)\n",
		       n, MEMCG_MAX_GROUPS);
	return 0;
}

/*
 * A charge at the leaf of a chain of depth d (the lab alone).  Deep paths
 * outgrow PATH_MAX, so the chain is walked with chdir().
 */
static int depth_point(const char *base, long d)
{
	double t;
	long i;
	int fd, err = 0;

	if (chdir(base))
		return -errno;
	for (i = 0; i < d && !err; i++)
		if (mkdir("d", 0755) || chdir("d"))
			err = -errno;
	fd = err ? -1 : open("memcglab.charge", O_RDWR | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (!err) {
		t = charge_ns(fd);
		if (t < 0)
			err = -EIO;
		else
			emit("lab", "chain", d, "charge_depth", t, t);
		close(fd);
	}
	for (; i > 0; i--)
		if (chdir("..") || rmdir("d"))
			err = err ?: -errno;
	return chdir("/") ? -errno : err;
}

/* /proc/slabinfo: bytes in active objects per cache, up to SLAB_CACHES. */
#define SLAB_CACHES 512
struct slab_use {
	char name[64];
	long long bytes;
};

static int slab_read(struct slab_use *u)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	long long active, total, size;
	int n = 0;

	while (f && n < SLAB_CACHES && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld %lld %lld", u[n].name, &active, &total,
			   &size) == 4) {
			u[n].bytes = active * size;
			n++;
		}
	if (f)
		fclose(f);
	return n;
}

/*
 * Which caches a group costs: /proc/slabinfo before and after n flat
 * groups of one target alone (not timed), every cache that grew by at
 * least 64 bytes a group, and the percpu allocator's growth.
 */
static int slab_point(const char *target, const char *base, long n)
{
	static struct slab_use a[SLAB_CACHES], b[SLAB_CACHES];
	char **p = make_paths(base, n, false);
	long long pcpu0, pcpu1;
	int na, nb, i, j;
	long g;

	if (!p)
		return -ENOMEM;
	sleep(2);
	na = slab_read(a);
	pcpu0 = meminfo_bytes(false);
	for (g = 0; g < n; g++)
		if (mkdir(p[g], 0755) < 0)
			return -errno;
	nb = slab_read(b);
	pcpu1 = meminfo_bytes(false);
	for (j = 0; j < nb; j++) {
		long long before = 0;

		for (i = 0; i < na; i++)
			if (!strcmp(a[i].name, b[j].name))
				before = a[i].bytes;
		if (b[j].bytes - before >= 64 * n)
			printf("memcglab-scale-slab: {\"target\": \"%s\", \"n\": %ld, "
			       "\"cache\": \"%s\", \"bytes_per_group\": %.0f}\n", target, n,
			       b[j].name, (double)(b[j].bytes - before) / n);
	}
	printf("memcglab-scale-slab: {\"target\": \"%s\", \"n\": %ld, "
	       "\"cache\": \"(percpu)\", \"bytes_per_group\": %.0f}\n", target, n,
	       (double)(pcpu1 - pcpu0) / n);
	fflush(stdout);
	for (g = n - 1; g >= 0; g--)
		if (rmdir(p[g]) < 0)
			return -errno;
	free_paths(p, n);
	return 0;
}

/* A charge while k owners (descriptors) hold one page each in the group. */
static int owners_point(const char *base, long k)
{
	char g[MLAB_PATH_MAX];
	int *fds = calloc((size_t)k, sizeof(int)), fd;
	double t0, t;
	long i;

	if (!fds || mlab_mkgroup(base, "owners", g))
		return -ENOMEM;
	for (i = 0; i < k; i++) {
		fds[i] = mlab_charge_open(g);
		if (fds[i] < 0 || mlab_charge(fds[i], "4k"))
			return -EMFILE;
	}
	fd = fds[k - 1];
	t = charge_ns(fd);
	if (t < 0)
		return -EIO;
	emit("lab", "owners", k, "charge_owners", t, t);
	t0 = now_ns();
	for (i = 0; i < k; i++)
		close(fds[i]);
	t = now_ns() - t0;
	emit("lab", "owners", k, "close_owner", t / k, t);
	free(fds);
	return rmdir(g) < 0 ? -errno : 0;
}

static long *parse_list(const char *s, int *n)
{
	long *v = calloc(32, sizeof(long));
	char *end;

	for (*n = 0; v && *s && *n < 32; s = end) {
		v[*n] = strtol(s, &end, 10);
		if (end == s)
			break;
		if (v[*n] > 0)
			(*n)++;
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *sizes = "1000 10000", *depths = "1 10 100 300 1000";
	const char *owners = "1 100 1000 10000";
	struct rlimit rl = { 20000, 20000 };
	char lab[MLAB_PATH_MAX], memcg[MLAB_PATH_MAX];
	long *v;
	int opt, n, i, shape, err = 0;

	while ((opt = getopt(argc, argv, "n:d:k:")) != -1) {
		switch (opt) {
		case 'n': sizes = optarg; break;
		case 'd': depths = optarg; break;
		case 'k': owners = optarg; break;
		default:
			fprintf(stderr, "usage: scale_bench [-n SIZES] [-d DEPTHS] [-k OWNERS]\n");
			return 2;
		}
	}
	setrlimit(RLIMIT_NOFILE, &rl);
	if (mlab_ensure_module() || mlab_mount("policy=strict", lab)) {
		fprintf(stderr, "scale: no lab: %s\n", strerror(errno));
		return 1;
	}
	mlab_write(CG2 "/cgroup.subtree_control", "+memory");
	snprintf(memcg, sizeof(memcg), "%s/scale", CG2);
	rmdir(memcg);
	if (mkdir(memcg, 0755) || memcg_subtree(memcg)) {
		fprintf(stderr, "scale: %s: %s\n", memcg, strerror(errno));
		return 1;
	}

	v = parse_list(sizes, &n);
	for (i = 0; i < n && !err; i++)
		for (shape = 0; shape < 2 && !err; shape++)
			err = groups_point(lab, memcg, v[i], shape);
	free(v);
	if (!err && !access("/proc/slabinfo", R_OK))
		err = slab_point("lab", lab, 1000) ?:
		      slab_point("memcg", memcg, 1000);
	v = parse_list(depths, &n);
	for (i = 0; i < n && !err; i++)
		err = depth_point(lab, v[i]);
	free(v);
	v = parse_list(owners, &n);
	for (i = 0; i < n && !err; i++)
		err = owners_point(lab, v[i]);
	free(v);
	rmdir(memcg);
	mlab_umount(lab, false);
	if (err)
		fprintf(stderr, "scale: %s\n", strerror(-err));
	return err ? 1 : 0;
}
