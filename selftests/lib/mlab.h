/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlab.h - helpers for memcglab guest tests: the module, lab hierarchies,
 * charge descriptors, and the real memcg (v2 and v1) used as the oracle.
 * Files and netlink are libmlab's (tools/lib/memcglab), included here.
 * Every function returns 0 or a negative errno unless said otherwise, and
 * leaves errno meaningful.
 */
#ifndef MLAB_TEST_LIB_H
#define MLAB_TEST_LIB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libmlab.h"

#define MLAB_PATH_MAX 512
/* The v1 spelling of "unlimited" (PAGE_COUNTER_MAX pages in bytes). */
#define MLAB_V1_UNLIMITED 9223372036854771712ULL

/* --- files (mlab_read(), mlab_write(), mlab_read_u64() ... in libmlab.h) --- */
/* printf-style path join into out (MLAB_PATH_MAX). */
char *mlab_path(char *out, const char *dir, const char *name);
/*
 * dir/file's first number for an EXPECT: "max" is MLAB_UNLIMITED, and a
 * failed read is (uint64_t)-errno, which no memory file shows.
 */
uint64_t mlab_num(const char *dir, const char *file);
/* dir/file's first number as a long long: "max" is LLONG_MAX, -1 when the
 * file cannot be read. */
long long mlab_dir_num(const char *dir, const char *file);
/* The value of key in dir/file ("key N" lines), -1 when not there. */
long long mlab_dir_key(const char *dir, const char *file, const char *key);
/* Write s to dir/file: what mlab_write() returns. */
int mlab_dir_write(const char *dir, const char *file, const char *s);

/* --- module and hierarchies --- */
/* Load the module if the memcglab filesystem type is not registered. */
int mlab_ensure_module(void);
/* Is the module loaded? */
bool mlab_module_loaded(void);
/* The module file the tests load ($MEMCGLAB_KO or the default). */
const char *mlab_module_path(void);
/* Mount a new hierarchy with opts (NULL: none) in a fresh temporary
 * directory written to dir (MLAB_PATH_MAX). */
int mlab_mount(const char *opts, char *dir);
/* Unmount (MNT_DETACH if lazy) and remove the directory. */
int mlab_umount(const char *dir, bool lazy);
/* mlab_mount(), then groups "a" and "a/b" in it; their paths in a and b. */
int mlab_mount_ab(const char *opts, char *dir, char *a, char *b);
/* The flavour's usage file (memory.current, memory.usage_in_bytes). */
const char *mlab_usage_file(bool v1);
/* The flavour's limit file (memory.max, memory.limit_in_bytes). */
const char *mlab_limit_file(bool v1);
/* mkdir/rmdir dir/name; out (may be NULL) receives the path. */
int mlab_mkgroup(const char *dir, const char *name, char *out);
int mlab_rmgroup(const char *path);

/* --- charges --- */
/* Open group/memcglab.charge read-write; fd or -errno. */
int mlab_charge_open(const char *group);
/* Write size (e.g. "10M", "-4k") to a charge fd; 0 or -errno. */
int mlab_charge(int fd, const char *size);
/* Bytes the descriptor holds, or -errno. */
long long mlab_charge_held(int fd);

/* --- the real memcg (oracle) --- */
#define MLAB_CGROUP2 "/sys/fs/cgroup"
/*
 * Once a boot has used the real v1 memory controller, its dying groups keep
 * it bound to v1 and cgroup v2 never gets memory back (and the other way
 * round for a while). So the rig runs real v1 in a boot of its own and says
 * which boot this is in MEMCGLAB_V1: "now" (the v1 boot), "later" (the main
 * boot; v1 comes next), "none" (the kernel has no v1 memory controller).
 * Unset (another pipeline): both run here, v2 first.
 * mlab_memcg_elsewhere(version) is NULL when the real memcg of that version
 * is to be used in this boot, else the reason to skip.
 */
const char *mlab_memcg_elsewhere(int version);
/* Make a fresh cgroup v2 group with the memory controller under the
 * cgroup2 root; path in out.  -EOPNOTSUPP without a memory controller. */
int mlab_memcg2_create(const char *name, char *out);
/* Remove a cgroup v2 group made above. */
int mlab_memcg2_remove(const char *path);
/* Mount the cgroup v1 memory controller in a fresh directory; -EOPNOTSUPP,
 * with the reason in why, when this boot cannot have it: no v1 memory
 * controller (6.12), or cgroup v2 has used memory (it is never moved). */
int mlab_memcg1_mount(char *dir, char *why, size_t whylen);
/* Unmount it. */
int mlab_memcg1_umount(const char *dir);

/* --- processes --- */
/* Run fn(arg) in a child with uid/gid 65534 and no supplementary groups.
 * fn returns 0 or a negative errno; so does this, with -EFAULT when the
 * child could not drop its ids or died, -EPROTO when fn broke the rule. */
int mlab_as_nobody(int (*fn)(void *arg), void *arg);

/*
 * A worker: a child process that runs fn(arg) -- typically join a cgroup
 * (mlab_cgroup_enter), set its oom_score_adj, then charge (touch anonymous
 * memory, write page cache, write a memcglab.charge descriptor) -- and
 * reports fn's result over a pipe. The real memcg tests (reclaim_test,
 * oom_test) and the lab ones start their chargers this way.
 *
 * With stay, the child then waits to be killed, and this returns once it
 * has reported: its pid when fn returned 0; fn's -errno when it failed (the
 * child is killed and reaped); -ECHILD when the child died before reporting
 * (an OOM kill while charging; reaped). Without stay, the child exits with
 * -fn() as its status (0: all of it fit) and the pid comes back at once.
 */
pid_t mlab_worker_start(int (*fn)(void *arg), void *arg, bool stay);
/* Move the calling process into the cgroup at path (cgroup.procs). */
int mlab_cgroup_enter(const char *path);
/* Write the calling process's /proc/self/oom_score_adj. */
int mlab_oom_adj(int adj);

#endif /* MLAB_TEST_LIB_H */
