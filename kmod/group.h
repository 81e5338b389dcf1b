/* SPDX-License-Identifier: GPL-2.0 */
/*
 * group.h - groups and hierarchies: the layer between the front ends
 * (fs.c, files.c, netlink.c) and the charging core (policy, counter).
 *
 * A hierarchy is one mount of the memcglab filesystem.  Its id is the
 * superblock's s_dev encoded as userspace sees it in stat(2)'s st_dev
 * (new_encode_dev()).  A group is a directory of that mount; its id is the
 * directory's inode number.  Ids are never reused within a hierarchy and a
 * child's id is always larger than its parent's, so walking a hierarchy in
 * id order visits every parent before its children.
 *
 * Front ends must use only the functions below (and the owner API in
 * owner.h); the struct layouts are visible for fs.c and files.c, which live
 * with this layer.  Every function that takes a group expects the caller to
 * hold a reference on it.
 */
#ifndef _MLAB_GROUP_H
#define _MLAB_GROUP_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include "counter.h"
#include "policy.h"

/* memory.events keys, in the kernel's order; keep mlab_event_names[] in step. */
enum mlab_event {
	MLAB_EVENT_LOW,
	MLAB_EVENT_HIGH,
	MLAB_EVENT_MAX,
	MLAB_EVENT_OOM,
	MLAB_EVENT_OOM_KILL,
	MLAB_EVENT_OOM_GROUP_KILL,
	MLAB_NR_EVENTS
};

/* "low", "high", "max", "oom", "oom_kill", "oom_group_kill". */
extern const char * const mlab_event_names[MLAB_NR_EVENTS];

/* The settable limits and protections; keep mlab_limit_names[] in step. */
enum mlab_limit {
	MLAB_LIMIT_MAX,		/* memory.max / memory.limit_in_bytes */
	MLAB_LIMIT_HIGH,	/* memory.high */
	MLAB_LIMIT_LOW,		/* memory.low */
	MLAB_LIMIT_MIN,		/* memory.min */
	MLAB_LIMIT_SOFT,	/* memory.soft_limit_in_bytes */
	MLAB_NR_LIMITS
};

/* "max", "high", "low", "min", "soft". */
extern const char * const mlab_limit_names[MLAB_NR_LIMITS];

/* What mlab_group_reset() can reset. */
enum mlab_reset {
	MLAB_RESET_WATERMARK,	/* watermark = local watermark = usage */
	MLAB_RESET_FAILCNT,	/* failcnt = 0 */
};

/* Per-cpu operation counters of one group (local, not hierarchical). */
struct mlab_group_stats {
	u64 charges;		/* successful charge operations */
	u64 charged_pages;	/* pages they charged */
	u64 uncharges;		/* uncharge operations */
	u64 uncharged_pages;	/* pages they gave back */
	u64 fails;		/* refused charge operations */
};

/* Per-cpu state of a group; @owned sums (over CPUs) to pages owners hold. */
struct mlab_group_pcpu {
	struct mlab_group_stats stats;
	long owned;
};

/**
 * struct mlab_hier - one hierarchy (one mount)
 * @kref: held by the superblock and by every group
 * @id: the superblock's s_dev as userspace sees it; 0 until registered
 * @v1: the mount shows the cgroup v1 file flavour
 * @recursiveprot: effective min/low share unclaimed parental protection
 *                 (cgroup2's memory_recursiveprot mount option)
 * @policy: the mount's charging policy
 * @root: the root group (valid while the superblock lives)
 * @lock: serialises tree changes, limit writes and protection updates
 * @groups: live groups by id
 * @next_ino: the last inode number handed out in this hierarchy
 * @rcu: frees the structure after lookups that may still see it
 */
struct mlab_hier {
	struct kref kref;
	u32 id;
	bool v1;
	bool recursiveprot;
	struct mlab_policy *policy;
	struct mlab_group *root;
	struct mutex lock;	/* see @lock above */
	struct xarray groups;
	atomic64_t next_ino;
	struct rcu_head rcu;
};

/*
 * State the filesystem keeps per group to notify memory.events watchers;
 * owned by fs.c, initialised (zeroed, lock ready) by the group layer.
 */
struct mlab_group_fsnotify {
	spinlock_t lock;		/* protects the fields below but @seq */
	struct dentry *events;
	struct dentry *events_local;
	struct delayed_work work;
	unsigned long last;
	unsigned int pending;
	atomic_t seq[2];
	wait_queue_head_t wait;
};

/**
 * struct mlab_group - one group (one directory)
 * @counter: the page counter; its parent is the parent group's counter
 * @hier: the hierarchy (referenced)
 * @parent: the parent group (referenced), NULL for the root
 * @id: the group's id (its directory's inode number)
 * @kref: held by the directory and file inodes, charge owners, lookups
 * @children: child groups (under @hier->lock)
 * @sibling: entry in the parent's @children
 * @nr_children: number of live children (under @hier->lock)
 * @dead: removed by rmdir; refuses charges (set under RCU, see group.c)
 * @events: hierarchical event counts (memory.events)
 * @events_local: local event counts (memory.events.local)
 * @soft_limit: v1 soft limit in pages
 * @oom_kill_disable: v1 oom_control setting
 * @peaks_lock: protects @peaks
 * @peaks: per-descriptor memory.peak watchers (fs.c, kernel >= 6.12)
 * @pcpu: per-cpu operation counters and pages held by owners
 * @fsn: filesystem notification state (fs.c)
 * @rcu: frees the structure after lookups that may still see it
 */
struct mlab_group {
	struct mlab_counter counter;
	struct mlab_hier *hier;
	struct mlab_group *parent;
	u64 id;
	struct kref kref;
	struct list_head children;
	struct list_head sibling;
	unsigned int nr_children;
	bool dead;
	atomic_long_t events[MLAB_NR_EVENTS];
	atomic_long_t events_local[MLAB_NR_EVENTS];
	unsigned long soft_limit;
	bool oom_kill_disable;
	spinlock_t peaks_lock;		/* protects @peaks */
	struct list_head peaks;
	struct mlab_group_pcpu __percpu *pcpu;
	struct mlab_group_fsnotify fsn;
	struct rcu_head rcu;
};

/**
 * struct mlab_group_info - a snapshot of a group for readers
 *
 * All sizes are in pages (MLAB_COUNTER_MAX means unlimited); multiply by
 * PAGE_SIZE for bytes.  @owned is what charge owners hold; @usage also counts
 * pages sitting in the batched policy's per-cpu stock.  Event and stat
 * counts: @events hierarchical, @events_local and @stats local.
 */
struct mlab_group_info {
	u32 hier_id;
	u64 id;
	u64 parent_id;		/* 0 for the root */
	bool v1;
	char policy[MLAB_POLICY_NAME_MAX];	/* a copy: outlives the group */
	unsigned int batch;
	unsigned long usage;
	unsigned long owned;
	unsigned long max;
	unsigned long high;
	unsigned long low;
	unsigned long min;
	unsigned long soft_limit;
	unsigned long watermark;
	unsigned long failcnt;
	unsigned long emin;
	unsigned long elow;
	unsigned long events[MLAB_NR_EVENTS];
	unsigned long events_local[MLAB_NR_EVENTS];
	struct mlab_group_stats stats;
};

/**
 * struct mlab_event_info - what an event notifier receives as its data
 * @group: where the event happened (valid during the call only; take a
 *	reference with mlab_group_get() to keep it)
 * @event: which event (also the notifier's action argument)
 * @usage: the group's usage in pages when it happened
 * @limit: the limit involved in pages (max for max/oom, high for high)
 *
 * The local and hierarchical counts have already been updated when the
 * chain runs.  Memory.events of every ancestor except the root also changed
 * (v2 flavour); v1 hierarchies count events at the group only.
 */
struct mlab_event_info {
	struct mlab_group *group;
	enum mlab_event event;
	unsigned long usage;
	unsigned long limit;
};

/*
 * Lookup and lifetime.  All may sleep unless noted.
 *
 * mlab_group_lookup(): the live group @id of hierarchy @hier_id with a
 *	reference, or NULL (unknown hierarchy or id, or removed group).
 *	Any context (RCU inside).
 * mlab_group_next(): for dumps.  The first live group of @root's subtree
 *	(@root included) whose id is larger than @after, referenced, or NULL
 *	when there is none.  Start with @after = 0 and pass the last returned
 *	id; keep the ids (not pointers) across dump callbacks and look @root up
 *	again each time.  Safe against concurrent mkdir/rmdir: removed groups
 *	are skipped, new ones are visited if their id is larger.  Any context.
 * mlab_group_get(): take another reference.  Any context.
 * mlab_group_put(): drop one; the last may drain a policy stock and sleep.
 */
struct mlab_group *mlab_group_lookup(u32 hier_id, u64 id);
struct mlab_group *mlab_group_next(struct mlab_group *root, u64 after);
void mlab_group_get(struct mlab_group *g);
void mlab_group_put(struct mlab_group *g);

/*
 * Reading.
 *
 * mlab_group_info(): fill @info (see struct mlab_group_info); recomputes
 *	emin/elow top-down under the hierarchy lock.  May sleep.
 * mlab_group_policy_name(): the name of the hierarchy's policy.
 * mlab_group_usage(): usage in pages.  Any context.
 * mlab_group_hier_max(): the smallest max on the path to the root (pages).
 * mlab_group_stats_sum(): the group's stats, or its subtree's; may sleep.
 * mlab_group_owned_sum(): pages held by owners in the group or subtree.
 */
void mlab_group_info(struct mlab_group *g, struct mlab_group_info *info);
const char *mlab_group_policy_name(struct mlab_group *g);
unsigned long mlab_group_usage(struct mlab_group *g);
unsigned long mlab_group_hier_max(struct mlab_group *g);
void mlab_group_stats_sum(struct mlab_group *g, bool subtree,
			  struct mlab_group_stats *sum);
unsigned long mlab_group_owned_sum(struct mlab_group *g, bool subtree);

/*
 * Changing.  All may sleep and return -ENODEV for a removed group.
 *
 * mlab_group_set_limit(): the kernel's meaning for the hierarchy's flavour.
 *	MAX on v1: -EBUSY when usage stays above the new limit after draining
 *	stocks (the limit is unchanged).  MAX on v2: set unconditionally, drain
 *	stocks, and if usage is still above, count one oom event (the OOM
 *	killer finds no task to kill) and return 0.  HIGH/LOW/MIN/SOFT: set.
 *	MAX, HIGH, LOW, MIN on the root: -EINVAL (v1 refuses the root's
 *	limit, v2 has no such files there); SOFT is allowed on the root.
 * mlab_group_reset(): WATERMARK or FAILCNT; allowed on the root.
 * mlab_group_set_oom_kill_disable(): v1 oom_control; -EINVAL on the root.
 */
int mlab_group_set_limit(struct mlab_group *g, enum mlab_limit which,
			 unsigned long nr_pages);
int mlab_group_reset(struct mlab_group *g, enum mlab_reset what);
int mlab_group_set_oom_kill_disable(struct mlab_group *g, bool disable);

/*
 * Events: an atomic notifier chain, called once per event with the action
 * set to the enum mlab_event and data pointing at a struct mlab_event_info.
 * Callbacks run in the context of the charge or write that caused the
 * event (process context, possibly under rcu_read_lock()): they must not
 * sleep.  A refused charge gives MAX at the limiting ancestor; a charge that
 * leaves usage above memory.high gives HIGH at each such level; a v2 max
 * write that cannot bring usage under the limit gives OOM.
 */
int mlab_group_register_notifier(struct notifier_block *nb);
int mlab_group_unregister_notifier(struct notifier_block *nb);

/* For fs.c only: hierarchies and the tree. */
struct mlab_hier *mlab_hier_create(bool v1, bool recursiveprot,
				   const char *policy, unsigned int batch);
int mlab_hier_register(struct mlab_hier *h, u32 id);
void mlab_hier_unregister(struct mlab_hier *h);
void mlab_hier_put(struct mlab_hier *h);
u64 mlab_hier_next_ino(struct mlab_hier *h);
struct mlab_group *mlab_group_create(struct mlab_hier *h,
				     struct mlab_group *parent, u64 id);
int mlab_group_remove(struct mlab_group *g);

/* For owner.c only: charging a group (see owner.h for the public API). */
int mlab_group_charge(struct mlab_group *g, unsigned long nr_pages,
		      bool force);
void mlab_group_uncharge(struct mlab_group *g, unsigned long nr_pages);

/**
 * mlab_group_is_root - is this the root group of its hierarchy?
 * @g: the group
 *
 * Return: true for the root group.
 */
static inline bool mlab_group_is_root(const struct mlab_group *g)
{
	return !g->parent;
}

#endif /* _MLAB_GROUP_H */
