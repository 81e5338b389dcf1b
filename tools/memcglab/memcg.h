/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memcg target's worker processes (memcg_worker.c), seen from its ops
 * (target_memcg.c); see target_memcg.c for how a charge is made.
 */
#ifndef MEMCGLAB_MEMCG_H
#define MEMCGLAB_MEMCG_H

#include <limits.h>
#include <stdatomic.h>

#include "target.h"

#define PAGE 4096UL
#define WORKER_PT_PREFAULT (512ULL << 20) /* page tables made before joining */
#define WORKER_LEAF ".workers"		/* v2 leaf that holds the workers */

enum { W_CHARGE = 1, W_UNCHARGE, W_CHARGE_FILE, W_UNCHARGE_FILE };

struct wshared {
	_Atomic uint64_t progress;	/* bytes touched by the current charge */
	_Atomic uint64_t held;		/* bytes held after the last command */
	_Atomic int ready;
	_Atomic int err;		/* errno of a failed file write, else 0 */
};

struct worker {
	char name[64];
	char group[PATH_MAX];	/* scenario group name */
	pid_t pid;
	int pidfd, cmd_fd, done_fd;
	struct wshared *sh;	/* one shared page per worker */
	uint64_t held;		/* anon the parent believes it holds */
	/*
	 * Page cache: the worker's file on $MEMCGLAB_SCRATCH ("" without
	 * one), opened before it joins the group, and the bytes written to
	 * it. Reclaim may evict part of it; mincore() says what is left. The
	 * file outlives a killed worker (its pages stay charged, as page
	 * cache does) and goes when the charger is released.
	 */
	char file[PATH_MAX];
	uint64_t file_bytes;
	bool dead;		/* exited without being told to */
};

struct memcg_priv {
	struct cg_hier hier;
	struct worker **workers;
	size_t nr_workers;
	struct tgt_peaks peaks;
	unsigned int stock_groups;	/* groups one CPU's charge stock caches */
};

void worker_free(struct worker *w);
/* worker_free() and remove the charger's file: its page cache goes too. */
void worker_release(struct worker *w);
/* Bytes of w's file in the page cache now. */
uint64_t worker_file_resident(const struct worker *w);
int worker_wait(struct target *t, struct worker *w);
void set_oom_adj(pid_t pid, const char *val);
int worker_send(struct target *t, struct worker *w, int op, uint64_t bytes);
/* A new worker; file: the page cache file to adopt (a restored worker's), or NULL. */
int worker_spawn(struct target *t, const char *name, const char *group,
		 const char *file, struct worker **out);
struct worker *worker_find(struct target *t, const char *name, size_t *idx);
void worker_check_alive(struct worker *w);
uint64_t oom_kills(struct target *t, const char *group);
int worker_restore(struct target *t, struct worker *w, size_t idx,
			  uint64_t held);
/* The scratch directory for file charges, or NULL (err says why). */
const char *memcg_scratch(char *err, size_t len);

#endif /* MEMCGLAB_MEMCG_H */
