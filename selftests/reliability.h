/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reliability.h - small helpers shared by the reliability guest tests
 * (stress_test, hostile_test, perm_test, lifetime_test), on top of
 * selftests/lib/mlab.h: whole-group snapshots, usage in every flavour,
 * u64 reads, raw generic netlink requests, running as nobody.  Header-only;
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
#include <linux/genetlink.h>
#include <linux/memcglab.h>

#include "mlab.h"

#define REL_PAGE 4096UL
/* What a v1 file prints for "unlimited": LONG_MAX / PAGE_SIZE pages. */
#define REL_V1_UNLIMITED 9223372036854771712ULL

/*
 * A number file: "max" reads as ULLONG_MAX.  0 or -errno.  No file prints
 * LLONG_MAX itself (v1's unlimited is REL_V1_UNLIMITED), so mlab_read_long()'s
 * LLONG_MAX can only be "max".
 */
static inline int rel_read_u64(const char *path, unsigned long long *v)
{
	long long val;
	int err = mlab_read_long(path, &val);

	if (!err)
		*v = val == LLONG_MAX ? ULLONG_MAX : (unsigned long long)val;
	return err;
}

/* "key value" files (memory.stat, memory.events): 0 or -errno. */
static inline int rel_read_key(const char *path, const char *key,
			       unsigned long long *v)
{
	long long val;
	int err = mlab_read_key_long(path, key, &val);

	if (!err)
		*v = (unsigned long long)val;
	return err;
}

/* Group usage in bytes: v1 usage_in_bytes, v2 memory.current, v2 root stat. */
static inline int rel_usage(const char *group, bool v1, bool root,
			    unsigned long long *bytes)
{
	char path[PATH_MAX];
	unsigned long long anon, file, stock;
	int err;

	if (v1 || !root) {
		if (snprintf(path, sizeof(path), "%s/%s", group,
			 v1 ? "memory.usage_in_bytes" : "memory.current") >= (int)sizeof(path))
			abort();
		return rel_read_u64(path, bytes);
	}
	if (snprintf(path, sizeof(path), "%s/memory.stat", group) >= (int)sizeof(path))
		abort();
	err = rel_read_key(path, "anon", &anon);
	if (!err)
		err = rel_read_key(path, "file", &file);
	if (!err)
		err = rel_read_key(path, "lab_stock", &stock);
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

/* Run @fn(arg) in a child as uid/gid 65534; its exit status, or -errno. */
static inline int rel_as_nobody(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --- generic netlink, raw (libmnl) ------------------------------------- */

static inline int rel_genl_cb_family(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
			*(int *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

/*
 * Send a request of @type/@cmd, with attributes from @build (may be NULL),
 * and run @cb on the answers until the ack: 0, or the ack's -errno.
 */
static inline int rel_genl_roundtrip(struct mnl_socket *nl, char *buf,
				     size_t size, uint16_t type, uint8_t cmd,
				     uint8_t version,
				     void (*build)(struct nlmsghdr *nlh, void *arg),
				     void *arg, mnl_cb_t cb, void *data)
{
	static unsigned int seq;
	unsigned int portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int ret;

	if (!seq)
		seq = (unsigned int)time(NULL);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	if (build)
		build(nlh, arg);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(nl, buf, size);
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, ret, seq, portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static inline void rel_genl_put_family_name(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MEMCGLAB_FAMILY_NAME);
}

/*
 * Send one request and wait for its ack.  @build adds attributes (may be
 * NULL).  Returns 0, or the -errno of the ack.  @family 0 resolves
 * "memcglab" first (GENL_ID_CTRL request).
 */
static inline int rel_genl_call(int family, int cmd,
				void (*build)(struct nlmsghdr *nlh, void *arg),
				void *arg)
{
	char buf[65536];	/* room for oversize requests */
	struct mnl_socket *nl;
	int ret, fam = 0;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	{
		/* A message netlink drops as malformed gets no answer. */
		struct timeval tv = { .tv_sec = 2 };

		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO,
			   &tv, sizeof(tv));
	}
	if (!family) {
		ret = rel_genl_roundtrip(nl, buf, sizeof(buf), GENL_ID_CTRL,
					 CTRL_CMD_GETFAMILY, 1,
					 rel_genl_put_family_name, NULL,
					 rel_genl_cb_family, &fam);
		if (ret < 0)
			goto out;
		family = fam;
	}
	if (cmd < 0) {		/* only resolve the family */
		ret = family;
		goto out;
	}
	ret = rel_genl_roundtrip(nl, buf, sizeof(buf), family, cmd,
				 MEMCGLAB_FAMILY_VERSION, build, arg, NULL, NULL);
out:
	mnl_socket_close(nl);
	return ret;
}

/* The family id of "memcglab", or -errno (e.g. -ENOENT before netlink.c). */
static inline int rel_genl_family(void)
{
	return rel_genl_call(0, -1, NULL, NULL);
}

/* A long-lived generic netlink socket: a charge owner of its own. */
struct rel_nl {
	struct mnl_socket *nl;
	int family;
	unsigned int seq, portid;
};

static inline void rel_nl_close(struct rel_nl *n)
{
	if (n->nl)
		mnl_socket_close(n->nl);
	n->nl = NULL;
}

/* 0, or -errno (-ENOENT: no memcglab family in this module). */
static inline int rel_nl_open(struct rel_nl *n)
{
	n->nl = NULL;
	n->family = rel_genl_family();
	if (n->family < 0)
		return n->family;
	n->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!n->nl)
		return -errno;
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		rel_nl_close(n);
		return err;
	}
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = 1;
	return 0;
}

static inline int rel_nl_cb_entry_error(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != MEMCGLAB_A_BATCH_ENTRY)
			continue;
		mnl_attr_for_each_nested(b, a)
			if (mnl_attr_get_type(b) == MEMCGLAB_A_CHARGE_ERROR &&
			    (int)mnl_attr_get_u32(b))
				*(int *)data = (int)mnl_attr_get_u32(b);
	}
	return MNL_CB_OK;
}

/*
 * Charge (delta > 0) or uncharge @delta bytes, @count times, to the group
 * (@hier = st_dev, @id = st_ino) on behalf of this socket.  0, the
 * request's -errno, or the entry's error (e.g. -ENOMEM).
 */
static inline int rel_nl_charge(struct rel_nl *n, unsigned int hier,
				unsigned long long id, long long delta,
				unsigned int count)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	struct nlattr *nest;
	unsigned int seq = ++n->seq;
	int ret, entry_err = 0;

	nlh->nlmsg_type = n->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = MEMCGLAB_CMD_CHARGE;
	genl->version = MEMCGLAB_FAMILY_VERSION;
	nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, id);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, (unsigned long long)delta);
	if (count > 1)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_COUNT, count);
	mnl_attr_nest_end(nlh, nest);
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(n->nl, buf, sizeof(buf));
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, ret, seq, n->portid,
				 rel_nl_cb_entry_error, &entry_err);
	} while (ret > 0);
	if (ret < 0)
		return -errno;
	return entry_err;
}

#endif /* MLAB_RELIABILITY_H */
