/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - recorded charge streams of the real memcg (docs/trace.md):
 * the in-memory form of a trace file, shared by `trace record`
 * (trace_record.c) and `trace replay` (trace_replay.c); reading and
 * writing the file are in trace_file.c.
 */
#ifndef MEMCGLAB_TRACE_H
#define MEMCGLAB_TRACE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Version 2 added the `s` event; version 1 files are read as they are. */
#define TRACE_FORMAT_VERSION 2
#define TRACE_FORMAT_OLDEST 1
#define TRACE_MAGIC "memcglab-trace"
#define TRACE_UNLIMITED UINT64_MAX

enum trace_ev_type {
	TEV_CHARGE = 'c',	/* a charge request as it returned */
	TEV_UNCHARGE = 'u',	/* pages leaving a group */
	TEV_RECLAIM = 'r',	/* direct reclaim of a group: begin, end */
	TEV_USAGE = 's',	/* the group's counter as the recording stopped */
};

/* Kinds of an uncharge, as record_trace.h numbers them. */
enum { TUNC_PAGE, TUNC_STOCK, TUNC_DRAIN, TUNC_NR };

struct trace_ev {
	uint64_t t_us;		/* since the recording started */
	uint64_t usage;		/* the group's counter after it (s: at it), pages */
	uint64_t over_cg;	/* charge: the cgroup whose limit failed first */
	uint32_t cpu;
	uint32_t group;		/* index into trace->groups */
	uint32_t nr;		/* pages */
	uint32_t gfp;
	int32_t ret;		/* charge: 0 or -errno; reclaim: reclaimed or -1 */
	uint32_t batch;		/* charge: pages taken from the counter, 0 = stock */
	uint32_t fails;		/* charge: counter-level refusals on the way */
	int32_t over;		/* charge: group index of over_cg, -1 none */
	uint32_t kind;		/* uncharge: TUNC_* */
	char type;		/* enum trace_ev_type */
};

struct trace_group {
	char path[PATH_MAX];	/* relative to the recorded root, "." for it */
	uint64_t cg;		/* cgroup id */
	int parent;		/* index, -1 for the root */
	uint64_t max, high, low, min;	/* at the start, bytes */
	uint64_t usage, peak;		/* at the start, bytes */
	bool have_final;
	uint64_t f_usage, f_peak, f_max_ev, f_oom, f_oom_kill;	/* at the end */
};

struct trace {
	unsigned int version;
	char kernel[128];
	unsigned int cpus;
	unsigned int page;
	char command[1024];
	char probes[256];
	/*
	 * Recorded on the cgroup v1 memory controller (header `flavour v1`):
	 * max is memory.limit_in_bytes, peak max_usage_in_bytes, and the
	 * final max_events memory.failcnt; there is no high, low or min.
	 */
	bool v1;
	struct trace_group *groups;
	size_t nr_groups;
	struct trace_ev *evs;
	size_t nr_evs, cap_evs;
	uint64_t lost, missed, overflow, unknown;
	uint64_t duration_us;
};

void trace_free(struct trace *tr);
int trace_add_group(struct trace *tr, const struct trace_group *g);
int trace_group_by_cg(const struct trace *tr, uint64_t cg);
struct trace_ev *trace_add_ev(struct trace *tr);
/* Write tr to f. 0 or -errno. */
int trace_write(const struct trace *tr, FILE *f);
/*
 * Read a trace file: 0, or -errno with err naming the file, the line and
 * what is wrong (unknown version, truncated, a bad line).
 */
int trace_read(const char *path, struct trace *tr, char *err, size_t len);
/*
 * v1's memory.limit_in_bytes when unlimited reads PAGE_COUNTER_MAX pages
 * (0x7ffffffffffff000 with 4K pages): at or above this it is "max".
 */
#define TRACE_V1_UNLIMITED 0x7ffffffffffff000ULL
/* "max" for TRACE_UNLIMITED, else the number. */
const char *trace_knob_str(uint64_t v, char *buf, size_t len);

struct cmd;
/* `trace record` (trace_record.c); the table is in trace_replay.c. */
int do_trace_record(const struct cmd *self, int argc, char **argv);

#endif /* MEMCGLAB_TRACE_H */
