/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reclaim.h - simulated reclaim: reclaimable (file) pages per group and the
 * kernel's protection-aware distribution of reclaim pressure
 * (mm/vmscan.c try_to_free_mem_cgroup_pages() and what it calls), plus the
 * retry loop of a charge that does not fit (mm/memcontrol.c
 * try_charge_memcg()).  See docs/reclaim.md.
 *
 * Like counter.c and policy.c this knows nothing of groups, files or
 * netlink: it works on struct mlab_lru (one per group) and reaches the
 * group tree through struct mlab_reclaim_ops, so the same source builds in
 * userspace against selftests/userspace/shim.
 */
#ifndef _MLAB_RECLAIM_H
#define _MLAB_RECLAIM_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include "counter.h"
#include "policy.h"

/* The kernel's constants (include/linux/swap.h, mm/internal.h, mm/vmscan.c). */
#define MLAB_SWAP_CLUSTER_MAX		32UL
#define MLAB_DEF_PRIORITY		12
#define MLAB_MAX_RECLAIM_RETRIES	16
/* 1 << PAGE_ALLOC_COSTLY_ORDER: smaller charges retry while reclaim works. */
#define MLAB_COSTLY_PAGES		8UL
/* MGLRU scans anon only with at least MIN_LRU_BATCH (BITS_PER_LONG) slots. */
#define MLAB_MIN_LRU_BATCH		64UL
/* Swappiness: 200 is the largest; memory.reclaim's "max" (6.17) is anon only. */
#define MLAB_SWAPPINESS_MAX		200
#define MLAB_SWAPPINESS_ANON_ONLY	(MLAB_SWAPPINESS_MAX + 1)
/* mlab_reclaim_ctl.swappiness: each group's own (ops->swappiness). */
#define MLAB_SWAPPINESS_GROUP		(-1)

/* Keep in step with mlab_reclaim_mode_names[]. */
enum mlab_reclaim_mode {
	MLAB_RECLAIM_LRU,	/* classic active/inactive LRU (6.1) */
	MLAB_RECLAIM_MGLRU,	/* multi-gen LRU as 6.12 runs it */
	MLAB_NR_RECLAIM_MODES
};

/* "lru", "mglru". */
extern const char * const mlab_reclaim_mode_names[MLAB_NR_RECLAIM_MODES];

/* What a charge is; keep in step with the uapi's MEMCGLAB_CHARGE_*. */
enum mlab_charge_type {
	MLAB_CHARGE_ANON,	/* anonymous memory: reclaimed by swapping out */
	MLAB_CHARGE_FILE,	/* page cache: reclaimable */
	MLAB_NR_CHARGE_TYPES
};

/* "anon", "file". */
extern const char * const mlab_charge_type_names[MLAB_NR_CHARGE_TYPES];

/**
 * struct mlab_lru_entry - one holder's file pages on a group's LRU
 * @node: entry in the group's &mlab_lru.entries while @nr_pages > 0
 * @nr_pages: file pages of this holder still resident (under the LRU lock)
 *
 * Reclaim takes pages from the oldest entry first; an entry that charges
 * again moves to the tail, like a page being added to the LRU.
 */
struct mlab_lru_entry {
	struct list_head node;
	unsigned long nr_pages;
};

/**
 * struct mlab_lru - the reclaimable pages of one group
 * @lock: protects @entries, @nr_file, @anon_entries, @nr_anon and the
 *	entries' page counts
 * @entries: holders with resident file pages, oldest first
 * @nr_file: resident file pages of the group (not its children)
 * @anon_entries: holders with resident anon pages, oldest first
 * @nr_anon: resident anon pages of the group (not its children)
 * @pgscan: pages scanned here by reclaim
 * @pgsteal: pages reclaimed here
 * @counter: the group's page counter
 */
struct mlab_lru {
	spinlock_t lock;	/* see @lock above */
	struct list_head entries;
	unsigned long nr_file;
	struct list_head anon_entries;
	unsigned long nr_anon;
	atomic_long_t pgscan;
	atomic_long_t pgsteal;
	struct mlab_counter *counter;
};

struct mlab_reclaim_ctl;

/**
 * struct mlab_reclaim_ops - how reclaim reaches the groups
 * @next: pre-order walk of @root's subtree: @root itself when @pos is NULL,
 *	then every descendant, NULL at the end.  Called with the tree stable
 *	(between @lock and @unlock).
 * @lock: make the tree stable for a reclaim pass (may sleep)
 * @unlock: undo @lock
 * @try_charge: one charge attempt of @nr_pages at the charging group; on
 *	-ENOMEM set *@over to the LRU of the group whose limit refused it
 *	(having counted the max event and failcnt there) and *@limit to the
 *	counter that refused: that group's memory counter, or one that
 *	counts swap too (v1 memsw), which swapping out would not relieve.
 *	Any other error ends the charge.
 * @evicted: @nr_pages of @lru's file pages were reclaimed: uncharge them
 * @low_event: reclaim breached @lru's group's memory.low
 * @swap_room: how many of @lru's anon pages could be swapped out now;
 *	NULL: there is no swap
 * @swap_reserve: reserve swap for up to @nr_pages of @lru's anon pages
 *	(counting the failures); returns how many were reserved
 * @swapped: @nr_swapped of @lru's anon pages left memory for swap:
 *	uncharge them from memory; give back the rest of @nr_reserved
 * @swappiness: the swappiness of @lru's group (0..200)
 *
 * Every callback gets the control structure, whose @priv is the caller's.
 */
struct mlab_reclaim_ops {
	struct mlab_lru *(*next)(const struct mlab_reclaim_ctl *ctl,
				 struct mlab_lru *root, struct mlab_lru *pos);
	void (*lock)(const struct mlab_reclaim_ctl *ctl);
	void (*unlock)(const struct mlab_reclaim_ctl *ctl);
	int (*try_charge)(const struct mlab_reclaim_ctl *ctl,
			  unsigned long nr_pages, struct mlab_lru **over,
			  struct mlab_counter **limit);
	void (*evicted)(const struct mlab_reclaim_ctl *ctl,
			struct mlab_lru *lru, unsigned long nr_pages);
	void (*low_event)(const struct mlab_reclaim_ctl *ctl,
			  struct mlab_lru *lru);
	unsigned long (*swap_room)(const struct mlab_reclaim_ctl *ctl,
				   struct mlab_lru *lru);
	unsigned long (*swap_reserve)(const struct mlab_reclaim_ctl *ctl,
				      struct mlab_lru *lru,
				      unsigned long nr_pages);
	void (*swapped)(const struct mlab_reclaim_ctl *ctl, struct mlab_lru *lru,
			unsigned long nr_swapped, unsigned long nr_reserved);
	int (*swappiness)(const struct mlab_reclaim_ctl *ctl,
			  struct mlab_lru *lru);
};

/**
 * struct mlab_reclaim_ctl - one reclaim or charge request
 * @ops: the callbacks
 * @priv: for the callbacks
 * @policy: the hierarchy's charging policy (drained before giving up)
 * @mode: the reclaim model
 * @recursiveprot: effective protection in memory_recursiveprot mode
 * @locked: the caller already holds what @ops->lock takes
 * @may_swap: anon pages may be swapped out (where @ops has swap)
 * @swappiness: memory.reclaim's swappiness= (0..200, or
 *	MLAB_SWAPPINESS_ANON_ONLY), or MLAB_SWAPPINESS_GROUP for each
 *	group's own
 */
struct mlab_reclaim_ctl {
	const struct mlab_reclaim_ops *ops;
	void *priv;
	struct mlab_policy *policy;
	enum mlab_reclaim_mode mode;
	bool recursiveprot;
	bool locked;
	bool may_swap;
	int swappiness;
};

void mlab_lru_init(struct mlab_lru *lru, struct mlab_counter *counter);
void mlab_lru_entry_init(struct mlab_lru_entry *e);
void mlab_lru_add(struct mlab_lru *lru, struct mlab_lru_entry *e,
		  unsigned long nr_pages);
unsigned long mlab_lru_remove(struct mlab_lru *lru, struct mlab_lru_entry *e,
			      unsigned long nr_pages);
unsigned long mlab_lru_entry_pages(struct mlab_lru *lru,
				   struct mlab_lru_entry *e);
unsigned long mlab_lru_isolate(struct mlab_lru *lru, struct list_head *list,
			       unsigned long *nr_list, unsigned long nr_pages);
void mlab_lru_add_anon(struct mlab_lru *lru, struct mlab_lru_entry *e,
		       unsigned long nr_pages);
unsigned long mlab_lru_remove_anon(struct mlab_lru *lru,
				   struct mlab_lru_entry *e,
				   unsigned long nr_pages);

/**
 * mlab_lru_file - resident file pages of one group
 * @lru: the group's LRU
 *
 * Context: any context.
 * Return: the count (racy against concurrent charges and reclaim).
 */
static inline unsigned long mlab_lru_file(struct mlab_lru *lru)
{
	return READ_ONCE(lru->nr_file);
}

/**
 * mlab_lru_anon - resident anon pages of one group
 * @lru: the group's LRU
 *
 * Context: any context.
 * Return: the count (racy against concurrent charges and reclaim).
 */
static inline unsigned long mlab_lru_anon(struct mlab_lru *lru)
{
	return READ_ONCE(lru->nr_anon);
}

unsigned long mlab_reclaim_pages(const struct mlab_reclaim_ctl *ctl,
				 struct mlab_lru *target,
				 unsigned long nr_pages);
int mlab_reclaim_charge(const struct mlab_reclaim_ctl *ctl,
			unsigned long nr_pages, struct mlab_lru **limiting);
int mlab_reclaim_proactive(const struct mlab_reclaim_ctl *ctl,
			   struct mlab_lru *target, unsigned long nr_pages);
bool mlab_reclaim_to_limit(const struct mlab_reclaim_ctl *ctl,
			   struct mlab_lru *target, unsigned long limit);
int mlab_reclaim_resize_max(const struct mlab_reclaim_ctl *ctl,
			    struct mlab_lru *target, unsigned long max);
int mlab_reclaim_empty(const struct mlab_reclaim_ctl *ctl,
		       struct mlab_lru *target);

#endif /* _MLAB_RECLAIM_H */
