// SPDX-License-Identifier: GPL-2.0
/*
 * Real memory-controller hierarchies, cgroup v2 or v1: finding or mounting
 * one, making, removing and entering groups, reading their state. Shared by
 * the memcg target and `run`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

#define CONTROLLER_WAIT_MS 15000	/* for memory to come back from v1 to v2 */

static int find_mount(bool v1, char *buf, size_t len)
{
	char line[4096];
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], super[512];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		if (!v1 && !strcmp(fstype, "cgroup2")) {
			tgt_fmt(buf, len, "%s", mnt);
			ret = 0;
			break;
		}
		if (v1 && !strcmp(fstype, "cgroup")) {
			char *tok, *save = NULL;

			for (tok = strtok_r(super, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				if (!strcmp(tok, "memory"))
					break;
			if (tok) {
				tgt_fmt(buf, len, "%s", mnt);
				ret = 0;
				break;
			}
		}
	}
	fclose(f);
	return ret;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Write "+memory"/"-memory"; a controller just released by v1 may be busy briefly. */
static int write_subtree(const char *dir, const char *what)
{
	char path[PATH_MAX + 32];
	int ret = 0;

	tgt_fmt(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	for (int i = 0; i < 50; i++) {
		ret = mlab_write(path, what);
		if (ret != -EBUSY)
			break;
		sleep_ms(20);
	}
	return ret;
}

static int v2_open(struct cg_hier *h, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], buf[512], v1mnt[PATH_MAX];
	int ret;

	if (find_mount(false, h->mnt, sizeof(h->mnt))) {
		tgt_fmt(err, errlen, "no cgroup2 mount in /proc/self/mountinfo");
		return -EOPNOTSUPP;
	}
	tgt_fmt(path, sizeof(path), "%s/cgroup.controllers", h->mnt);
	/*
	 * After a v1 memory hierarchy is unmounted, memory comes back to v2
	 * only once its removed groups are freed: wait for that, unless a v1
	 * memory hierarchy is (still) mounted.
	 */
	for (int i = 0; i < CONTROLLER_WAIT_MS / 100; i++) {
		ret = (int)mlab_read(path, buf, sizeof(buf));
		if (ret < 0 || word_in(buf, "memory") || !find_mount(true, v1mnt, sizeof(v1mnt)))
			break;
		sleep_ms(100);
	}
	if (ret < 0 || !word_in(buf, "memory")) {
		tgt_fmt(err, errlen, "%s: memory controller not available on cgroup2%s%s",
			 path, ret < 0 ? ": " : "", ret < 0 ? strerror(-ret) :
			 " (bound to a cgroup v1 hierarchy?)");
		return -EOPNOTSUPP;
	}
	tgt_fmt(path, sizeof(path), "%s/cgroup.subtree_control", h->mnt);
	ret = (int)mlab_read(path, buf, sizeof(buf));
	if (ret >= 0 && word_in(buf, "memory"))
		return 0;
	ret = write_subtree(h->mnt, "+memory");
	if (ret) {
		tgt_fmt(err, errlen, "%s: enabling +memory: %s", path, strerror(-ret));
		return ret == -EACCES || ret == -EPERM || ret == -EROFS ||
		       ret == -EBUSY ? -EOPNOTSUPP : ret;
	}
	return 0;
}

/*
 * Real v1 is used only in a boot where cgroup v2 has not used the memory
 * controller. Moving the controller from v2 to v1 is possible once the v2
 * groups are freed, but charges made under v2 outlive them (kernel objects
 * reparented to the root memcg) and v1 later uncharges them from counters v2
 * never charged (memory.memsw, memory.kmem): on 6.1 a v1 OOM kill then ends
 * in "page_counter underflow" WARNINGs. So memcglab never takes memory away
 * from v2, and does not wait for it to leave.
 */
static const char v1_needs_own_boot[] =
	"real cgroup v1 needs a boot where cgroup v2 has not used the memory controller:"
	" moving it from v2 to v1 leaves v2 charges that v1 uncharges from"
	" memory.memsw/kmem (page_counter underflow)";

/*
 * Kernels from 6.11 on may be built without the v1 memory controller
 * (CONFIG_MEMCG_V1: off in Debian's 6.12 and later); then the handler of
 * its memory.oom_control is not in kallsyms. False only when kallsyms was
 * read to the end without it: when in doubt, the mount decides.
 */
static bool v1_memcg_built(void)
{
	static const char sym[] = "mem_cgroup_oom_control_read";
	char line[512], name[128];
	bool found = false;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, sym) && sscanf(line, "%*s %*s %127s", name) == 1 &&
			!strcmp(name, sym);
	if (!found && ferror(f))
		found = true;
	fclose(f);
	return found;
}

static int v1_open(struct cg_hier *h, char *err, size_t errlen)
{
	char v2root[PATH_MAX], path[PATH_MAX + 32], buf[512];
	int ret;

	if (!find_mount(true, h->mnt, sizeof(h->mnt)))
		return 0;	/* an existing v1 memory hierarchy (a v1 host) */
	if (!v1_memcg_built()) {
		tgt_fmt(err, errlen, "this kernel has no cgroup v1 memory controller"
			" (built without CONFIG_MEMCG_V1)");
		return -EOPNOTSUPP;
	}
	if (!find_mount(false, v2root, sizeof(v2root))) {
		tgt_fmt(path, sizeof(path), "%s/cgroup.subtree_control", v2root);
		if (mlab_read(path, buf, sizeof(buf)) >= 0 && word_in(buf, "memory")) {
			tgt_fmt(err, errlen, "%s has memory enabled: %s", path,
				 v1_needs_own_boot);
			return -EOPNOTSUPP;
		}
	}
	tgt_fmt(h->mnt, sizeof(h->mnt), "/tmp/memcglab-v1.XXXXXX");
	if (!mkdtemp(h->mnt)) {
		ret = -errno;
		tgt_fmt(err, errlen, "mkdtemp %s: %s", h->mnt, strerror(errno));
		return ret;
	}
	/* EBUSY: memory groups of cgroup v2 still exist (dying ones included). */
	ret = mount("cgroup", h->mnt, "cgroup", 0, "memory") ? -errno : 0;
	if (ret) {
		tgt_fmt(err, errlen, "mount -t cgroup -o memory %s: %s%s%s", h->mnt,
			 strerror(-ret), ret == -EBUSY ?
			 " (cgroup v2 still holds the memory controller); " : "",
			 ret == -EBUSY ? v1_needs_own_boot :
			 ret == -ENOENT || ret == -EINVAL || ret == -ENODEV ?
			 " (this kernel has no cgroup v1 memory controller)" : "");
		rmdir(h->mnt);
		return ret == -EPERM ? ret : -EOPNOTSUPP;
	}
	h->mounted = true;
	return 0;
}

int cg_hier_open(struct cg_hier *h, bool v1, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	h->v1 = v1;
	return v1 ? v1_open(h, err, errlen) : v2_open(h, err, errlen);
}

void cg_hier_close(struct cg_hier *h)
{
	if (h->mounted) {
		if (umount2(h->mnt, 0))
			fprintf(stderr, "memcglab: umount %s: %s\n", h->mnt, strerror(errno));
		else
			rmdir(h->mnt);
	}
	h->mounted = false;
}

int cg_mkdir(const struct cg_hier *h, const char *path, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	char *slash;
	int ret;

	if (!h->v1) {
		tgt_fmt(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			ret = write_subtree(parent, "+memory");
			if (ret) {
				tgt_fmt(err, errlen, "%s/cgroup.subtree_control: +memory: %s",
					 parent, strerror(-ret));
				return ret;
			}
		}
	}
	if (mkdir(path, 0755)) {
		ret = -errno;
		tgt_fmt(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}

void cg_no_swap(const struct cg_hier *h, const char *path)
{
	char file[PATH_MAX + 32];

	/* Where swap accounting exists, allow no swap; v1 also stops swapping. */
	if (!h->v1) {
		tgt_fmt(file, sizeof(file), "%s/memory.swap.max", path);
		if (!access(file, F_OK))
			mlab_write(file, "0");
		return;
	}
	tgt_fmt(file, sizeof(file), "%s/memory.swappiness", path);
	if (!access(file, F_OK))
		mlab_write(file, "0");
}

int cg_rmdir(const char *path, char *err, size_t errlen)
{
	int ret = 0;

	/* Killed tasks leave the group a little after they are reaped. */
	for (int i = 0; i < 200; i++) {
		ret = rmdir(path) ? -errno : 0;
		if (ret != -EBUSY)
			break;
		sleep_ms(10);
	}
	if (ret == -ENOENT)
		ret = 0;
	if (ret)
		tgt_fmt(err, errlen, "rmdir %s: %s", path, strerror(-ret));
	return ret;
}

int cg_attach(const char *path, pid_t pid, char *err, size_t errlen)
{
	char file[PATH_MAX + 32], buf[32];
	int ret;

	tgt_fmt(file, sizeof(file), "%s/cgroup.procs", path);
	tgt_fmt(buf, sizeof(buf), "%d", (int)pid);
	ret = mlab_write(file, buf);
	if (ret)
		tgt_fmt(err, errlen, "%s: writing pid %d: %s", file, (int)pid,
			 strerror(-ret));
	return ret;
}

static int read_file_u64(const char *dir, const char *name, uint64_t *v)
{
	char path[PATH_MAX + 64];

	tgt_fmt(path, sizeof(path), "%s/%s", dir, name);
	return tgt_read_u64(path, v);
}

int cg_read_key(const char *dir, const char *name, const char *key, uint64_t *v)
{
	char path[PATH_MAX + 64];

	tgt_fmt(path, sizeof(path), "%s/%s", dir, name);
	return mlab_read_key(path, key, v);
}

void cg_breakdown(const struct cg_hier *h, const char *path, struct tgt_stats *st)
{
	static const char *const v1_keys[] = {
		"total_rss", "total_cache", "total_rss_huge",
	};
	static const char *const v2_keys[] = { "anon", "file", "kernel", "anon_thp" };
	uint64_t v[4] = { 0 };
	char file[PATH_MAX + 64];

	tgt_fmt(file, sizeof(file), "%s/memory.stat", path);
	if (mlab_read_keys(file, h->v1 ? v1_keys : v2_keys, v,
			   h->v1 ? ARRAY_SIZE(v1_keys) : ARRAY_SIZE(v2_keys)) <= 0)
		return;
	st->has |= TGT_HAS_STAT;
	st->anon = v[0];
	st->file = v[1];
	if (h->v1) {
		st->anon_thp = v[2];
		read_file_u64(path, "memory.kmem.usage_in_bytes", &st->kernel);
	} else {
		st->kernel = v[2];
		st->anon_thp = v[3];
	}
}

int cg_stats(const struct cg_hier *h, const char *path, struct tgt_stats *st)
{
	static const char *const ev_keys[] = {
		"max", "low", "high", "oom", "oom_kill", "oom_group_kill",
	};
	uint64_t v = 0, ev[ARRAY_SIZE(ev_keys)] = { 0 };
	char file[PATH_MAX + 64];
	int ret;

	if (h->v1) {
		ret = read_file_u64(path, "memory.usage_in_bytes", &st->usage);
		if (ret)
			return ret;
		st->has = TGT_HAS_USAGE;
		if (!read_file_u64(path, "memory.limit_in_bytes", &st->limit))
			st->has |= TGT_HAS_LIMIT;
		if (!read_file_u64(path, "memory.max_usage_in_bytes", &st->peak))
			st->has |= TGT_HAS_PEAK;
		if (!read_file_u64(path, "memory.failcnt", &st->failcnt))
			st->has |= TGT_HAS_FAILCNT;
		if (!cg_read_key(path, "memory.oom_control", "oom_kill_disable", &v)) {
			st->oom_kill_disable = (int)v;
			st->has |= TGT_HAS_OOM_CONTROL;
			if (!cg_read_key(path, "memory.oom_control", "under_oom", &v))
				st->under_oom = (int)v;
			if (!cg_read_key(path, "memory.oom_control", "oom_kill", &v))
				st->oom_kill = v;
		}
		return 0;
	}
	ret = read_file_u64(path, "memory.current", &st->usage);
	if (ret)
		return ret;
	st->has = TGT_HAS_USAGE;
	if (!read_file_u64(path, "memory.max", &st->limit))
		st->has |= TGT_HAS_LIMIT;
	if (!read_file_u64(path, "memory.peak", &st->peak))
		st->has |= TGT_HAS_PEAK;
	tgt_fmt(file, sizeof(file), "%s/memory.events", path);
	if (mlab_read_keys(file, ev_keys, ev, ARRAY_SIZE(ev_keys)) > 0) {
		st->has |= TGT_HAS_EVENTS;
		st->ev_max = ev[0];
		st->ev_low = ev[1];
		st->ev_high = ev[2];
		st->ev_oom = ev[3];
		st->ev_oom_kill = ev[4];
		st->ev_oom_group_kill = ev[5];
		st->oom_kill = st->ev_oom_kill;
	}
	return 0;
}
