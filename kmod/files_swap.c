// SPDX-License-Identifier: GPL-2.0
/*
 * files_swap.c - the swap files of the file table (files.c): v2
 * memory.swap.{current,high,max,peak,events}, v1
 * memory.memsw.{usage,limit,max_usage}_in_bytes, memory.memsw.failcnt and
 * memory.swappiness.  Syntax, errors and output are the kernel's
 * (mm/memcontrol.c swap_files[], memsw_files[], mem_cgroup_swappiness_*).
 * See docs/files.md.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include "compat.h"
#include "files.h"

/* v2 tunables: "max" at MLAB_COUNTER_MAX, else bytes. */
static void mlab_seq_swap_tunable(struct seq_file *sf, unsigned long value)
{
	if (value == MLAB_COUNTER_MAX)
		seq_puts(sf, "max\n");
	else
		seq_printf(sf, "%llu\n", mlab_bytes(value));
}

/* A size with its unlimited spelling, as page_counter_memparse() reads it. */
static int mlab_swap_parse(char *buf, const char *max_str,
			   unsigned long *nr_pages)
{
	return mlab_counter_memparse(strstrip(buf), max_str, nr_pages);
}

/* --- cgroup v2 ----------------------------------------------------------- */

int memory_swap_current_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	seq_printf(sf, "%llu\n", mlab_bytes(info.usage));
	return 0;
}

int memory_swap_high_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	mlab_seq_swap_tunable(sf, info.high);
	return 0;
}

int memory_swap_high_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	unsigned long nr_pages;
	int err = mlab_swap_parse(buf, "max", &nr_pages);

	return err ? err : mlab_swap_set_high(of->group, nr_pages);
}

int memory_swap_max_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	mlab_seq_swap_tunable(sf, info.max);
	return 0;
}

int memory_swap_max_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	unsigned long nr_pages;
	int err = mlab_swap_parse(buf, "max", &nr_pages);

	return err ? err : mlab_swap_set_max(of->group, nr_pages);
}

int memory_swap_events_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;
	int i;

	mlab_swap_info(of->group, false, &info);
	for (i = 0; i < MLAB_NR_SWAP_EVENTS; i++)
		seq_printf(sf, "%s %lu\n", mlab_swap_event_names[i],
			   info.events[i]);
	return 0;
}

/*
 * As memory.peak: the watermark, or this descriptor's view once written.
 * files.c opens and releases it; a written descriptor is on the
 * directory's swap_peaks list, under the same peaks_lock.
 */
int memory_swap_peak_show(struct seq_file *sf, struct mlab_of *of)
{
	unsigned long peak = READ_ONCE(of->peak);
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	if (peak == MLAB_PEAK_UNSET)
		peak = info.watermark;
	else
		peak = max(peak, info.local_watermark);
	seq_printf(sf, "%llu\n", mlab_bytes(peak));
	return 0;
}

/* Kernel >= 6.12: as memory.peak's write, on the swap counter. */
int memory_swap_peak_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	struct mlab_dir *md = of->dir;
	struct mlab_swap_info info;
	int err;

	mutex_lock(&md->peaks_lock);
	mlab_swap_info(of->group, false, &info);
	err = mlab_swap_reset_local_watermark(of->group);
	if (!err)
		mlab_peak_restart(of, &md->swap_peaks, info.usage);
	mutex_unlock(&md->peaks_lock);
	return err;
}

/* --- cgroup v1 ----------------------------------------------------------- */

int memory_memsw_usage_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	seq_printf(sf, "%llu\n", mlab_bytes(info.usage));
	return 0;
}

int memory_memsw_max_usage_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	seq_printf(sf, "%llu\n", mlab_bytes(info.watermark));
	return 0;
}

/* Any write resets the watermark to the current usage. */
int memory_memsw_max_usage_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_swap_reset(of->group, false);
}

int memory_memsw_limit_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	seq_printf(sf, "%llu\n", mlab_bytes(info.max));
	return 0;
}

/* mem_cgroup_write(): "-1" is unlimited; the root refuses (EINVAL). */
int memory_memsw_limit_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	unsigned long nr_pages;
	int err = mlab_swap_parse(buf, "-1", &nr_pages);

	return err ? err : mlab_swap_set_max(of->group, nr_pages);
}

int memory_memsw_failcnt_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	seq_printf(sf, "%llu\n", (u64)info.failcnt);
	return 0;
}

/* Any write zeroes failcnt. */
int memory_memsw_failcnt_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	return mlab_swap_reset(of->group, true);
}

int memory_swappiness_show(struct seq_file *sf, struct mlab_of *of)
{
	struct mlab_swap_info info;

	mlab_swap_info(of->group, false, &info);
	seq_printf(sf, "%u\n", info.swappiness);
	return 0;
}

/* A write_u64 file: kstrtoull, base 0, no strip; at most 200. */
int memory_swappiness_write(struct mlab_of *of, char *buf, size_t nbytes)
{
	unsigned long long v;
	int err = kstrtoull(buf, 0, &v);

	return err ? err : mlab_swap_set_swappiness(of->group, v);
}
