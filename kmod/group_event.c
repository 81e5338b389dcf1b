// SPDX-License-Identifier: GPL-2.0
/*
 * group_event.c - memory.events counting and the notifier chain that
 * tells the front ends (fs_notify.c, netlink.c) about events.
 */
#include "group.h"

/* Keep in step with enum mlab_event. */
const char * const mlab_event_names[MLAB_NR_EVENTS] = {
	[MLAB_EVENT_LOW]		= "low",
	[MLAB_EVENT_HIGH]		= "high",
	[MLAB_EVENT_MAX]		= "max",
	[MLAB_EVENT_OOM]		= "oom",
	[MLAB_EVENT_OOM_KILL]		= "oom_kill",
	[MLAB_EVENT_OOM_GROUP_KILL]	= "oom_group_kill",
};

static ATOMIC_NOTIFIER_HEAD(mlab_group_notifier);

/**
 * mlab_group_event - count an event and tell the notifier chain
 * @g: where it happened
 * @event: which
 * @limit: the limit involved, in pages
 *
 * Counts as memcg_memory_event() does: locally, then hierarchically at the
 * group and (v2) every ancestor below the root.
 *
 * Context: any context that may run the notifier chain (see group.h).
 */
void mlab_group_event(struct mlab_group *g, enum mlab_event event,
		      unsigned long limit)
{
	struct mlab_event_info info = {
		.group = g,
		.event = event,
		.hier_id = g->hier->id,
		.id = g->id,
		.usage = mlab_counter_read(&g->counter),
		.limit = limit,
	};
	struct mlab_group *pos;

	atomic_long_inc(&g->events_local[event]);
	for (pos = g; pos; pos = mlab_event_next(pos))
		atomic_long_inc(&pos->events[event]);
	atomic_notifier_call_chain(&mlab_group_notifier, event, &info);
}

/**
 * mlab_event_next - the next group whose memory.events counts an event
 * @pos: a group that counted it
 *
 * An event counts in memory.events of the group where it happened and, as
 * memcg_memory_event() does in cgroup v2, of every ancestor below the root;
 * v1 hierarchies count it at the group only.  Walk from the group with
 * this until it returns NULL.
 *
 * Context: any context.
 * Return: the next group up that counts the event, or NULL.
 */
struct mlab_group *mlab_event_next(const struct mlab_group *pos)
{
	if (pos->hier->v1 || !pos->parent || mlab_group_is_root(pos->parent))
		return NULL;
	return pos->parent;
}

/**
 * mlab_group_register_notifier - subscribe to group events
 * @nb: the notifier block (see group.h for the calling convention)
 *
 * Context: process context.
 * Return: 0.
 */
int mlab_group_register_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_register(&mlab_group_notifier, nb);
}

/**
 * mlab_group_unregister_notifier - unsubscribe from group events
 * @nb: the notifier block
 *
 * Context: process context; waits for running callbacks.
 * Return: 0 or -ENOENT.
 */
int mlab_group_unregister_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_unregister(&mlab_group_notifier, nb);
}
