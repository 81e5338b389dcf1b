// SPDX-License-Identifier: GPL-2.0
/*
 * The memcg target: the kernel's own memory controller, cgroup v2 or v1.
 *
 * Groups live under a base group made for this run (memcglab.PID under the
 * hierarchy's root), so scenario groups are never the real root. Charges are
 * real anonymous memory touched by worker processes, one per charger:
 *
 *   - The worker is forked, sets itself up (stack, THP off for its whole mm,
 *     a large region whose page tables it faults in and then empties with
 *     MADV_DONTNEED, the shared status page) and only then is moved into the
 *     group. Cgroups do not move existing charges, so all of that stays with
 *     the runner's group and the group sees (nearly) nothing but the pages
 *     the worker touches for a charge.
 *   - Commands go over a pipe (the parent writes: pipe buffers are charged to
 *     the parent); the worker answers through an eventfd (no allocation) and
 *     publishes its progress, page by page, in a shared page the parent
 *     faulted in before fork.
 *   - Charge: touch pages at the end of the held range. Uncharge:
 *     MADV_DONTNEED the tail (pages go back, page tables stay pre-charged).
 *   - On v2 the worker is placed in GROUP/.workers: v2 forbids tasks in a
 *     group whose subtree_control has memory enabled, and the leaf is
 *     charged through GROUP just the same. On v1 it goes into GROUP itself.
 *   - A refused charge: the charging worker runs with oom_score_adj 1000, so
 *     the memcg OOM killer picks it; the parent sees it die (pidfd), confirms
 *     the kill from memory.events oom_kill (v2) or oom_control oom_kill (v1),
 *     and reports failure at the progress the worker published. With v1
 *     oom_kill_disable the worker blocks instead: the parent sees progress
 *     stop while under_oom reads 1, and kills it itself. Either way a new
 *     worker re-charges what the charger held before, so the refusal changes
 *     nothing but the events, as on the lab.
 *   - In an `oom kill` scenario (cfg.oom_kill) none of that: the worker
 *     keeps oom_score_adj 0 (or what an `adj` step set), the kernel picks
 *     the victim by size, a killed worker stays dead, and a worker parked
 *     under_oom stays parked until a `wait` step collects its charge.
 *
 * Page cache ("charge ... file"): the worker appends to its own file on the
 * scratch disk ($MEMCGLAB_SCRATCH, a disk-backed filesystem: tmpfs pages are
 * swap-backed) and writes it back, so the pages are clean, reclaimable page
 * cache charged to the group; an uncharge truncates the tail. What reclaim
 * left of it is counted with mincore(). The file is made before the worker
 * joins (the inode is the runner's) and removed when the charger is
 * released, which frees its page cache.
 *
 * Swap is out of the picture: the guest has none, and memory.swap.max is set
 * to 0 where it exists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memcg.h"

/* Groups one CPU's charge stock caches: one until 6.15, NR_MEMCG_STOCK from 6.16. */
#define MEMCG_MULTI_STOCK 7U

/* Is the running kernel maj.min or later? */
static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int kmaj = 0, kmin = 0;

	if (!uname(&u))
		sscanf(u.release, "%d.%d", &kmaj, &kmin);
	return kmaj > maj || (kmaj == maj && kmin >= min);
}

static unsigned int stock_groups(void)
{
	return kernel_at_least(6, 16) ? MEMCG_MULTI_STOCK : 1;
}

/*
 * From 6.14 MADV_DONTNEED frees the page tables it empties
 * (CONFIG_PT_RECLAIM, on in Debian's 7.2), so the tables a worker faults
 * in before it joins its group do not stay: see memcg_slack().
 */
static bool page_tables_freed(void)
{
	return kernel_at_least(6, 14);
}

/*
 * Bytes of slab the kernel charges with each page of a file's page cache
 * on ext4: one buffer_head, and a 64th of the radix_tree_node that holds
 * the page in the file's xarray, at the sizes this kernel's slab gives
 * them (SLUB's sysfs). Measured in the guest for 30M written: 6.1's slab
 * 104 + 584 / 64 = 113 bytes a page, 0.93M charged as slab; the debug
 * kernel's 232 + 704 / 64 = 243, 1.94M. 128 when sysfs has no sizes.
 */
static unsigned int slab_per_file_page(void)
{
	uint64_t bh = 0, node = 0;

	if (mlab_read_u64("/sys/kernel/slab/buffer_head/slab_size", &bh) ||
	    mlab_read_u64("/sys/kernel/slab/radix_tree_node/slab_size", &node) ||
	    !bh || bh > PAGE || node > 64 * PAGE)
		return 128;
	return (unsigned int)(bh + node / 64);
}

static int memcg_open(struct target *t)
{
	struct memcg_priv *p;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return tgt_fail(t, -ENOMEM, "out of memory");
	if (t->cfg.file_charges && !memcg_scratch(t->err, sizeof(t->err))) {
		free(p);
		return -EOPNOTSUPP;
	}
	ret = cg_hier_open(&p->hier, t->cfg.v1, t->err, sizeof(t->err));
	if (ret) {
		free(p);
		return ret;
	}
	p->stock_groups = stock_groups();
	p->pt_freed = page_tables_freed();
	p->slab_per_page = slab_per_file_page();
	t->priv = p;
	tgt_fmt(t->root, sizeof(t->root), "%s/memcglab.%d", p->hier.mnt, (int)getpid());
	ret = cg_mkdir(&p->hier, t->root, t->err, sizeof(t->err));
	if (ret) {
		cg_hier_close(&p->hier);
		free(p);
		t->priv = NULL;
	}
	return ret;
}

/* Remove dir and everything below it, deepest first. */
static void remove_tree(const char *dir)
{
	char sub[PATH_MAX + 256], err[PATH_MAX + 64];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			tgt_fmt(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			remove_tree(sub);
		}
		closedir(d);
	}
	if (cg_rmdir(dir, err, sizeof(err)))
		fprintf(stderr, "memcglab: %s\n", err);
}

static void memcg_close(struct target *t)
{
	struct memcg_priv *p = t->priv;

	if (!p)
		return;
	worker_set_free(&p->ws);
	tgt_peaks_free(&p->peaks);
	remove_tree(t->root);
	cg_hier_close(&p->hier);
	free(p);
	t->priv = NULL;
}

static int memcg_mkdir(struct target *t, const char *group)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];
	int ret;

	tgt_group_path(t, group, dir, sizeof(dir));
	ret = cg_mkdir(&p->hier, dir, t->err, sizeof(t->err));
	if (!ret)
		cg_no_swap(&p->hier, dir);
	return ret;
}

static int memcg_rmdir(struct target *t, const char *group)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX], leaf[PATH_MAX + 16];
	int ret;

	tgt_peak_forget(&p->peaks, group);
	/* Chargers holding nothing do not keep a group alive (as on the lab). */
	worker_set_drop_idle(&p->ws, group);
	tgt_group_path(t, group, dir, sizeof(dir));
	if (!p->hier.v1) {
		tgt_fmt(leaf, sizeof(leaf), "%s/" WORKER_LEAF, dir);
		ret = access(leaf, F_OK) ? 0 : cg_rmdir(leaf, t->err, sizeof(t->err));
		if (ret)
			return tgt_fail(t, ret, "rmdir %s: %s (a charger still holds memory there)",
					leaf, strerror(-ret));
	}
	if (rmdir(dir))
		return tgt_fail(t, -errno, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}

static int memcg_set(struct target *t, const char *group, enum tgt_knob knob,
		     uint64_t val)
{
	struct memcg_priv *p = t->priv;
	char dir[PATH_MAX];
	int ret;

	tgt_group_path(t, group, dir, sizeof(dir));
	ret = cg_set_knob(p->hier.v1, dir, knob, val, t->err, sizeof(t->err));
	/* Lowering memory.max below usage may have OOM-killed workers. */
	for (size_t i = 0; i < p->ws.n; i++)
		worker_check_alive(p->ws.v[i]);
	return ret;
}

static int memcg_reset(struct target *t, const char *group, enum tgt_reset what)
{
	struct memcg_priv *p = t->priv;

	return tgt_group_reset(t, p->hier.v1, &p->peaks, group, what);
}

static int memcg_stats(struct target *t, const char *group, struct tgt_stats *st)
{
	struct memcg_priv *p = t->priv;

	return tgt_group_stats(t, &p->hier, &p->peaks, group, st);
}

static void memcg_breakdown(struct target *t, const char *group, struct tgt_stats *st)
{
	struct memcg_priv *p = t->priv;

	tgt_group_breakdown(t, &p->hier, group, st);
}

/* The charger's worker, made on its first charge; a killed one is replaced. */
static int memcg_worker_get(struct target *t, const char *charger, const char *group,
			    size_t *idx)
{
	struct memcg_priv *p = t->priv;
	struct worker *w = worker_find(&p->ws, charger, idx);
	int ret;

	if (w && strcmp(w->group, group))
		return tgt_fail(t, -EINVAL, "charger %s belongs to group %s, not %s",
				charger, w->group, group);
	if (!w) {
		struct worker_spec spec = { .name = charger, .group = group };

		ret = worker_add(t, &p->ws, &spec, &w);
		if (ret)
			return ret;
		*idx = p->ws.n - 1;
	}
	if (t->cfg.oom_kill)
		return 0;
	worker_check_alive(w);
	if (w->dead)
		return worker_restore(t, &p->ws, *idx, 0);
	return 0;
}

/*
 * A charge's end (the worker answered, or died, or sat under_oom): on a
 * refusal the worker is replaced by one holding what it held before.
 */
static int memcg_charge_end(struct target *t, size_t idx, bool file, uint64_t pages,
			    uint64_t held, uint64_t before_kills, int wret,
			    struct tgt_charge_res *res)
{
	struct memcg_priv *p = t->priv;
	struct worker *w = p->ws.v[idx];
	char charger[64], group[PATH_MAX];
	int ret;

	if (!wret && file && atomic_load(&w->sh->err)) {
		int e = atomic_load(&w->sh->err);

		set_oom_adj(w->pid, "0");
		return tgt_fail(t, -e, "%s: writing %llu bytes of page cache: %s", w->file,
				(unsigned long long)pages, strerror(e));
	}
	if (!wret) {
		set_oom_adj(w->pid, "0");
		if (file)
			w->file_bytes += pages;
		else
			w->held = held + pages;
		res->done = pages;
		return 0;
	}
	if (wret != -ECHILD && wret != -EDEADLK)
		return wret;
	tgt_fmt(charger, sizeof(charger), "%s", w->name);
	tgt_fmt(group, sizeof(group), "%s", w->group);
	res->done = atomic_load(&w->sh->progress);
	if (wret == -EDEADLK) {
		res->blocked = true;
		kill(w->pid, SIGKILL);	/* killable even while waiting under_oom */
	}
	waitpid(w->pid, NULL, 0);
	w->pid = -1;
	w->dead = true;
	/* The kill is read from the group's counters, not guessed from the signal. */
	if (!res->blocked && oom_kills(t, group) > before_kills)
		res->oom_killed = true;
	ret = worker_restore(t, &p->ws, idx, held);
	if (ret)
		return ret;
	if (!res->blocked && !res->oom_killed)
		return tgt_fail(t, -EIO, "worker %s in %s died without an oom_kill event",
				charger, group);
	return tgt_fail(t, -ENOMEM, "%s: charge of %llu bytes refused after %llu (%s)",
			group, (unsigned long long)pages, (unsigned long long)res->done,
			res->blocked ? "blocked under_oom" : "OOM killed");
}

/*
 * Before a charge that memcg_charge_end() finishes: page cache needs the
 * worker's file; what it holds and the group's OOM kills so far are noted
 * (a refusal restores the one and is told by the other), and the charger
 * is made the OOM killer's victim.
 */
static int memcg_charge_prep(struct target *t, struct worker *w, bool file,
			     uint64_t *held, uint64_t *kills)
{
	if (file && !w->file[0])
		return tgt_fail(t, -EOPNOTSUPP, "charger %s: no scratch file for page cache",
				w->name);
	*held = w->held;
	*kills = oom_kills(t, w->group);
	set_oom_adj(w->pid, "1000");
	return 0;
}

static int memcg_charge(struct target *t, const char *charger, const char *group,
			bool file, uint64_t bytes, struct tgt_charge_res *res)
{
	struct memcg_priv *p = t->priv;
	struct worker *w;
	uint64_t before_kills = 0, held = 0, pages = tgt_page_align(bytes);
	size_t idx = 0;
	int ret;

	ret = memcg_worker_get(t, charger, group, &idx);
	if (ret)
		return ret;
	w = p->ws.v[idx];
	/* `oom kill`: the kernel picks the victim; nothing is restored. */
	if (t->cfg.oom_kill)
		return worker_charge_oom(t, w, file, pages, res);
	ret = memcg_charge_prep(t, w, file, &held, &before_kills);
	if (ret)
		return ret;
	ret = worker_send(t, w, file ? W_CHARGE_FILE : W_CHARGE, pages);
	return memcg_charge_end(t, idx, file, pages, held, before_kills,
				ret ? ret : worker_wait(t, w), res);
}

/* An uncharge's checks; the bytes to give back, page-rounded, into *pages. */
static int memcg_uncharge_check(struct target *t, struct worker *w, const char *charger,
				bool file, uint64_t bytes, uint64_t *pages)
{
	uint64_t have;

	*pages = tgt_page_align(bytes);
	if (!w)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	if (w->parked)
		return tgt_fail(t, -EBUSY, "charger %s: its last charge is still parked", charger);
	worker_check_alive(w);
	have = file ? w->file_bytes : w->held;
	if (*pages > have)
		return tgt_fail(t, -EINVAL, "charger %s holds %llu bytes of %s, cannot uncharge %llu",
				charger, (unsigned long long)have, file ? "page cache" : "anon",
				(unsigned long long)*pages);
	return 0;
}

static int memcg_uncharge_end(struct target *t, struct worker *w, bool file,
			      uint64_t pages, int ret)
{
	if (ret == -ECHILD || ret == -EDEADLK)
		return tgt_fail(t, -EIO, "worker %s died while uncharging", w->name);
	if (!ret)
		*(file ? &w->file_bytes : &w->held) -= pages;
	return ret;
}

static int memcg_uncharge(struct target *t, const char *charger, bool file,
			  uint64_t bytes)
{
	struct memcg_priv *p = t->priv;
	struct worker *w = worker_find(&p->ws, charger, NULL);
	uint64_t pages;
	int ret;

	ret = memcg_uncharge_check(t, w, charger, file, bytes, &pages);
	if (ret)
		return ret;
	ret = worker_send(t, w, file ? W_UNCHARGE_FILE : W_UNCHARGE, pages);
	return memcg_uncharge_end(t, w, file, pages, ret ? ret : worker_wait(t, w));
}

/*
 * A concurrent batch: each operation is sent to its worker, pinned to its
 * CPU, and waits there for the go that the batch's first finish gives. A
 * charge runs with oom_score_adj 1000 as a lone one does, and the worker
 * lowers it to 0 itself when its charge is done (W_ADJ0), so the OOM killer
 * only ever picks a charger still charging. Refused chargers are replaced
 * only after every worker of the batch has answered.
 */
static int memcg_start(struct target *t, const struct tgt_async *a)
{
	struct memcg_priv *p = t->priv;
	struct worker *w;
	uint64_t pages;
	size_t idx = 0;
	int ret;

	if (t->cfg.oom_kill)
		return tgt_fail(t, -EOPNOTSUPP, "concurrent charges are not made where OOM kills are real");
	if (a->uncharge) {
		w = worker_find(&p->ws, a->charger, NULL);
		ret = memcg_uncharge_check(t, w, a->charger, a->file, a->bytes, &pages);
		if (ret)
			return ret;
		return worker_arm(t, &p->ws, w, a->file ? W_UNCHARGE_FILE : W_UNCHARGE,
				  pages, a->cpu);
	}
	ret = memcg_worker_get(t, a->charger, a->group, &idx);
	if (ret)
		return ret;
	w = p->ws.v[idx];
	ret = memcg_charge_prep(t, w, a->file, &w->async_held, &w->async_kills);
	if (ret)
		return ret;
	pages = tgt_page_align(a->bytes);
	ret = worker_arm(t, &p->ws, w, (a->file ? W_CHARGE_FILE : W_CHARGE) | W_ADJ0,
			 pages, a->cpu);
	if (ret)
		set_oom_adj(w->pid, "0");
	return ret;
}

static int memcg_finish(struct target *t, const struct tgt_async *a,
			struct tgt_charge_res *res)
{
	struct memcg_priv *p = t->priv;
	uint64_t pages = tgt_page_align(a->bytes);
	struct worker *w;
	size_t idx = 0;

	worker_settle(t, &p->ws);
	w = worker_find(&p->ws, a->charger, &idx);
	if (!w || w->async != W_SETTLED)
		return tgt_fail(t, -EINVAL, "charger %s: no concurrent operation started",
				a->charger);
	w->async = W_IDLE;
	if (a->uncharge)
		return memcg_uncharge_end(t, w, a->file, pages, w->async_ret);
	return memcg_charge_end(t, idx, a->file, pages, w->async_held, w->async_kills,
				w->async_ret, res);
}

static int memcg_release(struct target *t, const char *charger)
{
	struct memcg_priv *p = t->priv;
	struct worker *w;
	size_t idx;

	w = worker_find(&p->ws, charger, &idx);
	if (!w)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	worker_drop(&p->ws, idx);
	return 0;
}

static int memcg_held(struct target *t, const char *charger, uint64_t *bytes)
{
	struct memcg_priv *p = t->priv;
	struct worker *w = worker_find(&p->ws, charger, NULL);

	if (!w)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	worker_check_alive(w);
	*bytes = w->held + worker_file_resident(w);
	return 0;
}

/*
 * Tolerance model, memcg side (docs/compare.md): the per-cpu stock holds up
 * to 64 pages per CPU for each group it caches; each worker adds a few pages
 * of its own (stack and libc pages written after joining, slab objects);
 * page tables beyond the pre-faulted range cost one page per 512; every
 * child group's per-cpu statistics are charged to its parent (measured:
 * about 8K on 2 CPUs), and making a child charges its parent short-lived
 * kernel memory beyond that (6.1, loaded: a parent with six children,
 * nothing charged, peaked at 776K, 10 pages above 4 pages per CPU per
 * group and its stocks; 2 more pages per CPU per child cover it); a worker
 * writing page cache also gets the filesystem's own pages charged to its
 * group (the page cache's xarray nodes and buffer heads, and the ext4
 * bitmaps and extent blocks its writes read in): 128 pages per writer
 * plus the slab of each page held,
 * slab_per_file_page() (measured on 6.1: 0.2 to 0.5 MiB per 10M file, and
 * 1.1 MiB over 24M of page cache once, beyond the other terms, in a loaded
 * make check; on the debug kernel, whose slab objects are twice the size,
 * 2.3M over 30M).
 *
 * Until 6.15 a CPU's stock caches one group, and a charge from another
 * group drains it, so a subtree holds at most one stock per CPU.  From 6.16
 * a CPU caches up to NR_MEMCG_STOCK (7) groups at once and nothing drains
 * them when the charger moves on: every group of the subtree keeps its own
 * (measured in the 7.2 guest: two siblings charged from one CPU keep 224K
 * and 228K each after their tasks died, their parent 820K).
 *
 * Where MADV_DONTNEED frees empty page tables (6.14 on) the worker's
 * pre-faulted tables are gone before it joins: every table its charge
 * needs is charged to the group, one page per 512, and the tables an
 * uncharge empties are freed after an RCU grace period, their charge
 * going back through the per-cpu stock of whichever CPU runs the
 * callback. The stock term above does not cover that: in the 7.2 guest a
 * worker holding 8M after charging 20M and returning 15M (peak_reset_v2)
 * left its group 124 pages above 8M when idle (6.1 and 6.12: 0 to 6),
 * 124 to 147 under load in 12 runs, and once more than 152 in a loaded
 * make check. PT_FREED_PAGES is that extra batch.
 */
#define MEMCG_BATCH_PAGES 64ULL
#define WORKER_OVERHEAD_PAGES 16ULL
#define CHILD_GROUP_PAGES 4ULL
#define MKDIR_PAGES 2ULL
#define FILE_WRITER_PAGES 128ULL
#define PT_FREED_PAGES 64ULL

static uint64_t memcg_slack(const struct target *t, unsigned int nr_groups,
			    unsigned int nr_chargers, unsigned int nr_file,
			    uint64_t bytes)
{
	const struct memcg_priv *p = t->priv;
	uint64_t pt = 0, fs = 0, prefault = (uint64_t)nr_chargers * WORKER_PT_PREFAULT;
	/* A target that was never opened (trace replay's model): this kernel. */
	unsigned int sg = p ? p->stock_groups : stock_groups();
	unsigned int slab = p ? p->slab_per_page : slab_per_file_page();
	unsigned int stocks = nr_groups < sg ? nr_groups : sg;
	bool pt_freed = p ? p->pt_freed : page_tables_freed();

	if (pt_freed && nr_chargers)
		pt = bytes / (512 * PAGE) + 1 + PT_FREED_PAGES;
	else if (bytes > prefault)
		pt = (bytes - prefault) / (512 * PAGE) + 1;
	if (nr_file)
		fs = FILE_WRITER_PAGES * nr_file + bytes / PAGE * slab / PAGE;
	return (MEMCG_BATCH_PAGES * t->ncpus * stocks +
		WORKER_OVERHEAD_PAGES * nr_chargers +
		CHILD_GROUP_PAGES * t->ncpus * nr_groups +
		MKDIR_PAGES * t->ncpus * (nr_groups ? nr_groups - 1 : 0) + fs + pt) * PAGE;
}

static struct worker_set *memcg_workers(struct target *t)
{
	struct memcg_priv *p = t->priv;

	return &p->ws;
}

const struct target_ops tgt_memcg_ops = {
	.open = memcg_open,
	.close = memcg_close,
	.mkdir = memcg_mkdir,
	.rmdir = memcg_rmdir,
	.set = memcg_set,
	.reset = memcg_reset,
	.stats = memcg_stats,
	.breakdown = memcg_breakdown,
	.charge = memcg_charge,
	.uncharge = memcg_uncharge,
	.release = memcg_release,
	.held = memcg_held,
	.slack = memcg_slack,
	.workers = memcg_workers,
	.start = memcg_start,
	.finish = memcg_finish,
};
