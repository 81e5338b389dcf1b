/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - charging policies: how a charge reaches the page counter.
 *
 * One policy per hierarchy, chosen by name (mount option policy=).  The
 * registry holds memcglab's own (strict, batched, locked) and those that
 * policy modules register through mlab_policy.h; a hierarchy's policy
 * holds a reference on the module that implements it.
 */
#ifndef _MLAB_POLICY_H
#define _MLAB_POLICY_H

#include <linux/types.h>
#include "counter.h"
#include "mlab_policy.h"

/* The policy of a mount that names none. */
#define MLAB_POLICY_DEFAULT	"strict"
/* Longest module name reported for a policy, NUL included. */
#define MLAB_POLICY_MODULE_MAX	56

/**
 * struct mlab_policy_info - a registered policy, copied for readers
 * @name: its name
 * @module: the module that registered it
 * @description: its one-line description
 * @flags: MLAB_POLICY_F_*
 * @slack: pages per online CPU a successful charge may exceed a limit by
 */
struct mlab_policy_info {
	char name[MLAB_POLICY_NAME_MAX];
	char module[MLAB_POLICY_MODULE_MAX];
	char description[MLAB_POLICY_DESC_MAX];
	unsigned int flags;
	unsigned int slack;
};

int mlab_policy_init(void);
void mlab_policy_exit(void);
int mlab_policy_get_info(unsigned int idx, struct mlab_policy_info *info);
bool mlab_policy_known(const char *name);
void mlab_policy_available(char *buf, size_t size);

struct mlab_policy *mlab_policy_create(const char *name, unsigned int batch);
void mlab_policy_destroy(struct mlab_policy *p);
const char *mlab_policy_name(const struct mlab_policy *p);
unsigned int mlab_policy_batch(const struct mlab_policy *p);
int mlab_policy_counter_init(struct mlab_policy *p, struct mlab_counter *c,
			     struct mlab_counter *parent, bool track_failcnt);
void mlab_policy_counter_exit(struct mlab_policy *p, struct mlab_counter *c);
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
