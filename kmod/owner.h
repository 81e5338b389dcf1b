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
#include <linux/spinlock.h>
#include <linux/types.h>
#include "group.h"
#include "oom.h"

/**
 * struct mlab_owner - a holder of charges
 * @lock: serialises this owner's charges, uncharges and release
 * @holds_lock: protects @holds' membership and page counts and @revoked
 *	also against the OOM killer, which reaps without taking @lock
 * @holds: one struct mlab_hold per group it holds pages in
 * @revoked: the OOM killer reaped this owner; it refuses charges
 * @nowait: charges must not sleep (MLAB_CHARGE_NOWAIT)
 * @target: the owner as a candidate OOM victim
 *
 * Embed it in the object that owns the charges (file private data, socket
 * state); the owner itself is never reference counted.
 */
struct mlab_owner {
	struct mutex lock;		/* serialises everything below */
	spinlock_t holds_lock;		/* see @holds_lock above */
	struct list_head holds;
	bool revoked;
	bool nowait;
	struct mlab_oom_target target;
};

/*
 * mlab_owner_init(): before first use.  Records the calling thread group as
 *	the owner's opener (the OOM killer's SIGKILL goes there) and makes the
 *	owner a candidate OOM victim.  May sleep.
 *
 * mlab_owner_init_nowait(): the same for an owner whose charges run under
 *	a lock others need (netlink): they never sleep in the OOM wait or the
 *	memory.high throttle.
 *
 * mlab_owner_charge(): charge @nr_pages to @g through the hierarchy's policy
 *	and record them as held by @o.  @force charges past the limits (the
 *	kernel's NOFAIL charge: never refused).  Returns 0; -ENOMEM when the
 *	hierarchy refuses (nothing changed; MAX event and failcnt at the
 *	limiting ancestor); -EIO once the OOM killer has reaped @o (then and
 *	ever after); -EINTR when a fatal signal ended the v1 OOM wait; -ENODEV
 *	for a removed group; -EINVAL for 0 pages or more than
 *	MLAB_COUNTER_MAX; -ENOMEM also if the record cannot be allocated.
 *	May sleep (the OOM wait, the memory.high throttle).
 *
 * mlab_owner_uncharge(): give back @nr_pages of what @o holds in @g.
 *	Returns 0, -EIO once @o was reaped, or -EINVAL when @o holds fewer
 *	(nothing changed).  Works on removed groups too.  May sleep.
 *
 * mlab_owner_held(): pages @o holds in @g.  May sleep.
 *
 * mlab_owner_release(): uncharge everything @o holds, drop its group
 *	references and withdraw it from the OOM killer; initialise it again
 *	before reuse.  May sleep.
 */
void mlab_owner_init(struct mlab_owner *o);
void mlab_owner_init_nowait(struct mlab_owner *o);
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, bool force);
int mlab_owner_uncharge(struct mlab_owner *o, struct mlab_group *g,
			unsigned long nr_pages);
unsigned long mlab_owner_held(struct mlab_owner *o, struct mlab_group *g);
void mlab_owner_release(struct mlab_owner *o);

#endif /* _MLAB_OWNER_H */
