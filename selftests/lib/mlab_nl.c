// SPDX-License-Identifier: GPL-2.0
/* mlab_nl.c - raw netlink client for the guest tests (see mlab_nl.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "mlab_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tnl *t = data;
	const struct nlattr *a, *g, *x;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			t->family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(g, a) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(x, g) {
				if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(x);
				if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(x);
			}
			if (name && !strcmp(name, MEMCGLAB_MCGRP_EVENTS))
				t->events_group = id;
		}
	}
	return 0;
}

int tnl_open(struct tnl *t)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int one = 1, ret;

	memset(t, 0, sizeof(*t));
	t->req = calloc(1, TNL_BUFSZ);
	t->buf = calloc(1, TNL_BUFSZ);
	t->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!t->req || !t->buf || !t->sock)
		goto fail;
	mnl_socket_setsockopt(t->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(t->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(t->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	t->portid = mnl_socket_get_portid(t->sock);
	t->seq = (uint32_t)time(NULL);
	nlh = mnl_nlmsg_put_header(t->req);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++t->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MEMCGLAB_FAMILY_NAME);
	ret = tnl_talk(t, nlh, family_cb, t);
	if (ret < 0 || !t->family) {
		tnl_close(t);
		return ret < 0 ? ret : -ENOENT;
	}
	return 0;
fail:
	ret = -errno;
	tnl_close(t);
	return ret ? ret : -ENOMEM;
}

void tnl_close(struct tnl *t)
{
	if (t->sock)
		mnl_socket_close(t->sock);
	free(t->req);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

struct nlmsghdr *tnl_msg(struct tnl *t, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(t->req);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = t->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++t->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = MEMCGLAB_FAMILY_VERSION;
	return nlh;
}

static void tnl_extack(struct tnl *t, const struct nlmsghdr *nlh, size_t skip)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, skip) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(t->msg, sizeof(t->msg), "%s", mnl_attr_get_str(a));
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE)
			t->miss_type = mnl_attr_get_u32(a);
	}
}

int tnl_talk(struct tnl *t, struct nlmsghdr *nlh,
	     int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	uint32_t seq = nlh->nlmsg_seq;

	t->err = 0;
	t->msg[0] = '\0';
	t->miss_type = 0;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(t->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *m;
		ssize_t n = mnl_socket_recvfrom(t->sock, t->buf, TNL_BUFSZ);
		int len;

		if (n < 0)
			return -errno;
		len = (int)n;
		for (m = (void *)t->buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				size_t skip = sizeof(*e);

				if (!(m->nlmsg_flags & NLM_F_CAPPED))
					skip += e->msg.nlmsg_len - sizeof(e->msg);
				tnl_extack(t, m, skip);
				t->err = -e->error;
				return e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				int err = *(const int *)mnl_nlmsg_get_payload(m);

				tnl_extack(t, m, sizeof(int));
				t->err = -err;
				return err;
			}
			if (cb && cb(m, data) < 0)
				return -EBADMSG;
		}
	}
}

static void put_events(const struct nlattr *nest, uint64_t *ev)
{
	const struct nlattr *x;

	mnl_attr_for_each_nested(x, nest)
		if (mnl_attr_get_type(x) <= MEMCGLAB_A_EVENTS_ATTR_MAX &&
		    mnl_attr_get_payload_len(x) == 8)
			ev[mnl_attr_get_type(x)] = mnl_attr_get_u64(x);
}

int tnl_parse_group(const struct nlmsghdr *nlh, struct tnl_group *g)
{
	const struct nlattr *a;

	memset(g, 0, sizeof(*g));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint16_t type = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		if (type > MEMCGLAB_A_GROUP_ATTR_MAX)
			continue;
		g->has[type] = true;
		if (type == MEMCGLAB_A_GROUP_EVENTS)
			put_events(a, g->events);
		else if (type == MEMCGLAB_A_GROUP_EVENTS_LOCAL)
			put_events(a, g->events_local);
		else if (type == MEMCGLAB_A_GROUP_POLICY)
			snprintf(g->policy, sizeof(g->policy), "%.*s", (int)len,
				 (const char *)mnl_attr_get_payload(a));
		else if (len == 8)
			g->a[type] = mnl_attr_get_u64(a);
		else if (len == 4)
			g->a[type] = mnl_attr_get_u32(a);
	}
	return 0;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return tnl_parse_group(nlh, data);
}

int tnl_get(struct tnl *t, uint32_t hier, uint64_t id, struct tnl_group *g)
{
	struct nlmsghdr *nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, 0);

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, id);
	return tnl_talk(t, nlh, get_cb, g);
}

struct dump_ctx {
	uint64_t *ids;
	int n, max;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct tnl_group g;

	tnl_parse_group(nlh, &g);
	if (d->n < d->max)
		d->ids[d->n] = g.a[MEMCGLAB_A_GROUP_ID];
	d->n++;
	return 0;
}

int tnl_dump(struct tnl *t, uint32_t hier, uint64_t id, uint64_t *ids, int max)
{
	struct nlmsghdr *nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_GET, NLM_F_DUMP);
	struct dump_ctx d = { ids, 0, max };
	int ret;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, id);
	ret = tnl_talk(t, nlh, dump_cb, &d);
	return ret < 0 ? ret : d.n;
}

int tnl_set(struct tnl *t, uint32_t hier, uint64_t id, int attr, uint64_t bytes)
{
	struct nlmsghdr *nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_SET, 0);

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, id);
	mnl_attr_put_u64(nlh, attr, bytes);
	return tnl_talk(t, nlh, NULL, NULL);
}

int tnl_reset(struct tnl *t, uint32_t hier, uint64_t id, uint32_t what)
{
	struct nlmsghdr *nlh = tnl_msg(t, MEMCGLAB_CMD_GROUP_RESET, 0);

	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_HIER, hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_ID, id);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_RESET, what);
	return tnl_talk(t, nlh, NULL, NULL);
}

void tnl_put_entry(struct nlmsghdr *nlh, uint32_t hier, uint64_t id,
		   int64_t delta, uint32_t count)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);

	mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_HIER, hier);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_ID, id);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, (uint64_t)delta);
	if (count)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_COUNT, count);
	mnl_attr_nest_end(nlh, nest);
}

struct charge_ctx {
	struct tnl_result *res;
	int n, max;
};

static int charge_cb(const struct nlmsghdr *nlh, void *data)
{
	struct charge_ctx *c = data;
	const struct nlattr *e, *x;

	mnl_attr_for_each(e, nlh, sizeof(struct genlmsghdr)) {
		struct tnl_result r = { 0 };

		if (mnl_attr_get_type(e) != MEMCGLAB_A_BATCH_ENTRY)
			continue;
		mnl_attr_for_each_nested(x, e) {
			switch (mnl_attr_get_type(x)) {
			case MEMCGLAB_A_CHARGE_DONE:
				r.done = mnl_attr_get_u32(x);
				break;
			case MEMCGLAB_A_CHARGE_ERROR:
				r.error = (int32_t)mnl_attr_get_u32(x);
				break;
			case MEMCGLAB_A_CHARGE_USAGE:
				r.usage = mnl_attr_get_u64(x);
				break;
			case MEMCGLAB_A_CHARGE_HELD:
				r.held = mnl_attr_get_u64(x);
				break;
			}
		}
		if (c->n < c->max)
			c->res[c->n] = r;
		c->n++;
	}
	return 0;
}

int tnl_charge_talk(struct tnl *t, struct nlmsghdr *nlh, struct tnl_result *res,
		    int max)
{
	struct charge_ctx c = { res, 0, max };
	int ret = tnl_talk(t, nlh, charge_cb, &c);

	return ret < 0 ? ret : c.n;
}

int tnl_charge(struct tnl *t, uint32_t hier, uint64_t id, int64_t delta,
	       uint32_t count, struct tnl_result *res)
{
	struct nlmsghdr *nlh = tnl_msg(t, MEMCGLAB_CMD_CHARGE, 0);
	struct tnl_result r;
	int ret;

	tnl_put_entry(nlh, hier, id, delta, count);
	ret = tnl_charge_talk(t, nlh, res ? res : &r, 1);
	return ret < 0 ? ret : 0;
}

int tnl_join_events(struct tnl *t)
{
	int grp = (int)t->events_group;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(t->sock, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return -errno;
	return 0;
}

int tnl_next_event(struct tnl *t, struct tnl_event *ev, int timeout_ms)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(t->sock), .events = POLLIN };

	for (;;) {
		const struct nlmsghdr *m;
		ssize_t n;
		int len, ret = poll(&pfd, 1, timeout_ms);

		if (ret <= 0)
			return ret < 0 ? -errno : 0;
		n = recv(pfd.fd, t->buf, TNL_BUFSZ, MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		len = (int)n;
		for (m = (void *)t->buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(m);
			const struct nlattr *a;

			if (m->nlmsg_type != t->family || g->cmd != MEMCGLAB_CMD_EVENT)
				continue;
			memset(ev, 0, sizeof(*ev));
			mnl_attr_for_each(a, m, sizeof(*g)) {
				switch (mnl_attr_get_type(a)) {
				case MEMCGLAB_A_EVENT_TYPE:
					ev->type = mnl_attr_get_u32(a);
					break;
				case MEMCGLAB_A_EVENT_HIER:
					ev->hier = mnl_attr_get_u32(a);
					break;
				case MEMCGLAB_A_EVENT_ID:
					ev->id = mnl_attr_get_u64(a);
					break;
				case MEMCGLAB_A_EVENT_USAGE:
					ev->usage = mnl_attr_get_u64(a);
					break;
				case MEMCGLAB_A_EVENT_LIMIT:
					ev->limit = mnl_attr_get_u64(a);
					break;
				case MEMCGLAB_A_EVENT_DROPPED:
					ev->dropped = mnl_attr_get_u64(a);
					break;
				}
			}
			return 1;	/* one event per recv: the kernel sends them singly */
		}
	}
}

int tnl_ids(const char *path, uint32_t *hier, uint64_t *id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*hier = (uint32_t)st.st_dev;
	*id = st.st_ino;
	return 0;
}

int tnl_ensure_module(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");
	int fd, ret;

	if (f) {
		while (fgets(line, sizeof(line), f))
			found |= strstr(line, "\tmemcglab\n") != NULL;
		fclose(f);
	}
	if (found)
		return 0;
	fd = open("/lib/memcglab/memcglab.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	ret = ret < 0 && errno != EEXIST ? -errno : 0;
	close(fd);
	return ret;
}

int tnl_mount(char *dir, const char *opts)
{
	snprintf(dir, 64, "/tmp/mlabnl.XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	if (mount("none", dir, "memcglab", 0, opts) < 0) {
		int err = -errno;

		rmdir(dir);
		return err;
	}
	return 0;
}

void tnl_umount(const char *dir)
{
	umount2(dir, 0);
	rmdir(dir);
}

long long tnl_read_num(const char *dir, const char *file)
{
	char path[512], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strncmp(buf, "max", 3) ? atoll(buf) : -2;
	fclose(f);
	return v;
}
