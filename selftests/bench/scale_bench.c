// SPDX-License-Identifier: GPL-2.0
/*
 * scale_bench.c - how the lab's costs grow with the hierarchy, beside the
 * real cgroup v2 memcg in the same boot (the guest half of `make bench`).
 *
 * For every size N and shape (flat: N children of one group; tree: fanout
 * 10, parents first) it times, per group: mkdir; the memory each group costs
 * (Slab + Percpu of /proc/meminfo before and after, the allocators' own
 * accounting); reading every group's memory.stat; rmdir (children first).
 * The lab alone also gets: a netlink dump of the whole tree; a GROUP_GET of
 * the deepest group (effective protection is computed along its path); a
 * charge and uncharge of one page at a leaf.  Then, for the lab: a charge at
 * the leaf of a chain of depth D, and a charge with K other owners alive.
 *
 * Each result is one line "memcglab-scale: {json}" on stdout for
 * scale_report.py.  Times come from CLOCK_MONOTONIC around the whole loop.
 *
 *   scale_bench [-n "1000 10000"] [-d "1 10 100 1000"] [-k "1 100 1000 10000"]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mlab.h"

#define CG2	"/sys/fs/cgroup"
#define FANOUT	10
#define REPS	2000	/* charge+uncharge pairs per charge point */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void emit(const char *target, const char *shape, long n, const char *op,
		 double per, double total)
{
	printf("memcglab-scale: {\"target\": \"%s\", \"shape\": \"%s\", \"n\": %ld, "
	       "\"op\": \"%s\", \"per\": %.1f, \"total_ns\": %.0f}\n",
	       target, shape, n, op, per, total);
	fflush(stdout);
}

/* Slab + Percpu from /proc/meminfo, in bytes. */
static long long kernel_mem(void)
{
	char line[256];
	long long kb, sum = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1 ||
		    sscanf(line, "Percpu: %lld kB", &kb) == 1)
			sum += kb * 1024;
	if (f)
		fclose(f);
	return sum;
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

/* mkdir, memory, memory.stat reads, rmdir: for the lab and the memcg. */
static int groups_point(const char *target, const char *base, long n, bool tree,
			bool lab)
{
	const char *shape = tree ? "tree" : "flat";
	char **p = make_paths(base, n, tree), buf[8192], f[MLAB_PATH_MAX];
	long long mem0, mem1;
	double t0, t;
	long i;

	if (!p)
		return -ENOMEM;
	mem0 = kernel_mem();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (mkdir(p[i], 0755) < 0) {
			fprintf(stderr, "scale: mkdir %s: %s\n", p[i], strerror(errno));
			return -errno;
		}
		/* A real inner group needs +memory for its children's files. */
		if (!lab && tree && i < n / FANOUT && memcg_subtree(p[i]))
			return -errno;
	}
	t = now_ns() - t0;
	mem1 = kernel_mem();
	emit(target, shape, n, "mkdir", t / n, t);
	emit(target, shape, n, "bytes_per_group", (double)(mem1 - mem0) / n, 0);

	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (mlab_read(mlab_path(f, p[i], "memory.stat"), buf, sizeof(buf)) < 0)
			return -errno;
	t = now_ns() - t0;
	emit(target, shape, n, "read_stat", t / n, t);

	if (lab) {
		struct mlab_group_info gi;
		struct mlab_group_ref ref;
		struct mlab_nl nl;
		int fd, k;

		if (mlab_nl_open(&nl) || mlab_group_ids(base, &ref.hier, &ref.id))
			return -errno;
		k = 0;
		t0 = now_ns();
		if (mlab_nl_group_dump(&nl, &ref, count_group, &k) < 0)
			return -EIO;
		t = now_ns() - t0;
		emit(target, shape, n, "dump", t / n, t);
		/* The deepest group's effective protection, along its path. */
		if (mlab_group_ids(p[n - 1], &ref.hier, &ref.id))
			return -errno;
		t0 = now_ns();
		for (k = 0; k < 100; k++)
			if (mlab_nl_group_get(&nl, &ref, &gi))
				return -EIO;
		t = (now_ns() - t0) / 100;
		emit(target, shape, n, "get_leaf", t, t);
		mlab_nl_close(&nl);
		fd = mlab_charge_open(p[n - 1]);
		if (fd < 0)
			return fd;
		t0 = now_ns();
		for (k = 0; k < REPS; k++)
			if (mlab_charge(fd, "4k") || mlab_charge(fd, "-4k"))
				return -EIO;
		t = (now_ns() - t0) / (2 * REPS);
		emit(target, shape, n, "charge_leaf", t, t);
		close(fd);
	}

	t0 = now_ns();
	for (i = n - 1; i >= 0; i--) {
		if (rmdir(p[i]) < 0) {
			fprintf(stderr, "scale: rmdir %s: %s\n", p[i], strerror(errno));
			return -errno;
		}
	}
	t = now_ns() - t0;
	emit(target, shape, n, "rmdir", t / n, t);
	free_paths(p, n);
	return 0;
}

/*
 * A charge at the leaf of a chain of depth d (the lab alone).  Deep paths
 * outgrow PATH_MAX, so the chain is walked with chdir().
 */
static int depth_point(const char *base, long d)
{
	double t0, t;
	long i;
	int fd, k, err = 0;

	if (chdir(base))
		return -errno;
	for (i = 0; i < d && !err; i++)
		if (mkdir("d", 0755) || chdir("d"))
			err = -errno;
	fd = err ? -1 : open("memcglab.charge", O_RDWR | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (!err) {
		t0 = now_ns();
		for (k = 0; k < REPS && !err; k++)
			if (mlab_charge(fd, "4k") || mlab_charge(fd, "-4k"))
				err = -EIO;
		t = (now_ns() - t0) / (2 * REPS);
		if (!err)
			emit("lab", "chain", d, "charge_depth", t, t);
		close(fd);
	}
	for (; i > 0; i--)
		if (chdir("..") || rmdir("d"))
			err = err ?: -errno;
	return chdir("/") ? -errno : err;
}

/* A charge while k owners (descriptors) hold one page each in the group. */
static int owners_point(const char *base, long k)
{
	char g[MLAB_PATH_MAX];
	int *fds = calloc((size_t)k, sizeof(int)), fd, r;
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
	t0 = now_ns();
	for (r = 0; r < REPS; r++)
		if (mlab_charge(fd, "4k") || mlab_charge(fd, "-4k"))
			return -EIO;
	t = (now_ns() - t0) / (2 * REPS);
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
	const char *sizes = "1000 10000", *depths = "1 10 100 1000";
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
	for (i = 0; i < n && !err; i++) {
		for (shape = 0; shape < 2 && !err; shape++) {
			err = groups_point("lab", lab, v[i], shape, true);
			if (!err)
				err = groups_point("memcg", memcg, v[i], shape, false);
		}
	}
	free(v);
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
