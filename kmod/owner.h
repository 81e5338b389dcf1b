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

/*
 * mlab_owner_init(): before first use.  Any context.
 *
 * mlab_owner_charge(): charge @nr_pages of @type to @g through the
 *	hierarchy's policy (reclaiming if a limit refuses) and record them as
 *	held by @o; file pages go on @g's LRU, where reclaim may take them.
 *	@force charges past the limits (the kernel's NOFAIL charge: never
 *	refused).  Returns 0; -ENOMEM when the hierarchy refuses after reclaim
 *	(the charge changed nothing, though reclaim may have; a MAX event and
 *	failcnt at the limiting ancestor per attempt); -ENODEV for a removed
 *	group; -EINVAL for 0 pages, more than MLAB_COUNTER_MAX or a bad @type;
 *	-ENOMEM also if the record cannot be allocated.  May sleep.
 *
 * mlab_owner_uncharge(): give back @nr_pages of @type that @o holds in @g
 *	(of file pages, only those reclaim left).  Returns 0, or -EINVAL when
 *	@o holds fewer (nothing changed).  Works on removed groups too.  May
 *	sleep.
 *
 * mlab_owner_held(): pages @o holds in @g (anon + resident file).  May
 *	sleep.
 *
 * mlab_owner_release(): uncharge everything @o holds and drop its group
 *	references; @o is empty (and reusable) afterwards.  May sleep.
 */
void mlab_owner_init(struct mlab_owner *o);
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, enum mlab_charge_type type,
		      bool force);
int mlab_owner_uncharge(struct mlab_owner *o, struct mlab_group *g,
			unsigned long nr_pages, enum mlab_charge_type type);
unsigned long mlab_owner_held(struct mlab_owner *o, struct mlab_group *g);
void mlab_owner_release(struct mlab_owner *o);

#endif /* _MLAB_OWNER_H */
