/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy_builtin.h - internal to policy.c and policy_builtin.c: the
 * built-in policies, for the registry and INDIRECT_CALL_3().
 */
#ifndef _MLAB_POLICY_BUILTIN_H
#define _MLAB_POLICY_BUILTIN_H

#include "counter.h"
#include "mlab_policy.h"

extern struct mlab_policy_ops strict_ops;
extern struct mlab_policy_ops batched_ops;
extern struct mlab_policy_ops locked_ops;

int strict_try_charge(struct mlab_policy *p, struct mlab_counter *c,
		      unsigned long nr_pages, struct mlab_counter **fail);
void strict_charge(struct mlab_policy *p, struct mlab_counter *c,
		   unsigned long nr_pages);
void strict_uncharge(struct mlab_policy *p, struct mlab_counter *c,
		     unsigned long nr_pages);

int batched_try_charge(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages, struct mlab_counter **fail);
void batched_charge(struct mlab_policy *p, struct mlab_counter *c,
		    unsigned long nr_pages);
void batched_uncharge(struct mlab_policy *p, struct mlab_counter *c,
		      unsigned long nr_pages);

int locked_try_charge(struct mlab_policy *p, struct mlab_counter *counter,
		      unsigned long nr_pages, struct mlab_counter **fail);
void locked_charge(struct mlab_policy *p, struct mlab_counter *counter,
		   unsigned long nr_pages);
void locked_uncharge(struct mlab_policy *p, struct mlab_counter *counter,
		     unsigned long nr_pages);

#endif /* _MLAB_POLICY_BUILTIN_H */
