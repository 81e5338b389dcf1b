/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the target kernels (6.1, 6.12)
 * that memcglab's sources need, keyed on the kernel version (major and
 * patch level from <linux/version.h>, as MLAB_KV).
 */
#ifndef _MLAB_COMPAT_H
#define _MLAB_COMPAT_H

#include <linux/fs.h>
#include <linux/version.h>

#define MLAB_KV_OF(major, minor)	((major) * 256 + (minor))
#define MLAB_KV	MLAB_KV_OF(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL)
/* Is the kernel we build for at least major.minor? */
#define MLAB_KV_AT_LEAST(major, minor)	(MLAB_KV_OF(major, minor) <= MLAB_KV)

/* Inode operations take an idmap since 6.3, a user namespace before. */
#if MLAB_KV_AT_LEAST(6, 3)
#define mlab_idmap_t struct mnt_idmap
#else
#define mlab_idmap_t struct user_namespace
#endif

/* Timestamps of a new inode. */
static inline void mlab_inode_init_ts(struct inode *inode)
{
#if MLAB_KV_AT_LEAST(6, 6)
	simple_inode_init_ts(inode);
#else
	inode->i_atime = current_time(inode);
	inode->i_mtime = inode->i_atime;
	inode->i_ctime = inode->i_atime;
#endif
}

/* __assign_str() lost its source argument in 6.10. */
#if MLAB_KV_AT_LEAST(6, 10)
#define MLAB_TRACE_ASSIGN_STR(dst, src) __assign_str(dst)
#else
#define MLAB_TRACE_ASSIGN_STR(dst, src) __assign_str(dst, src)
#endif

/*
 * memory.peak became writable in 6.12: a write resets the value seen
 * through that descriptor.  Follow the running kernel so that the lab and
 * the real memcg answer the same.
 */
#if MLAB_KV_AT_LEAST(6, 12)
#define MLAB_HAVE_PEAK_RESET 1
#else
#define MLAB_HAVE_PEAK_RESET 0
#endif

/*
 * memory.reclaim takes "SIZE [swappiness=N]" since 6.10 (an empty SIZE is
 * EINVAL); before, SIZE alone in page_counter_memparse()'s syntax with ""
 * meaning everything.
 */
#if MLAB_KV_AT_LEAST(6, 10)
#define MLAB_HAVE_RECLAIM_ARGS 1
#else
#define MLAB_HAVE_RECLAIM_ARGS 0
#endif

/*
 * The reclaim model a mount gets by default: the running kernel's.
 * Debian builds 6.1 with MGLRU off (CONFIG_LRU_GEN_ENABLED unset) and 6.12
 * and later with it on.
 */
#if MLAB_KV_AT_LEAST(6, 12)
#define MLAB_DEFAULT_RECLAIM MLAB_RECLAIM_MGLRU
#else
#define MLAB_DEFAULT_RECLAIM MLAB_RECLAIM_LRU
#endif

#endif /* _MLAB_COMPAT_H */
