/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swap.h - the simulated swap device of a hierarchy (mount option swap=)
 * and the swap accounting of its groups: the v2 swap counter
 * (memory.swap.*), the v1 memory+swap counter (memory.memsw.*) and
 * memory.swappiness.  See docs/reclaim.md, "Swap".
 *
 * In v2, as in the kernel, a page swapped out leaves the memory counter and
 * is charged to the swap counter; in v1 the memsw counter is charged along
 * with memory on every charge and a swap-out leaves it unchanged.  Freeing
 * a swapped-out page gives back its device slot and its swap (v2) or memsw
 * (v1) charge.
 */
#ifndef _MLAB_SWAP_H
#define _MLAB_SWAP_H

#include <linux/atomic.h>
#include <linux/types.h>
#include "counter.h"

struct mlab_group;
struct mlab_hier;

/* memory.swap.events keys, in the kernel's order; keep names in step. */
enum mlab_swap_event {
	MLAB_SWAP_EVENT_HIGH,
	MLAB_SWAP_EVENT_MAX,
	MLAB_SWAP_EVENT_FAIL,
	MLAB_NR_SWAP_EVENTS
};

/* "high", "max", "fail". */
extern const char * const mlab_swap_event_names[MLAB_NR_SWAP_EVENTS];

/* vm_swappiness's default, and the largest value memory.swappiness takes. */
#define MLAB_DEFAULT_SWAPPINESS	60
#define MLAB_MAX_SWAPPINESS	200

/**
 * struct mlab_swap_dev - a hierarchy's simulated swap device
 * @total: its size in pages (0: no swap, the default)
 * @used: slots in use
 */
struct mlab_swap_dev {
	unsigned long total;
	atomic_long_t used;
};

/**
 * struct mlab_swap_group - one group's swap accounting
 * @counter: v2: the swap counter (swap.max, swap.high, swap.peak);
 *	v1: the memory+swap counter (memsw.limit_in_bytes, failcnt)
 * @swapped: pages of this group's owners that are swapped out (local)
 * @events: memory.swap.events, hierarchical as the kernel counts them
 * @swappiness: v1 memory.swappiness; the root's is the mount's
 *	vm_swappiness, which v2 uses for every group
 */
struct mlab_swap_group {
	struct mlab_counter counter;
	atomic_long_t swapped;
	atomic_long_t events[MLAB_NR_SWAP_EVENTS];
	unsigned int swappiness;
};

/* For hier.c and group.c. */
void mlab_swap_dev_init(struct mlab_swap_dev *dev, unsigned long nr_pages);
int mlab_swap_dev_resize(struct mlab_hier *h, unsigned long nr_pages);
void mlab_swap_group_init(struct mlab_group *g, struct mlab_group *parent);
void mlab_swap_event(struct mlab_group *g, enum mlab_swap_event event,
		     unsigned long n);

/* The charge path (group.c): v1 memsw along with memory. */
int mlab_swap_charge_memsw(struct mlab_group *g, unsigned long nr_pages,
			   bool force, struct mlab_group **over);
void mlab_swap_uncharge_memsw(struct mlab_group *g, unsigned long nr_pages);
unsigned long mlab_swap_memsw_max(struct mlab_group *g);

/* Reclaim (pressure.c) and owners (owner.c). */
unsigned long mlab_swap_room(struct mlab_group *g);
unsigned long mlab_swap_reserve(struct mlab_group *g, unsigned long nr_pages);
void mlab_swap_commit(struct mlab_group *g, unsigned long nr_swapped,
		      unsigned long nr_reserved);
void mlab_swap_free(struct mlab_group *g, unsigned long nr_pages);
int mlab_swap_swappiness(struct mlab_group *g);

/* memory.swap.high throttling (oom.c). */
bool mlab_swap_over_high(struct mlab_group *g);

/**
 * struct mlab_swap_info - a snapshot of a group's swap state
 * @usage: v2 swap counter / v1 memsw counter usage, in pages
 * @max: its max
 * @high: its high (v2)
 * @watermark: its watermark
 * @local_watermark: its local watermark (swap.peak writes, 6.12)
 * @failcnt: its failcnt (v1 memsw.failcnt)
 * @hier_max: v1: the smallest memsw max from the group to the root
 * @swapped: swapped-out pages of the group (or subtree, see the caller)
 * @swappiness: memory.swappiness
 * @events: memory.swap.events
 */
struct mlab_swap_info {
	unsigned long usage;
	unsigned long max;
	unsigned long high;
	unsigned long watermark;
	unsigned long local_watermark;
	unsigned long failcnt;
	unsigned long hier_max;
	unsigned long swapped;
	unsigned int swappiness;
	unsigned long events[MLAB_NR_SWAP_EVENTS];
};

/* For the files (files_swap.c). */
void mlab_swap_info(struct mlab_group *g, bool subtree,
		    struct mlab_swap_info *info);
int mlab_swap_set_max(struct mlab_group *g, unsigned long nr_pages);
int mlab_swap_set_high(struct mlab_group *g, unsigned long nr_pages);
int mlab_swap_set_swappiness(struct mlab_group *g, unsigned long long val);
int mlab_swap_reset(struct mlab_group *g, bool failcnt);
int mlab_swap_reset_local_watermark(struct mlab_group *g);

#endif /* _MLAB_SWAP_H */
