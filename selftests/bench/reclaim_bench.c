// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_bench.c - the cost of reclaim per page reclaimed: the lab's
 * simulated reclaim beside the real memcg's reclaim of page cache, in the
 * same boot (the guest half of `make bench`).
 *
 * Each round, for each target, a group holds SIZE of clean page cache and
 * one write of SIZE to its memory.reclaim is timed; the pages reclaimed are
 * the group's memory.stat pgsteal after minus before. Lab: a memcglab mount
 * with the running kernel's default reclaim model, the page cache charged
 * as "file SIZE" on a charge descriptor. Real: a cgroup v2 group in which a
 * child process wrote SIZE to a file on the scratch disk ($MEMCGLAB_SCRATCH)
 * and wrote it back (fdatasync). The two targets alternate within each
 * round, so that drift in the host's load hits both alike; report.py takes
 * the ratio per round.
 *
 * One line "memcglab-bench-reclaim: {json}" per target and round.
 *
 *   reclaim_bench [-s SIZE_MB] [-r ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mlab.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long long pgsteal(const char *group)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_key(mlab_path(path, group, "memory.stat"), "pgsteal", &v))
		return -1;
	return (long long)v;
}

/* Time one memory.reclaim of bytes on group; print the result line. */
static int timed_reclaim(const char *target, int round, const char *group,
			 long long bytes)
{
	char path[MLAB_PATH_MAX], buf[32];
	long long before, after;
	double t0, ns;
	int err;

	before = pgsteal(group);
	snprintf(buf, sizeof(buf), "%lld", bytes);
	t0 = now_ns();
	err = mlab_write(mlab_path(path, group, "memory.reclaim"), buf);
	ns = now_ns() - t0;
	after = pgsteal(group);
	if (before < 0 || after < 0 || (err && err != -EAGAIN)) {
		fprintf(stderr, "reclaim_bench: %s: %s/memory.reclaim: %s\n", target,
			group, err ? strerror(-err) : "no pgsteal in memory.stat");
		return -EIO;
	}
	printf("memcglab-bench-reclaim: {\"target\": \"%s\", \"round\": %d, "
	       "\"bytes\": %lld, \"pages\": %lld, \"ns\": %.0f, \"eagain\": %s, "
	       "\"ns_per_page\": %.1f}\n", target, round, bytes, after - before, ns,
	       err ? "true" : "false", after > before ? ns / (after - before) : 0.0);
	fflush(stdout);
	return 0;
}

static int lab_round(int round, long long bytes)
{
	char dir[MLAB_PATH_MAX], a[MLAB_PATH_MAX], buf[48];
	int fd, err;

	err = mlab_mount("oom=off", dir);
	if (err)
		return err;
	err = mlab_mkgroup(dir, "a", a);
	fd = err ? -1 : mlab_charge_open(a);
	if (fd < 0) {
		mlab_umount(dir, true);
		return err ? err : fd;
	}
	snprintf(buf, sizeof(buf), "file %lld", bytes);
	err = mlab_charge(fd, buf);
	if (!err)
		err = timed_reclaim("lab", round, a, bytes);
	close(fd);
	mlab_rmgroup(a);
	mlab_umount(dir, false);
	return err;
}

struct fill_job {
	const char *cgroup;
	const char *file;
	long long bytes;
};

/* In the worker: join the group, write the file and write it back. */
static int fill_job(void *arg)
{
	const struct fill_job *j = arg;
	static char buf[1 << 16];
	long long done;
	int fd, err;

	memset(buf, 'r', sizeof(buf));
	err = mlab_cgroup_enter(j->cgroup);
	if (err)
		return err;
	fd = open(j->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	for (done = 0; done < j->bytes; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return errno ? -errno : -ENOSPC;
	return fdatasync(fd) ? -errno : 0;
}

static int real_round(const char *scratch, int round, long long bytes)
{
	char group[MLAB_PATH_MAX], file[MLAB_PATH_MAX];
	struct fill_job j = { .cgroup = group, .file = file, .bytes = bytes };
	pid_t pid;
	int err;

	err = mlab_memcg2_create("memcglab-reclaim-bench", group);
	if (err)
		return err;
	snprintf(file, sizeof(file), "%s/reclaim-bench", scratch);
	pid = mlab_worker_start(fill_job, &j, true);
	err = pid < 0 ? (int)pid : timed_reclaim("memcg", round, group, bytes);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	unlink(file);
	mlab_memcg2_remove(group);
	return err;
}

int main(int argc, char **argv)
{
	const char *scratch = getenv("MEMCGLAB_SCRATCH");
	long long bytes = 64LL << 20;
	int rounds = 3, opt, err;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		if (opt == 's')
			bytes = atoll(optarg) << 20;
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (!scratch || !*scratch) {
		fprintf(stderr, "reclaim_bench: MEMCGLAB_SCRATCH unset: the real memcg needs page cache on a disk-backed filesystem\n");
		return 1;
	}
	err = mlab_ensure_module();
	if (err) {
		fprintf(stderr, "reclaim_bench: loading the module: %s\n", strerror(-err));
		return 1;
	}
	for (int r = 1; r <= rounds; r++) {
		err = lab_round(r, bytes);
		if (!err)
			err = real_round(scratch, r, bytes);
		if (err) {
			fprintf(stderr, "reclaim_bench: round %d: %s\n", r, strerror(-err));
			return 1;
		}
	}
	return 0;
}
