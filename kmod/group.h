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
 * Front ends use only the functions below (and the owner API in owner.h),
 * never the structures' fields; the layouts are here for the inline
 * helpers.  Every function that takes a group expects the caller to hold a
 * reference on it.
 */
#ifndef _MLAB_GROUP_H
#define _MLAB_GROUP_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include "counter.h"
#include "oom.h"
#include "policy.h"
#include "reclaim.h"
#include "swap.h"

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

/* cgroup core limits on the tree below a group (v2 cgroup.max.*). */
enum mlab_tree_limit {
	MLAB_TREE_MAX_DEPTH,		/* cgroup.max.depth */
	MLAB_TREE_MAX_DESCENDANTS,	/* cgroup.max.descendants */
};

/* What mlab_group_reset() can reset. */
enum mlab_reset {
	MLAB_RESET_WATERMARK,	/* watermark = local watermark = usage */
	MLAB_RESET_FAILCNT,	/* failcnt = 0 */
	MLAB_RESET_LOCAL_WATERMARK,	/* local watermark = usage */
};

/* Per-cpu operation counters of one group (local, not hierarchical). */
struct mlab_group_stats {
	u64 charges;		/* successful charge operations */
	u64 charged_pages;	/* pages they charged */
	u64 uncharges;		/* uncharge operations */
	u64 uncharged_pages;	/* pages they gave back */
	u64 fails;		/* refused charge operations */
	u64 stock_hits;		/* charges that left the group's counter as it was */
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
 * @reclaim: the reclaim model (mount option reclaim=)
 * @policy: the mount's charging policy
 * @oom_mode: what the OOM killer does (the oom= mount option)
 * @swap: the simulated swap device (the swap= mount option)
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
	enum mlab_reclaim_mode reclaim;
	struct mlab_policy *policy;
	enum mlab_oom_mode oom_mode;
	struct mlab_swap_dev swap;
	struct mlab_group *root;
	struct mutex lock;	/* see @lock above */
	struct xarray groups;
	atomic64_t next_ino;
	struct rcu_head rcu;
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
 * @nr_descendants: number of live descendants (under @hier->lock)
 * @max_descendants: cgroup.max.descendants, INT_MAX for "max"
 * @max_depth: cgroup.max.depth, INT_MAX for "max"
 * @nr_owners: charge owners attached (under @hier->lock); rmdir refuses
 *	a group with any
 * @dead: removed by rmdir (set under @hier->lock, never cleared)
 * @events: hierarchical event counts (memory.events)
 * @events_local: local event counts (memory.events.local)
 * @soft_limit: v1 soft limit in pages
 * @oom_kill_disable: v1 oom_control setting
 * @oom: OOM state (oom.c): memory.oom.group, v1 under_oom
 * @pcpu: per-cpu operation counters and pages held by owners
 * @priv: the filesystem's object for the group's directory, opaque here
 * @lru: reclaimable pages and reclaim counts (reclaim.c)
 * @swap: swap accounting (swap.c)
 * @rcu: frees the structure after lookups that may still see it
 * @level: depth in the tree, 0 for the root
 * @ancestors: the groups from the root (index 0) down to this one (index
 *	@level), as cgroup keeps them; the parent references keep them alive
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
	int nr_descendants;
	int max_descendants;
	int max_depth;
	unsigned int nr_owners;
	bool dead;
	atomic_long_t events[MLAB_NR_EVENTS];
	atomic_long_t events_local[MLAB_NR_EVENTS];
	unsigned long soft_limit;
	bool oom_kill_disable;
	struct mlab_oom_group oom;
	struct mlab_group_pcpu __percpu *pcpu;
	void __rcu *priv;
	struct mlab_lru lru;
	struct mlab_swap_group swap;
	struct rcu_head rcu;
	int level;
	struct mlab_group *ancestors[];
};

/**
 * struct mlab_group_info - a snapshot of a group for readers
 * @hier_id: the hierarchy's id
 * @id: the group's id
 * @parent_id: the parent's id, 0 for the root
 * @v1: the hierarchy shows the v1 file flavour
 * @policy: the hierarchy's charging policy
 * @batch: the batched policy's batch, 0 for the others
 * @usage: pages charged here and below, stock included
 * @owned: pages charge owners hold in this group
 * @max: memory.max / memory.limit_in_bytes
 * @high: memory.high
 * @low: memory.low
 * @min: memory.min
 * @soft_limit: memory.soft_limit_in_bytes
 * @max_depth: cgroup.max.depth, INT_MAX for "max"
 * @max_descendants: cgroup.max.descendants, INT_MAX for "max"
 * @watermark: highest usage since creation or the last reset
 * @local_watermark: highest usage since the last memory.peak write
 * @failcnt: charges refused with this group as the limiting one
 * @oom_kill_disable: the v1 oom_control setting
 * @emin: effective memory.min, recomputed for the snapshot
 * @elow: effective memory.low, recomputed for the snapshot
 * @events: memory.events counts (hierarchical)
 * @events_local: memory.events.local counts
 * @stats: the group's own operation counters
 *
 * Sizes are in pages (MLAB_COUNTER_MAX means unlimited); multiply by
 * PAGE_SIZE for bytes.
 */
struct mlab_group_info {
	u32 hier_id;
	u64 id;
	u64 parent_id;
	bool v1;
	char policy[MLAB_POLICY_NAME_MAX];
	unsigned int batch;
	unsigned long usage;
	unsigned long owned;
	unsigned long max;
	unsigned long high;
	unsigned long low;
	unsigned long min;
	unsigned long soft_limit;
	int max_depth;
	int max_descendants;
	unsigned long watermark;
	unsigned long local_watermark;
	unsigned long failcnt;
	bool oom_kill_disable;
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
 * @hier_id: the group's hierarchy id
 * @id: the group's id
 * @usage: the group's usage in pages when it happened
 * @limit: the limit involved in pages (max for max/oom, high for high)
 *
 * The local and hierarchical counts have already been updated when the
 * chain runs: the group's memory.events.local, and memory.events of the
 * group and of each group mlab_event_next() walks to from it.
 */
struct mlab_event_info {
	struct mlab_group *group;
	enum mlab_event event;
	u32 hier_id;
	u64 id;
	unsigned long usage;
	unsigned long limit;
};

/* Lookup and lifetime (kernel-doc in group.c and group_event.c). */
struct mlab_group *mlab_group_lookup(u32 hier_id, u64 id);
struct mlab_group *mlab_event_next(const struct mlab_group *pos);
bool mlab_group_removed(const struct mlab_group *g);
void mlab_group_set_priv(struct mlab_group *g, void *priv);
void *mlab_group_priv(const struct mlab_group *g);
u64 mlab_group_id(const struct mlab_group *g);
struct mlab_group *mlab_group_next(struct mlab_group *root, u64 after);
void mlab_group_get(struct mlab_group *g);
void mlab_group_put(struct mlab_group *g);

/* Reading. */
void mlab_group_info(struct mlab_group *g, struct mlab_group_info *info);
unsigned long mlab_group_usage(struct mlab_group *g);
unsigned long mlab_group_hier_max(struct mlab_group *g);
void mlab_group_stats_sum(struct mlab_group *g, bool subtree,
			  struct mlab_group_stats *sum);
unsigned long mlab_group_owned_sum(struct mlab_group *g, bool subtree);

/* Changing: all may sleep and return -ENODEV for a removed group. */
int mlab_group_set_limit(struct mlab_group *g, enum mlab_limit which,
			 unsigned long nr_pages);
int mlab_group_reset(struct mlab_group *g, enum mlab_reset what);
int mlab_group_set_oom_kill_disable(struct mlab_group *g, bool disable);
int mlab_group_set_tree_limit(struct mlab_group *g, enum mlab_tree_limit which,
			      int value);

/*
 * Events: an atomic notifier chain, called once per event with the action
 * set to the enum mlab_event and data pointing at a struct mlab_event_info.
 * Callbacks run in the context of the charge or write that caused the
 * event (process context, possibly under rcu_read_lock()): they must not
 * sleep.
 */
int mlab_group_register_notifier(struct notifier_block *nb);
int mlab_group_unregister_notifier(struct notifier_block *nb);

/**
 * struct mlab_hier_opts - a hierarchy's mount options
 * @v1: the v1 file flavour
 * @recursiveprot: memory_recursiveprot
 * @policy: the charging policy
 * @batch: the batched policy's batch, 0 for the others
 * @reclaim: the reclaim model
 * @oom: the OOM mode
 * @swap: the swap device's size in pages, 0 for none
 */
struct mlab_hier_opts {
	bool v1;
	bool recursiveprot;
	char policy[MLAB_POLICY_NAME_MAX];
	unsigned int batch;
	enum mlab_reclaim_mode reclaim;
	enum mlab_oom_mode oom;
	unsigned long swap;
};

/* For fs.c only: hierarchies and the tree. */
struct mlab_hier *mlab_hier_create(bool v1, bool recursiveprot,
				   const char *policy, unsigned int batch,
				   enum mlab_reclaim_mode reclaim,
				   enum mlab_oom_mode oom);
int mlab_hier_register(struct mlab_hier *h, u32 id);
void mlab_hier_unregister(struct mlab_hier *h);
void mlab_hier_put(struct mlab_hier *h);
void mlab_hier_get_opts(struct mlab_hier *h, struct mlab_hier_opts *opts);
int mlab_hier_set_recursiveprot(struct mlab_hier *h, bool on);
void mlab_hier_set_pressure(struct mlab_hier *h, enum mlab_reclaim_mode reclaim,
			    enum mlab_oom_mode oom);
int mlab_hier_set_policy(struct mlab_hier *h, const char *name,
			 unsigned int batch);
u64 mlab_hier_next_ino(struct mlab_hier *h);
struct mlab_group *mlab_group_create(struct mlab_hier *h,
				     struct mlab_group *parent, u64 id);
int mlab_group_remove(struct mlab_group *g);

/* Internal to group.c and hier.c: live hierarchies by id. */
extern struct xarray mlab_hiers;

/* For owner.c only: charging a group (see owner.h for the public API). */
int mlab_group_attach(struct mlab_group *g);
void mlab_group_detach(struct mlab_group *g);
int mlab_group_charge(struct mlab_group *g, unsigned long nr_pages,
		      unsigned int flags);

/* For pressure.c and oom.c: one charge attempt, and counting an event. */
int mlab_group_try_charge(struct mlab_group *g, unsigned long nr_pages,
			  bool force, struct mlab_group **over,
			  struct mlab_counter **limit);
void mlab_group_event(struct mlab_group *g, enum mlab_event event,
		      unsigned long limit);
void mlab_group_uncharge(struct mlab_group *g, unsigned long nr_pages);

/* For oom.c, owner.c and pressure.c: the pressure path. */
bool mlab_group_is_descendant(struct mlab_group *g, struct mlab_group *root);
struct mlab_group *mlab_group_walk_next(struct mlab_group *pos,
					struct mlab_group *root);

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
