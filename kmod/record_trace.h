/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record_trace.h - the events of a recording of the real memcg (record.c),
 * read from tracefs by `memcglab trace record` (docs/trace.md).  Sizes are
 * pages; cg is the cgroup id (the cgroup directory's inode number); usage
 * is the memcg's memory counter right after the event.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM memcglab_rec

#if !defined(_MLAB_RECORD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MLAB_RECORD_TRACE_H

#include <linux/tracepoint.h>

/* A charge request (try_charge_memcg) as it returned. */
TRACE_EVENT(memcglab_rec_charge,
	    TP_PROTO(u64 cg, unsigned int nr, unsigned int gfp, int ret,
		     unsigned int batch, unsigned int fails, u64 over,
		     unsigned long usage),
	    TP_ARGS(cg, nr, gfp, ret, batch, fails, over, usage),
	    TP_STRUCT__entry(__field(u64, cg)
			     __field(u64, over)
			     __field(unsigned long, usage)
			     __field(unsigned int, nr)
			     __field(unsigned int, gfp)
			     __field(int, ret)
			     __field(unsigned int, batch)
			     __field(unsigned int, fails)),
	    TP_fast_assign(__entry->cg = cg;
			   __entry->over = over;
			   __entry->usage = usage;
			   __entry->nr = nr;
			   __entry->gfp = gfp;
			   __entry->ret = ret;
			   __entry->batch = batch;
			   __entry->fails = fails;),
	    TP_printk("cg=%llu nr=%u gfp=%#x ret=%d batch=%u fails=%u over=%llu usage=%lu",
		      __entry->cg, __entry->nr, __entry->gfp, __entry->ret,
		      __entry->batch, __entry->fails, __entry->over,
		      __entry->usage));

/*
 * Pages leaving a memcg: kind 0 straight off the counter (freed pages,
 * cancelled charges), 1 into the per-cpu stock (kernel memory, sockets),
 * 2 drained from the stock back to the counter (not a request).
 */
TRACE_EVENT(memcglab_rec_uncharge,
	    TP_PROTO(u64 cg, unsigned int nr, unsigned int kind,
		     unsigned long usage),
	    TP_ARGS(cg, nr, kind, usage),
	    TP_STRUCT__entry(__field(u64, cg)
			     __field(unsigned long, usage)
			     __field(unsigned int, nr)
			     __field(unsigned int, kind)),
	    TP_fast_assign(__entry->cg = cg;
			   __entry->usage = usage;
			   __entry->nr = nr;
			   __entry->kind = kind;),
	    TP_printk("cg=%llu nr=%u kind=%u usage=%lu", __entry->cg,
		      __entry->nr, __entry->kind, __entry->usage));

/* Direct reclaim of a memcg: begin (reclaimed = -1) and end. */
TRACE_EVENT(memcglab_rec_reclaim,
	    TP_PROTO(u64 cg, unsigned long nr, long reclaimed),
	    TP_ARGS(cg, nr, reclaimed),
	    TP_STRUCT__entry(__field(u64, cg)
			     __field(unsigned long, nr)
			     __field(long, reclaimed)),
	    TP_fast_assign(__entry->cg = cg;
			   __entry->nr = nr;
			   __entry->reclaimed = reclaimed;),
	    TP_printk("cg=%llu nr=%lu reclaimed=%ld", __entry->cg,
		      __entry->nr, __entry->reclaimed));

/*
 * A memcg's counter as the recording stops, read while the probes still
 * run: the events before it in time are the ones it counts.
 */
TRACE_EVENT(memcglab_rec_usage,
	    TP_PROTO(u64 cg, unsigned long usage),
	    TP_ARGS(cg, usage),
	    TP_STRUCT__entry(__field(u64, cg)
			     __field(unsigned long, usage)),
	    TP_fast_assign(__entry->cg = cg;
			   __entry->usage = usage;),
	    TP_printk("cg=%llu usage=%lu", __entry->cg, __entry->usage));

/* The recording stopped; missed: probe hits lost (no free instance). */
TRACE_EVENT(memcglab_rec_end,
	    TP_PROTO(unsigned long missed, unsigned long overflow),
	    TP_ARGS(missed, overflow),
	    TP_STRUCT__entry(__field(unsigned long, missed)
			     __field(unsigned long, overflow)),
	    TP_fast_assign(__entry->missed = missed;
			   __entry->overflow = overflow;),
	    TP_printk("missed=%lu overflow=%lu", __entry->missed,
		      __entry->overflow));

#endif /* _MLAB_RECORD_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE record_trace
#include <trace/define_trace.h>
