/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - charging policies: how a charge reaches the page counter.
 *
 * One policy per hierarchy (mount option policy=).  strict charges the
 * counter directly, batched keeps a per-cpu stock like memcg's charge
 * batching, locked takes a spinlock per level like the old res_counter.
 */
#ifndef _MLAB_POLICY_H
#define _MLAB_POLICY_H

#include <linux/types.h>
#include "counter.h"

/* Keep in step with mlab_policy_names[] in policy.c. */
enum mlab_policy_id {
	MLAB_POLICY_STRICT,
	MLAB_POLICY_BATCHED,
	MLAB_POLICY_LOCKED,
	MLAB_NR_POLICIES
};

/* "strict", "batched", "locked", indexed by enum mlab_policy_id. */
extern const char * const mlab_policy_names[MLAB_NR_POLICIES];

/* Pages charged ahead into the per-cpu stock (memcg's MEMCG_CHARGE_BATCH). */
#define MLAB_DEFAULT_BATCH 64U
/* The largest batch mlab_policy_create() accepts (256 MiB per CPU). */
#define MLAB_MAX_BATCH 65536U

/* One per hierarchy; opaque outside policy.c. */
struct mlab_policy;

struct mlab_policy *mlab_policy_create(enum mlab_policy_id id,
				       unsigned int batch);
void mlab_policy_destroy(struct mlab_policy *p);
enum mlab_policy_id mlab_policy_id(const struct mlab_policy *p);
unsigned int mlab_policy_batch(const struct mlab_policy *p);
void mlab_policy_counter_init(struct mlab_policy *p, struct mlab_counter *c,
			      struct mlab_counter *parent, bool track_failcnt);
int mlab_policy_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages, struct mlab_counter **fail);
void mlab_policy_charge(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages);
void mlab_policy_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages);
void mlab_policy_drain(struct mlab_policy *p, struct mlab_counter *c);
int mlab_policy_set_max(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages);

#endif /* _MLAB_POLICY_H */
