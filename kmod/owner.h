/* SPDX-License-Identifier: GPL-2.0 */
/*
 * owner.h - charge owners: whatever holds charges (an open memcglab.charge
 * descriptor, a netlink socket) records how many pages it holds in each
 * group and gives every one of them back when it is released.
 */
#ifndef _MLAB_OWNER_H
#define _MLAB_OWNER_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include "group.h"

/**
 * struct mlab_owner - a holder of charges
 * @lock: serialises this owner's charges, uncharges and release
 * @holds: one struct mlab_hold per group it holds pages in
 *
 * Embed it in the object that owns the charges (file private data, socket
 * state); the owner itself is never reference counted.
 */
struct mlab_owner {
	struct mutex lock;		/* serialises everything below */
	struct list_head holds;
};

/* kernel-doc in owner.c */
void mlab_owner_init(struct mlab_owner *o);
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, bool force);
int mlab_owner_uncharge(struct mlab_owner *o, struct mlab_group *g,
			unsigned long nr_pages);
unsigned long mlab_owner_held(struct mlab_owner *o, struct mlab_group *g);
void mlab_owner_release(struct mlab_owner *o);

#endif /* _MLAB_OWNER_H */
