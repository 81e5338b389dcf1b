// SPDX-License-Identifier: GPL-2.0
/*
 * files.c - the per-group file table: the kernel's memory.* files (cgroup
 * v2 and v1 flavours) with their input syntax, errors and output format,
 * plus memcglab.charge.  See docs/files.md.
 */
#include <linux/kernel.h>
#include <linux/parser.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "compat.h"
#include "files.h"
#include "pressure.h"

/* Bytes of a page count, as the kernel prints them (u64). */
u64 mlab_bytes(unsigned long nr_pages)
{
	return (u64)nr_pages * PAGE_SIZE;
}

/* v2 tunables: "max" at MLAB_COUNTER_MAX, else bytes. */
static void mlab_seq_tunable(struct seq_file *sf, unsigned long value)
{
	if (value == MLAB_COUNTER_MAX)
		seq_puts(sf, "max\n");
	else
		seq_printf(sf, "%llu\n", mlab_bytes(value));
}

int mlab_write_limit(struct mlab_of *of, char *buf, enum mlab_limit which,
		     const char *max_str)
{
	unsigned long nr_pages;
	int err;

	buf = strstrip(buf);
	err = mlab_counter_memparse(buf, max_str, &nr_pages);
	if (err)
		return err;
	return mlab_group_set_limit(of->group, which, nr_pages);
}

/* --- cgroup v2 ----------------------------------------------------------- */

static int memory_current_show(struct seq_file *sf, struct mlab_of *of)
{
	seq_printf(sf, "%llu\n", mlab_bytes(mlab_group_usage(of->group)));
	return 0;
}

/* A snapshot of the file's group, as netlink reads it. */
void mlab_of_info(struct mlab_of *of, struct mlab_group_info *info)
{
	mlab_group_info(of->group, info);
}

/* Limit @which of a snapshot, in pages. */
unsigned long mlab_info_limit(const struct mlab_group_info *info,
			      enum mlab_limit which)
{
	switch (which) {
	case MLAB_LIMIT_MAX:
		return info->max;
	case MLAB_LIMIT_HIGH:
		return info->high;
	case MLAB_LIMIT_LOW:
		return info->low;
	case MLAB_LIMIT_MIN:
		return info->min;
	default:
		return info->soft_limit;
	}
}

/*
 * memory.min, memory.low, memory.high and memory.max: the limit named by
 * the file's private, "max" for unlimited.
 */
static int memory_tunable_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;

	mlab_of_info(of, &info);
	mlab_seq_tunable(sf, mlab_info_limit(&info, of->cft->private));
	return 0;
}

static int memory_tunable_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_write_limit(of, buf, of->cft->private, "max");
}

static int memory_oom_group_show(struct seq_file *sf, struct mlab_of *of)
{
	seq_printf(sf, "%d\n", mlab_oom_is_group(of->group));
	return 0;
}

/* As the kernel: kstrtoint (base 0) of the stripped input, 0 or 1. */
static int memory_oom_group_write(struct mlab_of *of, char *buf,
				  size_t nbytes)
{
	int v, err;

	err = kstrtoint(strstrip(buf), 0, &v);
	if (err)
		return err;
	if (v != 0 && v != 1)
		return -EINVAL;
	return mlab_oom_set_group(of->group, v);
}

/* memory.peak and memory.swap.peak: open, release and a write's restart. */
int mlab_peak_open(struct mlab_of *of)
{
	of->peak = MLAB_PEAK_UNSET;
	INIT_LIST_HEAD(&of->peak_node);
	return 0;
}

void mlab_peak_release(struct mlab_of *of)
{
	struct mlab_dir *md = of->dir;

	if (of->peak == MLAB_PEAK_UNSET)
		return;
	mutex_lock(&md->peaks_lock);
	list_del(&of->peak_node);
	mutex_unlock(&md->peaks_lock);
}

static int memory_peak_show(struct seq_file *sf, struct mlab_of *of)
{
	unsigned long peak = READ_ONCE(of->peak);
	struct mlab_group_info info;

	mlab_of_info(of, &info);
	if (peak == MLAB_PEAK_UNSET)
		peak = info.watermark;
	else
		peak = max(peak, info.local_watermark);
	seq_printf(sf, "%llu\n", mlab_bytes(peak));
	return 0;
}

/*
 * Kernel >= 6.12: a write (of anything) resets what this descriptor reads
 * to the current usage and raises the other written descriptors' values to
 * at least that, since the local watermark they share restarts here.
 */
static int __maybe_unused memory_peak_write(struct mlab_of *of, char *buf,
					    size_t nbytes)
{
	struct mlab_dir *md = of->dir;
	unsigned long usage;
	int err;

	mutex_lock(&md->peaks_lock);
	usage = mlab_group_usage(of->group);
	err = mlab_group_reset(of->group, MLAB_RESET_LOCAL_WATERMARK);
	if (!err)
		mlab_peak_restart(of, &md->peaks, usage);
	mutex_unlock(&md->peaks_lock);
	return err;
}

/*
 * The local watermark that @of and its written @peers read from restarts
 * at @usage: @of reads @usage from now on, a peer at least that.  The
 * caller holds the directory's peaks_lock, across the reset too, so that
 * no two writers interleave.
 */
void mlab_peak_restart(struct mlab_of *of, struct list_head *peers,
		       unsigned long usage)
{
	struct mlab_of *peer;

	list_for_each_entry(peer, peers, peak_node)
		if (usage > READ_ONCE(peer->peak))
			WRITE_ONCE(peer->peak, usage);
	if (of->peak == MLAB_PEAK_UNSET)
		list_add(&of->peak_node, peers);
	WRITE_ONCE(of->peak, usage);
}

static void mlab_seq_events(struct seq_file *sf, const unsigned long *events)
{
	int i;

	for (i = 0; i < MLAB_NR_EVENTS; i++)
		seq_printf(sf, "%s %lu\n", mlab_event_names[i], events[i]);
	/* The lab charges no socket memory, so it never throttles one. */
	if (MLAB_HAVE_SOCK_THROTTLED)
		seq_puts(sf, "sock_throttled 0\n");
}

static int memory_events_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;

	of->events_seen = atomic_read(&of->dir->seq[MLAB_FSN_EVENTS]);
	mlab_of_info(of, &info);
	mlab_seq_events(sf, info.events);
	return 0;
}

static int memory_events_local_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;

	of->events_seen = atomic_read(&of->dir->seq[MLAB_FSN_EVENTS_LOCAL]);
	mlab_of_info(of, &info);
	mlab_seq_events(sf, info.events_local);
	return 0;
}

/* The lab's own memory.stat keys, after the kernel's (both flavours). */
void mlab_seq_lab_stats(struct seq_file *sf, const char *prefix,
			struct mlab_group *g, bool subtree)
{
	struct mlab_group_stats st;
	unsigned long owned = mlab_group_owned_sum(g, subtree);
	unsigned long usage = mlab_group_usage(g);

	mlab_group_stats_sum(g, subtree, &st);
	seq_printf(sf, "%slab_charge %llu\n", prefix, st.charges);
	seq_printf(sf, "%slab_charged_bytes %llu\n", prefix,
		   mlab_bytes(st.charged_pages));
	seq_printf(sf, "%slab_uncharge %llu\n", prefix, st.uncharges);
	seq_printf(sf, "%slab_uncharged_bytes %llu\n", prefix,
		   mlab_bytes(st.uncharged_pages));
	seq_printf(sf, "%slab_charge_fail %llu\n", prefix, st.fails);
	seq_printf(sf, "%slab_charge_from_stock %llu\n", prefix, st.stock_hits);
	if (subtree)
		seq_printf(sf, "%slab_stock %llu\n", prefix,
			   mlab_bytes(usage > owned ? usage - owned : 0));
}

/* Anonymous and resident file pages held in a group or its subtree. */
void mlab_anon_file(struct mlab_group *g, bool subtree,
		    struct mlab_lru_stat *st, unsigned long *anon)
{
	unsigned long owned = mlab_group_owned_sum(g, subtree);

	mlab_group_lru_stat(g, subtree, st);
	*anon = owned > st->file ? owned - st->file : 0;
}

/*
 * v2 memory.stat: the kernel's leading keys (anon and file hold what charge
 * owners hold in the subtree; the lab has no kernel or shared memory), the
 * reclaim counters (all reclaim is direct), then the lab's counters, all
 * hierarchical as in the kernel.
 */
static int memory_stat_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group *g = of->group;
	struct mlab_lru_stat st;
	unsigned long anon;

	mlab_anon_file(g, true, &st, &anon);
	seq_printf(sf, "anon %llu\n", mlab_bytes(anon));
	seq_printf(sf, "file %llu\n", mlab_bytes(st.file));
	seq_puts(sf, "kernel 0\nkernel_stack 0\npagetables 0\n");
	seq_puts(sf, "percpu 0\nsock 0\nvmalloc 0\nshmem 0\n");
	seq_printf(sf, "inactive_anon 0\nactive_anon %llu\n", mlab_bytes(anon));
	seq_printf(sf, "inactive_file %llu\nactive_file 0\n",
		   mlab_bytes(st.file));
	seq_printf(sf, "pgscan %lu\npgsteal %lu\n", st.pgscan, st.pgsteal);
	seq_printf(sf, "pgscan_kswapd 0\npgscan_direct %lu\n", st.pgscan);
	seq_printf(sf, "pgsteal_kswapd 0\npgsteal_direct %lu\n", st.pgsteal);
	mlab_seq_lab_stats(sf, "", g, true);
	return 0;
}

/*
 * cgroup.max.depth and cgroup.max.descendants: the enum mlab_tree_limit in
 * the file's private; "max" or a count.
 */
static int cgroup_tree_limit_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;
	int value;

	mlab_group_info(of->group, &info);
	if (of->cft->private == MLAB_TREE_MAX_DEPTH)
		value = info.max_depth;
	else
		value = info.max_descendants;
	if (value == INT_MAX)
		seq_puts(sf, "max\n");
	else
		seq_printf(sf, "%d\n", value);
	return 0;
}

static int cgroup_tree_limit_write(struct mlab_of *of, char *buf,
				   size_t nbytes)
{
	int value, err;

	buf = strstrip(buf);
	if (!strcmp(buf, "max")) {
		value = INT_MAX;
	} else {
		err = kstrtoint(buf, 0, &value);
		if (err)
			return err;
	}
	return mlab_group_set_tree_limit(of->group, of->cft->private, value);
}

#if MLAB_HAVE_RECLAIM_ARGS
enum { MLAB_RECLAIM_SWAPPINESS, MLAB_RECLAIM_SWAPPINESS_MAX, MLAB_RECLAIM_NULL };

static const match_table_t memory_reclaim_tokens = {
	{ MLAB_RECLAIM_SWAPPINESS, "swappiness=%d" },
#if MLAB_HAVE_RECLAIM_SWAPPINESS_MAX
	{ MLAB_RECLAIM_SWAPPINESS_MAX, "swappiness=max" },
#endif
	{ MLAB_RECLAIM_NULL, NULL },
};

/*
 * "SIZE [swappiness=N]...": SIZE as memparse() takes it (not empty), N in
 * 0..200 (or "max": anon only, from 6.17); the last one given counts.
 */
static int memory_reclaim_parse(char *buf, unsigned long *nr_pages,
				int *swappiness)
{
	substring_t args[MAX_OPT_ARGS];
	char *start, *end;
	int val;

	buf = strstrip(buf);
	*nr_pages = memparse(buf, &end) / PAGE_SIZE;
	if (end == buf)
		return -EINVAL;
	buf = strstrip(end);
	while ((start = strsep(&buf, " "))) {
		if (!*start)
			continue;
		switch (match_token(start, memory_reclaim_tokens, args)) {
		case MLAB_RECLAIM_SWAPPINESS:
			if (match_int(&args[0], &val) || val < 0 ||
			    val > MLAB_SWAPPINESS_MAX)
				return -EINVAL;
			*swappiness = val;
			break;
		case MLAB_RECLAIM_SWAPPINESS_MAX:
			*swappiness = MLAB_SWAPPINESS_ANON_ONLY;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}
#else
/* A size as the limits take it, "" meaning everything. */
static int memory_reclaim_parse(char *buf, unsigned long *nr_pages,
				int *swappiness)
{
	return mlab_counter_memparse(strstrip(buf), "", nr_pages);
}
#endif

static int memory_reclaim_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	int swappiness = MLAB_SWAPPINESS_GROUP;
	unsigned long nr_pages;
	int err;

	err = memory_reclaim_parse(buf, &nr_pages, &swappiness);
	if (err)
		return err;
	return mlab_group_reclaim(of->group, nr_pages, swappiness);
}

/* --- memcglab.charge ------------------------------------------------------ */

static int mlab_charge_open(struct mlab_of *of)
{
	mlab_owner_init(&of->owner);
	return 0;
}

static void mlab_charge_release(struct mlab_of *of)
{
	mlab_owner_release(&of->owner);
}

static int mlab_charge_show(struct seq_file *sf, struct mlab_of *of)
{
	seq_printf(sf, "%llu\n",
		   mlab_bytes(mlab_owner_held(&of->owner, of->group)));
	return 0;
}

/* An optional leading "anon" or "file" and the blanks after it. */
static int mlab_charge_parse_type(char **bufp, enum mlab_charge_type *type)
{
	char *buf = *bufp;
	size_t len;
	int i;

	*type = MLAB_CHARGE_ANON;
	if (!isalpha(*buf))
		return 0;
	for (i = 0; i < MLAB_NR_CHARGE_TYPES; i++) {
		len = strlen(mlab_charge_type_names[i]);
		if (!strncmp(buf, mlab_charge_type_names[i], len) &&
		    isspace(buf[len])) {
			*type = i;
			*bufp = skip_spaces(buf + len);
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * "[anon|file] [-]SIZE": "SIZE" charges, "-SIZE" uncharges; SIZE has
 * memory.max's syntax (without "max") and is rounded up to whole pages; a
 * bare SIZE is anon.  0 does nothing.
 */
static int mlab_charge_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	enum mlab_charge_type type;
	unsigned long long bytes;
	unsigned long nr_pages;
	bool uncharge = false;
	char *end;
	int err;

	buf = strstrip(buf);
	err = mlab_charge_parse_type(&buf, &type);
	if (err)
		return err;
	if (*buf == '-') {
		uncharge = true;
		buf++;
	}
	if (!isdigit(*buf))
		return -EINVAL;
	bytes = memparse(buf, &end);
	if (*end)
		return -EINVAL;
	nr_pages = bytes / PAGE_SIZE + !!(bytes % PAGE_SIZE);
	if (!nr_pages)
		return 0;
	if (uncharge)
		return mlab_owner_uncharge(&of->owner, of->group, nr_pages,
					   type);
	return mlab_owner_charge(&of->owner, of->group, nr_pages, type, false);
}

/* --- the table -------------------------------------------------------------- */

#define V1 MLAB_CFT_V1
#define V2 MLAB_CFT_V2
#define NOT_ON_ROOT MLAB_CFT_NOT_ON_ROOT

const struct mlab_cftype mlab_files[] = {
	/* cgroup v2 */
	{ "memory.current", V2 | NOT_ON_ROOT, memory_current_show },
	{ "memory.min", V2 | NOT_ON_ROOT, memory_tunable_show,
	  memory_tunable_write, .private = MLAB_LIMIT_MIN },
	{ "memory.low", V2 | NOT_ON_ROOT, memory_tunable_show,
	  memory_tunable_write, .private = MLAB_LIMIT_LOW },
	{ "memory.high", V2 | NOT_ON_ROOT, memory_tunable_show,
	  memory_tunable_write, .private = MLAB_LIMIT_HIGH },
	{ "memory.max", V2 | NOT_ON_ROOT, memory_tunable_show,
	  memory_tunable_write, .private = MLAB_LIMIT_MAX },
	{ "memory.peak", V2 | NOT_ON_ROOT, memory_peak_show,
#if MLAB_HAVE_PEAK_RESET
	  memory_peak_write,
#else
	  NULL,
#endif
	  mlab_peak_open, mlab_peak_release },
	{ "memory.events", V2 | NOT_ON_ROOT | MLAB_CFT_EVENTS,
	  memory_events_show },
	{ "memory.events.local", V2 | NOT_ON_ROOT | MLAB_CFT_EVENTS_LOCAL,
	  memory_events_local_show },
	{ "memory.oom.group", V2 | NOT_ON_ROOT, memory_oom_group_show,
	  memory_oom_group_write },
	{ "memory.stat", V2, memory_stat_show },
	{ "cgroup.max.descendants", V2, cgroup_tree_limit_show,
	  cgroup_tree_limit_write, .private = MLAB_TREE_MAX_DESCENDANTS },
	{ "cgroup.max.depth", V2, cgroup_tree_limit_show,
	  cgroup_tree_limit_write, .private = MLAB_TREE_MAX_DEPTH },
	{ "memory.reclaim", V2, NULL, memory_reclaim_write },
	{ "memory.swap.current", V2 | NOT_ON_ROOT, memory_swap_current_show },
	{ "memory.swap.high", V2 | NOT_ON_ROOT, memory_swap_high_show,
	  memory_swap_high_write },
	{ "memory.swap.max", V2 | NOT_ON_ROOT, memory_swap_max_show,
	  memory_swap_max_write },
#if MLAB_HAVE_SWAP_PEAK
	{ "memory.swap.peak", V2 | NOT_ON_ROOT, memory_swap_peak_show,
#if MLAB_HAVE_PEAK_RESET
	  memory_swap_peak_write,
#else
	  NULL,
#endif
	  mlab_peak_open, mlab_peak_release },
#endif
	{ "memory.swap.events", V2 | NOT_ON_ROOT, memory_swap_events_show },

	/* cgroup v1 */
	{ "memory.usage_in_bytes", V1, memory_usage_show },
	{ "memory.max_usage_in_bytes", V1, memory_max_usage_show,
	  memory_max_usage_write },
	{ "memory.limit_in_bytes", V1, memory_v1_limit_show,
	  memory_v1_limit_write, .private = MLAB_LIMIT_MAX },
	{ "memory.soft_limit_in_bytes", V1, memory_v1_limit_show,
	  memory_v1_limit_write, .private = MLAB_LIMIT_SOFT },
	{ "memory.failcnt", V1, memory_failcnt_show, memory_failcnt_write },
	{ "memory.stat", V1, memory_v1_stat_show },
	{ "memory.use_hierarchy", V1, memory_use_hierarchy_show,
	  memory_use_hierarchy_write },
	{ "memory.oom_control", V1, memory_oom_control_show,
	  memory_oom_control_write },
	{ "memory.force_empty", V1, NULL, memory_force_empty_write },
	{ "memory.swappiness", V1, memory_swappiness_show,
	  memory_swappiness_write },
	{ "memory.memsw.usage_in_bytes", V1, memory_memsw_usage_show },
	{ "memory.memsw.max_usage_in_bytes", V1, memory_memsw_max_usage_show,
	  memory_memsw_max_usage_write },
	{ "memory.memsw.limit_in_bytes", V1, memory_memsw_limit_show,
	  memory_memsw_limit_write },
	{ "memory.memsw.failcnt", V1, memory_memsw_failcnt_show,
	  memory_memsw_failcnt_write },

	/* both */
	{ "memcglab.charge", V1 | V2, mlab_charge_show, mlab_charge_write,
	  mlab_charge_open, mlab_charge_release },
	{ }
};
