/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reliability.h - small helpers shared by the reliability guest tests
 * (stress_test, hostile_test, perm_test, lifetime_test), on top of
 * selftests/lib/mlab.h and libmlab: whole-group snapshots, usage in every
 * flavour, one-shot and charging netlink requests.  Header-only;
 * everything returns 0 or a negative errno and never exits, so callers
 * decide between ASSERT and EXPECT.
 */
#ifndef MLAB_RELIABILITY_H
#define MLAB_RELIABILITY_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/memcglab.h>

#include "mlab.h"

#define REL_PAGE 4096UL

/* Group usage in bytes: v1 usage_in_bytes, v2 memory.current, v2 root stat. */
static inline int rel_usage(const char *group, bool v1, bool root,
			    unsigned long long *bytes)
{
	char path[PATH_MAX];
	uint64_t anon, file, stock;
	int err;

	if (v1 || !root) {
		if (snprintf(path, sizeof(path), "%s/%s", group,
			 v1 ? "memory.usage_in_bytes" : "memory.current") >= (int)sizeof(path))
			abort();
		err = mlab_read_u64(path, &anon);
		if (!err)
			*bytes = anon;
		return err;
	}
	if (snprintf(path, sizeof(path), "%s/memory.stat", group) >= (int)sizeof(path))
		abort();
	err = mlab_read_key(path, "anon", &anon);
	if (!err)
		err = mlab_read_key(path, "file", &file);
	if (!err)
		err = mlab_read_key(path, "lab_stock", &stock);
	if (!err)
		*bytes = anon + file + stock;
	return err;
}

/*
 * Every regular file of a group, concatenated as "name: contents", into
 * @buf: a snapshot of the group's whole visible state.  0 or -errno.
 */
static inline int rel_snapshot(const char *group, char *buf, size_t size,
			       const char *skip)
{
	static const char * const names[] = {
		"memory.current", "memory.min", "memory.low", "memory.high",
		"memory.max", "memory.peak", "memory.events",
		"memory.events.local", "memory.stat", "memory.usage_in_bytes",
		"memory.limit_in_bytes", "memory.max_usage_in_bytes",
		"memory.failcnt", "memory.soft_limit_in_bytes",
		"memory.oom_control", "memory.use_hierarchy", NULL,
	};
	char path[PATH_MAX], one[4096];
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i]; i++) {
		ssize_t n;

		if (skip && strstr(skip, names[i]))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", group, names[i]) >= (int)sizeof(path))
			abort();
		n = mlab_read(path, one, sizeof(one));
		if (n == -ENOENT)
			continue;
		if (n < 0)
			return n;
		used += snprintf(buf + used, size - used, "%s: %s", names[i], one);
		if (used >= size)
			return -ENOSPC;
	}
	return 0;
}

/* --- netlink, through libmlab --------------------------------------- */

/* 0 when the memcglab family answers, else -errno (-ENOENT: no family). */
static inline int rel_nl_available(void)
{
	struct mlab_nl nl;
	int err = mlab_nl_open(&nl);

	if (!err)
		mlab_nl_close(&nl);
	return err;
}

/*
 * One request of @cmd, attributes from @build (may be NULL), on a socket
 * of its own, so whatever it charges goes back when the socket closes:
 * 0, the answer's -errno, or -EAGAIN when no answer came within 2 s (a
 * message netlink drops as malformed gets none).
 */
static inline int rel_genl_call(int cmd,
				void (*build)(struct nlmsghdr *nlh, void *arg),
				void *arg)
{
	struct nlmsghdr *nlh;
	struct mlab_nl nl;
	int err = mlab_nl_open(&nl);

	if (err)
		return err;
	err = mlab_nl_set_timeout(&nl, 2000);
	if (!err) {
		nlh = mlab_nl_msg(&nl, (uint8_t)cmd, 0);
		if (build)
			build(nlh, arg);
		err = mlab_nl_talk(&nl, nlh, NULL, NULL);
	}
	mlab_nl_close(&nl);
	return err;
}

/*
 * Charge (delta > 0) or uncharge @delta bytes, @count times, to the group
 * on behalf of @nl's socket: 0, the request's -errno, or the entry's error
 * (e.g. -ENOMEM).
 */
static inline int rel_nl_charge(struct mlab_nl *nl, uint32_t hier, uint64_t id,
				int64_t delta, uint32_t count)
{
	struct mlab_charge_req r = {
		.ref = { .hier = hier, .id = id }, .delta = delta, .count = count,
	};
	int err = mlab_nl_charge(nl, &r, 1);

	return err ? err : r.error;
}

#endif /* MLAB_RELIABILITY_H */
