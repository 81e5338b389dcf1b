/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files.h - internal to the file table (files.c, files_v1.c), its file
 * operations (files_fops.c) and fs.c.
 */
#ifndef _MLAB_FILES_H
#define _MLAB_FILES_H

#include "fs.h"
#include "pressure.h"

/* The file table, terminated by an entry with a NULL name. */
extern const struct mlab_cftype mlab_files[];
/* The file operations of every file in the table (files_fops.c). */
extern const struct file_operations mlab_file_fops;

/* Helpers of files.c that the v1 handlers share. */
u64 mlab_bytes(unsigned long nr_pages);
int mlab_write_limit(struct mlab_of *of, char *buf, enum mlab_limit which,
		     const char *max_str);
void mlab_of_info(struct mlab_of *of, struct mlab_group_info *info);
unsigned long mlab_info_limit(const struct mlab_group_info *info,
			      enum mlab_limit which);
void mlab_seq_lab_stats(struct seq_file *sf, const char *prefix,
			struct mlab_group *g, bool subtree);
void mlab_anon_file(struct mlab_group *g, bool subtree,
		    struct mlab_lru_stat *st, unsigned long *anon);

/* memory.peak and memory.swap.peak: a descriptor's view (files.c). */
#define MLAB_PEAK_UNSET ULONG_MAX	/* never written: the watermark */
int mlab_peak_open(struct mlab_of *of);
void mlab_peak_release(struct mlab_of *of);
void mlab_peak_restart(struct mlab_of *of, struct list_head *peers,
		       unsigned long usage);

/* The cgroup v1 handlers (files_v1.c), for mlab_files[]. */
int memory_usage_show(struct seq_file *sf, struct mlab_of *of);
int memory_max_usage_show(struct seq_file *sf, struct mlab_of *of);
int memory_max_usage_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_v1_limit_show(struct seq_file *sf, struct mlab_of *of);
int memory_v1_limit_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_failcnt_show(struct seq_file *sf, struct mlab_of *of);
int memory_failcnt_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_use_hierarchy_show(struct seq_file *sf, struct mlab_of *of);
int memory_use_hierarchy_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_oom_control_show(struct seq_file *sf, struct mlab_of *of);
int memory_oom_control_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_v1_stat_show(struct seq_file *sf, struct mlab_of *of);
int memory_force_empty_write(struct mlab_of *of, char *buf, size_t nbytes);

/* The swap handlers (files_swap.c), for mlab_files[]. */
int memory_swap_current_show(struct seq_file *sf, struct mlab_of *of);
int memory_swap_high_show(struct seq_file *sf, struct mlab_of *of);
int memory_swap_high_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_swap_max_show(struct seq_file *sf, struct mlab_of *of);
int memory_swap_max_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_swap_events_show(struct seq_file *sf, struct mlab_of *of);
int memory_swap_peak_show(struct seq_file *sf, struct mlab_of *of);
int memory_swap_peak_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_memsw_usage_show(struct seq_file *sf, struct mlab_of *of);
int memory_memsw_max_usage_show(struct seq_file *sf, struct mlab_of *of);
int memory_memsw_max_usage_write(struct mlab_of *of, char *buf,
				 size_t nbytes);
int memory_memsw_limit_show(struct seq_file *sf, struct mlab_of *of);
int memory_memsw_limit_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_memsw_failcnt_show(struct seq_file *sf, struct mlab_of *of);
int memory_memsw_failcnt_write(struct mlab_of *of, char *buf, size_t nbytes);
int memory_swappiness_show(struct seq_file *sf, struct mlab_of *of);
int memory_swappiness_write(struct mlab_of *of, char *buf, size_t nbytes);

#endif /* _MLAB_FILES_H */
