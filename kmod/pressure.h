/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pressure.h - reclaim applied to groups: the glue between the group layer
 * and the reclaim model of reclaim.c (kernel-doc in pressure.c).  Callers
 * hold a reference on the group.
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
