/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pressure.h - reclaim applied to groups: the glue between the group layer
 * and the reclaim model of reclaim.c.  Callers hold a reference on @g.
 *
 * mlab_group_charge_reclaim(): charge @nr_pages, reclaiming from the
 *	limiting ancestor's subtree and retrying as the kernel does.  0, or
 *	-ENOMEM (refused after reclaim; @over is the limiting group).  May
 *	sleep.
 * mlab_reclaim_high(): reclaim toward memory.high at every level from @g
 *	up that is over it; pages reclaimed.  May sleep.
 * mlab_group_reclaim(): memory.reclaim (with its swappiness= or
 *	MLAB_SWAPPINESS_GROUP).  0, -EAGAIN, -EINTR, -ENODEV.
 * mlab_group_reclaim_locked(): one reclaim call, with the hierarchy lock
 *	held, swapping or not; pages reclaimed.
 * mlab_group_force_empty(): v1 memory.force_empty.  0, -EINVAL on the
 *	root, -EINTR, -ENODEV.
 * mlab_group_reclaim_to_limit(): for group.c, with the hierarchy lock
 *	held: reclaim until usage fits @limit; true when it does.
 * mlab_group_resize_max(): for group.c, with the hierarchy lock held: the
 *	v1 limit write; reclaims while usage is in the way, -EBUSY when that
 *	frees nothing.
 * mlab_group_lru_stat(): reclaim state of @g or its subtree.  May sleep.
 */
#ifndef _MLAB_PRESSURE_H
#define _MLAB_PRESSURE_H

#include "group.h"

/* Pages, except the event counts. */
struct mlab_lru_stat {
	unsigned long file;
	unsigned long pgscan;
	unsigned long pgsteal;
};

int mlab_group_charge_reclaim(struct mlab_group *g, unsigned long nr_pages,
			      struct mlab_group **over);
unsigned long mlab_reclaim_high(struct mlab_group *g, unsigned long nr_pages);
int mlab_group_reclaim(struct mlab_group *g, unsigned long nr_pages,
		       int swappiness);
unsigned long mlab_group_reclaim_locked(struct mlab_group *g,
					unsigned long nr_pages, bool may_swap);
int mlab_group_force_empty(struct mlab_group *g);
bool mlab_group_reclaim_to_limit(struct mlab_group *g, unsigned long limit);
int mlab_group_resize_max(struct mlab_group *g, unsigned long max);
void mlab_group_lru_stat(struct mlab_group *g, bool subtree,
			 struct mlab_lru_stat *st);

#endif /* _MLAB_PRESSURE_H */
