// SPDX-License-Identifier: GPL-2.0
/*
 * files_v1.c - the cgroup v1 memory.* file handlers of the file table
 * (files.c).  See docs/files.md.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include "files.h"

int memory_usage_show(struct seq_file *sf, struct mlab_of *of)
{
	seq_printf(sf, "%llu\n", mlab_bytes(mlab_group_usage(of->group)));
	return 0;
}

int memory_max_usage_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;

	mlab_of_info(of, &info);
	seq_printf(sf, "%llu\n", mlab_bytes(info.watermark));
	return 0;
}

/* Any write resets the watermark to the current usage. */
int memory_max_usage_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_group_reset(of->group, MLAB_RESET_WATERMARK);
}

/*
 * memory.limit_in_bytes and memory.soft_limit_in_bytes: the limit named by
 * the file's private, in bytes; "-1" writes unlimited.
 */
int memory_v1_limit_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;
	unsigned long limit;

	mlab_of_info(of, &info);
	limit = mlab_info_limit(&info, of->cft->private);
	seq_printf(sf, "%llu\n", mlab_bytes(limit));
	return 0;
}

int memory_v1_limit_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_write_limit(of, buf, of->cft->private, "-1");
}

int memory_failcnt_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;

	mlab_of_info(of, &info);
	seq_printf(sf, "%llu\n", (u64)info.failcnt);
	return 0;
}

/* Any write zeroes failcnt. */
int memory_failcnt_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_group_reset(of->group, MLAB_RESET_FAILCNT);
}

int memory_use_hierarchy_show(struct seq_file *sf, struct mlab_of *of)
{
	seq_puts(sf, "1\n");
	return 0;
}

/* Parsed as cgroup's write_u64 files are: kstrtoull, base 0, no strip. */
int memory_use_hierarchy_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	unsigned long long v;
	int err = kstrtoull(buf, 0, &v);

	if (err)
		return err;
	return v == 1 ? 0 : -EINVAL;
}

int memory_oom_control_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_group_info info;

	mlab_of_info(of, &info);
	seq_printf(sf, "oom_kill_disable %d\n", info.oom_kill_disable);
	seq_printf(sf, "under_oom %d\n", mlab_oom_under_oom(of->group));
	seq_printf(sf, "oom_kill %lu\n", info.events[MLAB_EVENT_OOM_KILL]);
	return 0;
}

int memory_oom_control_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	unsigned long long v;
	int err = kstrtoull(buf, 0, &v);

	if (err)
		return err;
	if (v > 1)
		return -EINVAL;
	return mlab_group_set_oom_kill_disable(of->group, v);
}

static const char * const memory_v1_stat_keys[] = {
	"cache", "rss", "rss_huge", "shmem", "mapped_file", "dirty",
	"writeback", "swap", "pgpgin", "pgpgout", "pgfault", "pgmajfault",
	"inactive_anon", "active_anon", "inactive_file", "active_file",
	"unevictable",
};

/* Values of memory_v1_stat_keys[] for a group or its subtree. */
static void memory_v1_stat_values(struct mlab_group *g, bool subtree,
				  u64 *vals)
{
	struct mlab_group_stats st;
	struct mlab_swap_info si;
	struct mlab_lru_stat lst;
	unsigned long anon;

	mlab_group_stats_sum(g, subtree, &st);
	mlab_swap_info(g, subtree, &si);
	mlab_anon_file(g, subtree, &lst, &anon);
	memset(vals, 0, sizeof(u64) * ARRAY_SIZE(memory_v1_stat_keys));
	vals[0] = mlab_bytes(lst.file);	/* cache */
	vals[1] = mlab_bytes(anon);	/* rss */
	vals[7] = mlab_bytes(si.swapped);	/* swap */
	vals[8] = st.charges;		/* pgpgin */
	vals[9] = st.uncharges;		/* pgpgout */
	vals[13] = mlab_bytes(anon);	/* active_anon */
	vals[14] = mlab_bytes(lst.file);	/* inactive_file */
}

/*
 * v1 memory.stat: the kernel's keys in its order (rss and active_anon hold
 * what charge owners hold, pgpgin/pgpgout count charge and uncharge
 * operations), the hierarchical limits, the total_ (subtree) values, then
 * the lab's counters, local and total_.
 */
int memory_v1_stat_show(struct seq_file *sf, struct mlab_of *of)
{
	u64 vals[ARRAY_SIZE(memory_v1_stat_keys)];
	struct mlab_group *g = of->group;
	struct mlab_swap_info si;
	int i;

	memory_v1_stat_values(g, false, vals);
	for (i = 0; i < ARRAY_SIZE(vals); i++)
		seq_printf(sf, "%s %llu\n", memory_v1_stat_keys[i], vals[i]);
	seq_printf(sf, "hierarchical_memory_limit %llu\n",
		   mlab_bytes(mlab_group_hier_max(g)));
	mlab_swap_info(g, false, &si);
	seq_printf(sf, "hierarchical_memsw_limit %llu\n",
		   mlab_bytes(si.hier_max));
	memory_v1_stat_values(g, true, vals);
	for (i = 0; i < ARRAY_SIZE(vals); i++)
		seq_printf(sf, "total_%s %llu\n", memory_v1_stat_keys[i],
			   vals[i]);
	mlab_seq_lab_stats(sf, "", g, false);
	mlab_seq_lab_stats(sf, "total_", g, true);
	return 0;
}

/* Any write empties the group as far as reclaim can; not on the root. */
int memory_force_empty_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_group_force_empty(of->group);
}
