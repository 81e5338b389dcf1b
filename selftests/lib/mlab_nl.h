/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlab_nl.h - raw client of the memcglab netlink family for guest tests
 * (issue 5's section of selftests/lib). Builds any message, well-formed or
 * not, and reports the kernel's errno, extack message and missing-attribute
 * type, so tests can check all three.
 */
#ifndef MLAB_TEST_NL_H
#define MLAB_TEST_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/memcglab.h>

#define TNL_BUFSZ (1 << 20)

struct tnl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t events_group;
	uint32_t portid, seq;
	char *req;		/* request buffer, TNL_BUFSZ */
	char *buf;		/* receive buffer, TNL_BUFSZ */
	/* The last answer's error: errno (positive), extack text, missing type */
	int err;
	char msg[256];
	uint32_t miss_type;
};

/* A GROUP_GET reply: value of each u32/u64 attribute, events by type. */
struct tnl_group {
	bool has[MEMCGLAB_A_GROUP_ATTR_MAX + 1];
	uint64_t a[MEMCGLAB_A_GROUP_ATTR_MAX + 1];
	char policy[MEMCGLAB_POLICY_NAME_MAX];	/* the policy's name */
	uint64_t events[MEMCGLAB_A_EVENTS_ATTR_MAX + 1];
	uint64_t events_local[MEMCGLAB_A_EVENTS_ATTR_MAX + 1];
};

struct tnl_result {
	uint32_t done;
	int32_t error;
	uint64_t usage, held;
};

struct tnl_event {
	uint32_t type, hier;
	uint64_t id, usage, limit, dropped;
};

int tnl_open(struct tnl *t);		/* 0 or -errno */
void tnl_close(struct tnl *t);
/* Start a request for cmd in t->req. */
struct nlmsghdr *tnl_msg(struct tnl *t, uint8_t cmd, uint16_t flags);
/*
 * Send and collect replies until the ack/done; cb (may be NULL) sees each
 * reply message. Returns 0 or -errno; fills t->err, t->msg, t->miss_type.
 */
int tnl_talk(struct tnl *t, struct nlmsghdr *nlh,
	     int (*cb)(const struct nlmsghdr *nlh, void *data), void *data);

int tnl_parse_group(const struct nlmsghdr *nlh, struct tnl_group *g);
int tnl_get(struct tnl *t, uint32_t hier, uint64_t id, struct tnl_group *g);
/* Dump the subtree at id; ids[] gets the ids in order; returns count or -errno. */
int tnl_dump(struct tnl *t, uint32_t hier, uint64_t id, uint64_t *ids, int max);
int tnl_set(struct tnl *t, uint32_t hier, uint64_t id, int attr, uint64_t bytes);
int tnl_reset(struct tnl *t, uint32_t hier, uint64_t id, uint32_t what);
/* One entry; res may be NULL. Returns the request's result (0 / -errno). */
int tnl_charge(struct tnl *t, uint32_t hier, uint64_t id, int64_t delta,
	       uint32_t count, struct tnl_result *res);
/* Entry with given attrs to a batch being built; see tnl_charge for use. */
void tnl_put_entry(struct nlmsghdr *nlh, uint32_t hier, uint64_t id,
		   int64_t delta, uint32_t count);
/* Parse the result entries of a CHARGE reply into res[0..max). */
int tnl_charge_talk(struct tnl *t, struct nlmsghdr *nlh, struct tnl_result *res,
		    int max);

int tnl_join_events(struct tnl *t);
/* Wait up to timeout_ms for the next event; 1 got one, 0 timeout, -errno. */
int tnl_next_event(struct tnl *t, struct tnl_event *ev, int timeout_ms);

/* Hierarchy id and group id of a directory (st_dev, st_ino); 0 on success. */
int tnl_ids(const char *path, uint32_t *hier, uint64_t *id);


/*
 * Test fixtures' plumbing: load the module if /proc/filesystems lacks
 * memcglab (0 or -errno), mount a fresh hierarchy in a new temp dir (dir
 * must hold 64 bytes; opts may be NULL), and unmount + remove it again.
 */
int tnl_ensure_module(void);
int tnl_mount(char *dir, const char *opts);
void tnl_umount(const char *dir);
/* Read a file's first number (e.g. memory.current); -1 on error. */
long long tnl_read_num(const char *dir, const char *file);
#endif /* MLAB_TEST_NL_H */
