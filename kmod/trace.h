/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - memcglab tracepoints, emitted by the group layer:
 * charge, charge refused, uncharge, limit change.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM memcglab

#if !defined(_MLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MLAB_TRACE_H

#include <linux/tracepoint.h>
#include "compat.h"
#include "group.h"

DECLARE_EVENT_CLASS(mlab_charge_class,
		    TP_PROTO(struct mlab_group *g, unsigned long nr_pages),
		    TP_ARGS(g, nr_pages),
		    TP_STRUCT__entry(__field(u32, hier)
				     __field(u64, id)
				     __field(unsigned long, nr_pages)
				     __field(unsigned long, usage)),
		    TP_fast_assign(__entry->hier = g->hier->id;
				   __entry->id = g->id;
				   __entry->nr_pages = nr_pages;
				   __entry->usage = mlab_counter_read(&g->counter);),
		    TP_printk("hier=%u id=%llu nr_pages=%lu usage=%lu",
			      __entry->hier, __entry->id, __entry->nr_pages,
			      __entry->usage));

DEFINE_EVENT(mlab_charge_class, mlab_charge,
	     TP_PROTO(struct mlab_group *g, unsigned long nr_pages),
	     TP_ARGS(g, nr_pages));

DEFINE_EVENT(mlab_charge_class, mlab_uncharge,
	     TP_PROTO(struct mlab_group *g, unsigned long nr_pages),
	     TP_ARGS(g, nr_pages));

TRACE_EVENT(mlab_charge_fail,
	    TP_PROTO(struct mlab_group *g, struct mlab_group *over,
		     unsigned long nr_pages),
	    TP_ARGS(g, over, nr_pages),
	    TP_STRUCT__entry(__field(u32, hier)
			     __field(u64, id)
			     __field(u64, over)
			     __field(unsigned long, nr_pages)
			     __field(unsigned long, usage)
			     __field(unsigned long, max)),
	    TP_fast_assign(__entry->hier = g->hier->id;
			   __entry->id = g->id;
			   __entry->over = over->id;
			   __entry->nr_pages = nr_pages;
			   __entry->usage = mlab_counter_read(&over->counter);
			   __entry->max = READ_ONCE(over->counter.max);),
	    TP_printk("hier=%u id=%llu over=%llu nr_pages=%lu usage=%lu max=%lu",
		      __entry->hier, __entry->id, __entry->over,
		      __entry->nr_pages, __entry->usage, __entry->max));

TRACE_EVENT(mlab_limit,
	    TP_PROTO(struct mlab_group *g, const char *name, unsigned long old,
		     unsigned long new),
	    TP_ARGS(g, name, old, new),
	    TP_STRUCT__entry(__field(u32, hier)
			     __field(u64, id)
			     __string(name, name)
			     __field(unsigned long, old)
			     __field(unsigned long, new)),
	    TP_fast_assign(__entry->hier = g->hier->id;
			   __entry->id = g->id;
			   MLAB_TRACE_ASSIGN_STR(name, name);
			   __entry->old = old;
			   __entry->new = new;),
	    TP_printk("hier=%u id=%llu %s %lu -> %lu",
		      __entry->hier, __entry->id, __get_str(name),
		      __entry->old, __entry->new));

#endif /* _MLAB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
