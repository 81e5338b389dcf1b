/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmlab: the one userspace client of memcglab, shared at the source level
 * by the CLI (tools/memcglab) and every guest test (selftests/): each
 * compiles these .c files itself, so either builds without the other.
 *
 * Three parts:
 *  - files: read and write the memcg-style files, a group's ids;
 *  - netlink: one socket helper (extended and capped acks, the family
 *    resolved by name), a raw message builder, one request/reply helper
 *    (dumps included) that records the kernel's answer as {errno, extack
 *    message, missing attribute}, attribute parsing, the events group;
 *  - operations: one function per family operation, on top of the above.
 *
 * Nothing here prints: every function returns 0 (or a count) or a negative
 * errno, and a netlink failure leaves its details in nl->err for the caller
 * to print (the CLI) or to assert on (the tests).
 */
#ifndef MEMCGLAB_LIBMLAB_H
#define MEMCGLAB_LIBMLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>	/* requests take attributes from mnl_attr_put*() */
#include <linux/memcglab.h>

/* "max" in a file and unlimited in a netlink attribute. */
#define MLAB_UNLIMITED MEMCGLAB_UNLIMITED

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- files (mlab_file.c) ---- */

/* The whole file into buf, NUL-terminated: bytes read, or -errno. */
ssize_t mlab_read(const char *path, char *buf, size_t size);
/* One write(2) of s (strlen) or of len bytes (NULs allowed): 0 or -errno. */
int mlab_write(const char *path, const char *s);
int mlab_write_len(const char *path, const char *s, size_t len);
/* The file's first number; "max" reads as MLAB_UNLIMITED. 0 or -errno. */
int mlab_read_u64(const char *path, uint64_t *val);
/* The value of "key N" in a flat-keyed file: 0, -ENOENT if absent, -errno. */
int mlab_read_key(const char *path, const char *key, uint64_t *val);
/*
 * The values of n keys of a flat-keyed file in one read; a key that is
 * absent leaves its value alone. The number of keys found, or -errno.
 */
int mlab_read_keys(const char *path, const char *const *keys, uint64_t *vals,
		   unsigned int n);
/* A group's hierarchy id (st_dev of the mount) and id (inode): 0 or -errno. */
int mlab_group_ids(const char *path, uint32_t *hier, uint64_t *id);

/* ---- netlink (mlab_nl.c) ---- */

#define MLAB_NL_BUFSZ (1u << 20)	/* the largest charge batch fits */

/* The answer to the last request: what the CLI prints, the tests check. */
struct mlab_nl_err {
	int err;		/* positive errno; 0 on success */
	char msg[256];		/* extack message, or what failed locally */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, 0 if none */
};

struct mlab_nl {
	struct mnl_socket *sock;
	uint16_t family;	/* resolved id of "memcglab" */
	uint32_t events_group;	/* multicast group id of "events", 0 if none */
	uint32_t portid, seq;
	char *req;		/* request buffer, MLAB_NL_BUFSZ bytes */
	char *buf;		/* receive buffer, MLAB_NL_BUFSZ bytes */
	struct mlab_nl_err err;
};

/*
 * Open a generic netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK,
 * resolve the family. 0 or -errno (-ENOENT: no module); on failure nl->err
 * names the step that failed and the socket is closed.
 */
int mlab_nl_open(struct mlab_nl *nl);
void mlab_nl_close(struct mlab_nl *nl);
/* Fail a receive with -EAGAIN after ms (0: wait for ever). 0 or -errno. */
int mlab_nl_set_timeout(struct mlab_nl *nl, unsigned int ms);
/* Start a request for cmd in nl->req; add attributes with mnl_attr_put*(). */
struct nlmsghdr *mlab_nl_msg(struct mlab_nl *nl, uint8_t cmd, uint16_t flags);
/*
 * Send nlh (an ack is asked for unless it is a dump) and run cb on every
 * reply message until the ack or NLMSG_DONE. 0 or -errno; nl->err holds
 * the kernel's errno, extack message and missing attribute (a warning
 * message on success), or what failed here ("malformed reply", ...).
 */
typedef int (*mlab_nl_cb)(const struct nlmsghdr *nlh, void *data);
int mlab_nl_talk(struct mlab_nl *nl, struct nlmsghdr *nlh, mlab_nl_cb cb,
		 void *data);
/* The same for a dump request (sets NLM_F_DUMP). */
int mlab_nl_dump(struct mlab_nl *nl, struct nlmsghdr *nlh, mlab_nl_cb cb,
		 void *data);
/*
 * Attribute tables: fill tb[1..max], skipping unknown types (forward
 * compatible) and validating known ones against types[] (enum
 * mnl_attr_data_type per type, 0 = unchecked, types may be NULL).
 * 0 or -EINVAL.
 */
int mlab_attr_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    unsigned int max, const uint8_t *types);
int mlab_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			   unsigned int max, const uint8_t *types);
uint32_t mlab_attr_u32(const struct nlattr *a, uint32_t def);
uint64_t mlab_attr_u64(const struct nlattr *a, uint64_t def);

/* The events multicast group. */
struct mlab_event {
	uint32_t type, hier;	/* MEMCGLAB_EVENT_* */
	uint64_t id, usage, limit, dropped;
};
int mlab_nl_join_events(struct mlab_nl *nl);
/* 1 if nlh is an event (parsed into ev), 0 if another message, -EINVAL. */
int mlab_event_parse(const struct mlab_nl *nl, const struct nlmsghdr *nlh,
		     struct mlab_event *ev);
/* Wait up to timeout_ms (-1: for ever) for an event: 1, 0 on timeout, -errno. */
int mlab_nl_next_event(struct mlab_nl *nl, struct mlab_event *ev, int timeout_ms);

/* ---- operations (mlab_ops.c) ---- */
struct mlab_group_ref {
	uint32_t hier;		/* hierarchy id: st_dev of the mount */
	uint64_t id;		/* group id: directory inode number */
};

enum { MLAB_EV_LOW, MLAB_EV_HIGH, MLAB_EV_MAX, MLAB_EV_OOM, MLAB_EV_OOM_KILL,
       MLAB_EV_OOM_GROUP_KILL, MLAB_NR_EVENTS };

/* A GROUP_GET reply. */
struct mlab_group_info {
	uint32_t hier;
	uint64_t id, parent_id;		/* parent_id 0 for the root */
	uint32_t flavour;		/* MEMCGLAB_FLAVOUR_* */
	char policy[MEMCGLAB_POLICY_NAME_MAX];	/* "?" if the kernel sent none */
	uint32_t batch;
	uint64_t usage, owned;		/* bytes; owned = held by charge owners */
	uint64_t max, high, low, min, soft_limit;	/* MLAB_UNLIMITED = max */
	uint64_t watermark, failcnt, emin, elow;
	uint64_t events[MLAB_NR_EVENTS], events_local[MLAB_NR_EVENTS];
	uint64_t charges, charged, uncharges, uncharged, fails;	/* local stats */
	uint64_t present;		/* bit N: top-level attribute N came */
	/* Left to the caller (the CLI's trees): */
	uint32_t depth;
	char name[256];			/* "#ID" until the caller names it */
};

enum { MLAB_SET_MAX = 1, MLAB_SET_HIGH = 2, MLAB_SET_LOW = 4, MLAB_SET_MIN = 8,
       MLAB_SET_SOFT_LIMIT = 16 };
struct mlab_limits {
	unsigned int mask;		/* MLAB_SET_*: which fields to set */
	uint64_t max, high, low, min, soft_limit; /* bytes; MLAB_UNLIMITED = max */
};

/* One CHARGE entry: the request, then its result. */
struct mlab_charge_req {
	struct mlab_group_ref ref;
	int64_t delta;		/* bytes, > 0 charge, < 0 uncharge */
	uint32_t count;		/* repetitions; 0 and 1 send none */
	bool force;		/* charge past the limits (never refused) */
	uint32_t type;		/* MEMCGLAB_CHARGE_TYPE_ANON (0) or _FILE */
	/* results */
	uint32_t done;		/* repetitions that succeeded */
	int error;		/* 0 or -errno of the first failing repetition */
	uint64_t usage;		/* group usage afterwards */
	uint64_t held;		/* bytes this socket holds in the group afterwards */
};

/* One in-kernel bench run (BENCH): parameters in, defaults and results out. */
struct mlab_bench {
	uint32_t kind;		/* MEMCGLAB_BENCH_KIND_* */
	char policy[MEMCGLAB_POLICY_NAME_MAX];	/* kind policy: which one */
	uint32_t depth, fanout, siblings, threads, nr_pages, batch, ms; /* 0 = default */
	uint64_t count;
	/* results */
	uint64_t wall_ns, base_ops, base_ns;
	bool accounted;
	uint32_t nr_threads;	/* entries filled in ops[] and ns[] */
	uint64_t ops[MEMCGLAB_BENCH_MAX_THREADS], ns[MEMCGLAB_BENCH_MAX_THREADS];
};

/* Attribute builders: what they are given, checked by the kernel alone. */
void mlab_put_ref(struct nlmsghdr *nlh, const struct mlab_group_ref *ref,
		  uint16_t hier_type, uint16_t id_type);
void mlab_put_charge_entry(struct nlmsghdr *nlh, const struct mlab_charge_req *r);

int mlab_group_parse(const struct nlmsghdr *nlh, struct mlab_group_info *gi);
int mlab_nl_group_get(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		      struct mlab_group_info *gi);
/* Every group of the subtree at ref, in id order (parents before children). */
typedef int (*mlab_group_cb)(const struct mlab_group_info *gi, void *data);
int mlab_nl_group_dump(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		       mlab_group_cb cb, void *data);
int mlab_nl_group_set(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		      const struct mlab_limits *lim);
int mlab_nl_group_reset(struct mlab_nl *nl, const struct mlab_group_ref *ref,
			uint32_t flags);	/* MEMCGLAB_RESET_* */
/*
 * Send a CHARGE request built with mlab_put_charge_entry() and read the
 * per-entry results into res[0..max) (res may be NULL): the number of
 * entries in the reply, or -errno when the kernel refused the request.
 */
int mlab_nl_charge_talk(struct mlab_nl *nl, struct nlmsghdr *nlh,
			struct mlab_charge_req *res, unsigned int max);
/*
 * One batched request (n <= MEMCGLAB_CHARGE_MAX_ENTRIES). 0 when the kernel
 * processed it (results filled in; entries may still have failed), -errno
 * when it refused the whole request (nothing changed).
 */
int mlab_nl_charge(struct mlab_nl *nl, struct mlab_charge_req *reqs,
		   unsigned int n);
int mlab_nl_bench(struct mlab_nl *nl, struct mlab_bench *b);

/* A registered charging policy (POLICY_GET dump). */
struct mlab_policy_entry {
	char name[MEMCGLAB_POLICY_NAME_MAX];
	char module[64];
	char description[128];
	bool batch;		/* takes the mount option batch= */
	uint32_t slack;		/* pages per CPU a charge may exceed a limit by */
};
typedef int (*mlab_policy_cb)(const struct mlab_policy_entry *pe, void *data);
int mlab_nl_policy_dump(struct mlab_nl *nl, mlab_policy_cb cb, void *data);

/*
 * Start recording the real memcg of a cgroup (v2 id) subtree into the
 * memcglab_rec tracepoints; it stops when nl is closed. probes gets the
 * kernel functions probed. 0 or -errno (EBUSY: another recording runs).
 */
int mlab_nl_trace_start(struct mlab_nl *nl, uint64_t cgroup_id, char *probes,
			size_t len);
/*
 * The same for the memory cgroup of task pid, on whichever hierarchy memory
 * is bound to (the way to a v1 one); cgroup_id gets the recorded cgroup's
 * id (on v1 its directory's inode number). ESRCH: no such task; ENOENT: it
 * is in a root memory cgroup.
 */
int mlab_nl_trace_start_task(struct mlab_nl *nl, uint32_t pid, uint64_t *cgroup_id,
			     char *probes, size_t len);

#endif /* MEMCGLAB_LIBMLAB_H */
