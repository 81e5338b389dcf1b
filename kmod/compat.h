/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the target kernels (6.1, 6.12 and
 * Debian's newest, 7.2) that memcglab's sources need, keyed on the kernel
 * version (major and patch level from <linux/version.h>, as MLAB_KV).
 * Each shim names the release that made it necessary.
 */
#ifndef _MLAB_COMPAT_H
#define _MLAB_COMPAT_H

#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/version.h>

#define MLAB_KV_OF(major, minor)	((major) * 256 + (minor))
#define MLAB_KV	MLAB_KV_OF(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL)
/* Is the kernel we build for at least major.minor? */
#define MLAB_KV_AT_LEAST(major, minor)	(MLAB_KV_OF(major, minor) <= MLAB_KV)

#if !MLAB_KV_AT_LEAST(6, 1)
#error "memcglab supports Linux 6.1 and later"
#endif

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
 * memory.swap.peak appeared in 6.5 (read-only, the swap watermark); like
 * memory.peak it takes a reset per descriptor from 6.12.
 */
#if MLAB_KV_AT_LEAST(6, 5)
#define MLAB_HAVE_SWAP_PEAK 1
#else
#define MLAB_HAVE_SWAP_PEAK 0
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
 * memory.reclaim also takes "swappiness=max" (anon only) since 6.17: the
 * 6.12 guest refuses it with EINVAL, the 7.2 guest accepts it.
 */
#if MLAB_KV_AT_LEAST(6, 17)
#define MLAB_HAVE_RECLAIM_SWAPPINESS_MAX 1
#else
#define MLAB_HAVE_RECLAIM_SWAPPINESS_MAX 0
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

/*
 * memory.events (and .local) gained a last line, sock_throttled, in
 * 6.19.  Follow the running kernel so that the lab reads like it.
 */
#if MLAB_KV_AT_LEAST(6, 19)
#define MLAB_HAVE_SOCK_THROTTLED 1
#else
#define MLAB_HAVE_SOCK_THROTTLED 0
#endif

/*
 * Look up a name in the dcache only: d_hash_and_lookup() gave way to
 * try_lookup_noperm() in 6.16.  NULL when the name is not cached.
 */
static inline struct dentry *mlab_lookup_cached(struct dentry *dir,
						struct qstr *name)
{
#if MLAB_KV_AT_LEAST(6, 16)
	return try_lookup_noperm(name, dir);
#else
	return d_hash_and_lookup(dir, name);
#endif
}

/*
 * ->mkdir returns the dentry it used since 6.15 (NULL: the one passed in),
 * an int before.  The filesystem's mkdir keeps the int convention; its
 * operation returns mlab_mkdir_ret(err).
 */
#if MLAB_KV_AT_LEAST(6, 15)
#define mlab_mkdir_ret_t	struct dentry *
static inline struct dentry *mlab_mkdir_ret(int err)
{
	return ERR_PTR(err);
}
#else
#define mlab_mkdir_ret_t	int
static inline int mlab_mkdir_ret(int err)
{
	return err;
}
#endif

/* ->drop_inode for "never cache an unused inode": renamed in 6.18. */
#if MLAB_KV_AT_LEAST(6, 18)
#define mlab_drop_inode_now	inode_just_drop
#else
#define mlab_drop_inode_now	generic_delete_inode
#endif

/*
 * Dentries pinned for the life of the filesystem (until unlinked).  Since
 * 6.19 a pin is marked: d_make_persistent() takes the reference, unlink
 * drops it, and umount drops what is left, so kill_anon_super() suffices
 * (kill_litter_super() is gone in 7.0).  Before, the pin was a bare extra
 * reference, dropped by simple_unlink() or kill_litter_super().
 *
 * mlab_d_pin() instantiates @dentry with @inode (hashing it if it is not
 * yet) and takes the pinning reference; the caller keeps its own.
 */
static inline void mlab_d_pin(struct dentry *dentry, struct inode *inode)
{
#if MLAB_KV_AT_LEAST(6, 19)
	d_make_persistent(dentry, inode);
#else
	if (d_unhashed(dentry))
		d_add(dentry, inode);
	else
		d_instantiate(dentry, inode);
	dget(dentry);
#endif
}

/* Drop the pin of a dentry that is not going through unlink. */
static inline void mlab_d_unpin(struct dentry *dentry)
{
#if MLAB_KV_AT_LEAST(6, 19)
	d_make_discardable(dentry);
#else
	dput(dentry);
#endif
}

static inline void mlab_kill_pinned_super(struct super_block *sb)
{
#if MLAB_KV_AT_LEAST(6, 19)
	kill_anon_super(sb);
#else
	kill_litter_super(sb);
#endif
}

/*
 * What `trace record` probes (record.c).  try_charge_memcg,
 * page_counter_try_charge, page_counter_uncharge and
 * try_to_free_mem_cgroup_pages keep their names and arguments on every
 * target kernel.  The per-cpu stock's refill (memcg, nr_pages) and its
 * drain (whose page_counter_uncharge() is the stock's, not a request's)
 * are static functions; these are the names the kernels keep out of line,
 * checked in each guest (selftests/trace_test.sh lists them).
 */
#define MLAB_REC_SYM_REFILL	"refill_stock"
#define MLAB_REC_SYM_DRAIN	"drain_stock"

#endif /* _MLAB_COMPAT_H */
