// SPDX-License-Identifier: GPL-2.0
/*
 * lru.c - the reclaim model's lists: what each charge owner holds in a
 * group, as entries on the group's file and anon lists, oldest holder
 * first.  Owners add and remove pages (owner.c); reclaim (reclaim.c) takes
 * them off from the old end.  Every list change is under @lru->lock.
 */
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>

#include "reclaim.h"

/**
 * mlab_lru_init - prepare a group's LRU
 * @lru: the LRU
 * @counter: the group's counter
 *
 * Context: any context.
 */
void mlab_lru_init(struct mlab_lru *lru, struct mlab_counter *counter)
{
	spin_lock_init(&lru->lock);
	INIT_LIST_HEAD(&lru->entries);
	lru->nr_file = 0;
	INIT_LIST_HEAD(&lru->anon_entries);
	lru->nr_anon = 0;
	atomic_long_set(&lru->pgscan, 0);
	atomic_long_set(&lru->pgsteal, 0);
	lru->counter = counter;
}

/**
 * mlab_lru_entry_init - prepare a holder's entry
 * @e: the entry
 *
 * Context: any context.
 */
void mlab_lru_entry_init(struct mlab_lru_entry *e)
{
	INIT_LIST_HEAD(&e->node);
	e->nr_pages = 0;
}

static void mlab_lru_add_list(struct mlab_lru *lru, struct list_head *list,
			      unsigned long *nr_list, struct mlab_lru_entry *e,
			      unsigned long nr_pages)
{
	spin_lock(&lru->lock);
	e->nr_pages += nr_pages;
	*nr_list += nr_pages;
	list_move_tail(&e->node, list);
	spin_unlock(&lru->lock);
}

static unsigned long mlab_lru_remove_list(struct mlab_lru *lru,
					  unsigned long *nr_list,
					  struct mlab_lru_entry *e,
					  unsigned long nr_pages)
{
	unsigned long nr;

	spin_lock(&lru->lock);
	nr = min(nr_pages, e->nr_pages);
	e->nr_pages -= nr;
	*nr_list -= nr;
	if (!e->nr_pages)
		list_del_init(&e->node);
	spin_unlock(&lru->lock);
	return nr;
}

/**
 * mlab_lru_add - put freshly charged file pages on a group's LRU
 * @lru: the group's LRU
 * @e: the holder's entry
 * @nr_pages: how many (already charged to the group)
 *
 * The entry becomes the youngest.
 *
 * Context: any context but hard interrupt.
 */
void mlab_lru_add(struct mlab_lru *lru, struct mlab_lru_entry *e,
		  unsigned long nr_pages)
{
	mlab_lru_add_list(lru, &lru->entries, &lru->nr_file, e, nr_pages);
}

/**
 * mlab_lru_remove - take a holder's file pages off the LRU
 * @lru: the group's LRU
 * @e: the holder's entry
 * @nr_pages: at most this many; ULONG_MAX for all
 *
 * Reclaim may have taken some of the holder's pages already: only what is
 * still resident comes off.  The caller uncharges what this returns.
 *
 * Context: any context but hard interrupt.
 * Return: the pages removed, at most @nr_pages.
 */
unsigned long mlab_lru_remove(struct mlab_lru *lru, struct mlab_lru_entry *e,
			      unsigned long nr_pages)
{
	return mlab_lru_remove_list(lru, &lru->nr_file, e, nr_pages);
}

/**
 * mlab_lru_add_anon - put freshly charged anon pages on a group's LRU
 * @lru: the group's LRU
 * @e: the holder's anon entry
 * @nr_pages: how many (already charged to the group)
 *
 * Context: any context but hard interrupt.
 */
void mlab_lru_add_anon(struct mlab_lru *lru, struct mlab_lru_entry *e,
		       unsigned long nr_pages)
{
	mlab_lru_add_list(lru, &lru->anon_entries, &lru->nr_anon, e, nr_pages);
}

/**
 * mlab_lru_remove_anon - take a holder's resident anon pages off the LRU
 * @lru: the group's LRU
 * @e: the holder's anon entry
 * @nr_pages: at most this many; ULONG_MAX for all
 *
 * Reclaim may have swapped some of them out: only resident ones come off;
 * the caller frees the rest from swap.
 *
 * Context: any context but hard interrupt.
 * Return: the pages removed, at most @nr_pages.
 */
unsigned long mlab_lru_remove_anon(struct mlab_lru *lru,
				   struct mlab_lru_entry *e,
				   unsigned long nr_pages)
{
	return mlab_lru_remove_list(lru, &lru->nr_anon, e, nr_pages);
}

/**
 * mlab_lru_entry_pages - a holder's resident file pages
 * @lru: the group's LRU
 * @e: the holder's entry
 *
 * Context: any context but hard interrupt.
 * Return: the count.
 */
unsigned long mlab_lru_entry_pages(struct mlab_lru *lru,
				   struct mlab_lru_entry *e)
{
	unsigned long nr;

	spin_lock(&lru->lock);
	nr = e->nr_pages;
	spin_unlock(&lru->lock);
	return nr;
}

/**
 * mlab_lru_isolate - take pages off one of an LRU's lists
 * @lru: the LRU
 * @list: its file or anon list
 * @nr_list: that list's page count
 * @nr_pages: how many to take, oldest holder first
 *
 * For reclaim.c's scan.
 *
 * Context: any context; takes @lru->lock.
 * Return: the pages taken.
 */
unsigned long mlab_lru_isolate(struct mlab_lru *lru, struct list_head *list,
			       unsigned long *nr_list, unsigned long nr_pages)
{
	struct mlab_lru_entry *e, *tmp;
	unsigned long left = nr_pages, nr;

	spin_lock(&lru->lock);
	list_for_each_entry_safe(e, tmp, list, node) {
		if (!left)
			break;
		nr = min(left, e->nr_pages);
		e->nr_pages -= nr;
		left -= nr;
		if (!e->nr_pages)
			list_del_init(&e->node);
	}
	nr = nr_pages - left;
	*nr_list -= nr;
	spin_unlock(&lru->lock);
	return nr;
}
