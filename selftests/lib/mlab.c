// SPDX-License-Identifier: GPL-2.0
/*
 * mlab.c - helpers for memcglab guest tests (see mlab.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "mlab.h"

char *mlab_path(char *out, const char *dir, const char *name)
{
	snprintf(out, MLAB_PATH_MAX, "%s/%s", dir, name);
	return out;
}

uint64_t mlab_num(const char *dir, const char *file)
{
	char path[MLAB_PATH_MAX];
	uint64_t val;
	int err = mlab_read_u64(mlab_path(path, dir, file), &val);

	return err ? (uint64_t)(int64_t)err : val;
}

/* --- module and hierarchies --- */

static bool mlab_fs_registered(void)
{
	char buf[4096];

	if (mlab_read("/proc/filesystems", buf, sizeof(buf)) < 0)
		return false;
	return strstr(buf, "\tmemcglab\n") != NULL;
}

bool mlab_module_loaded(void)
{
	char buf[16384];

	if (mlab_read("/proc/modules", buf, sizeof(buf)) < 0)
		return false;
	return !strncmp(buf, "memcglab ", 9) || strstr(buf, "\nmemcglab ");
}

const char *mlab_module_path(void)
{
	const char *ko = getenv("MEMCGLAB_KO");

	return ko && *ko ? ko : "/lib/memcglab/memcglab.ko";
}

int mlab_ensure_module(void)
{
	int fd, err = 0;

	if (mlab_fs_registered())
		return 0;
	fd = open(mlab_module_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		err = -errno;
	close(fd);
	return err;
}

int mlab_mount(const char *opts, char *dir)
{
	const char *policy = getenv("MEMCGLAB_TEST_POLICY");
	char buf[256];

	/* policy_test.sh runs the suites again with a policy module. */
	if (policy && *policy && !(opts && strstr(opts, "policy="))) {
		snprintf(buf, sizeof(buf), "%s%spolicy=%s", opts ? opts : "",
			 opts && *opts ? "," : "", policy);
		opts = buf;
	}
	snprintf(dir, MLAB_PATH_MAX, "/tmp/mlab.XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	if (mount("none", dir, "memcglab", 0, opts)) {
		int err = -errno;

		rmdir(dir);
		errno = -err;
		return err;
	}
	return 0;
}

int mlab_umount(const char *dir, bool lazy)
{
	if (umount2(dir, lazy ? MNT_DETACH : 0))
		return -errno;
	return rmdir(dir) ? -errno : 0;
}

long long mlab_dir_num(const char *dir, const char *file)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_u64(mlab_path(path, dir, file), &v))
		return -1;
	return v == MLAB_UNLIMITED ? LLONG_MAX : (long long)v;
}

long long mlab_dir_key(const char *dir, const char *file, const char *key)
{
	char path[MLAB_PATH_MAX];
	uint64_t v;

	if (mlab_read_key(mlab_path(path, dir, file), key, &v))
		return -1;
	return (long long)v;
}

int mlab_dir_write(const char *dir, const char *file, const char *s)
{
	char path[MLAB_PATH_MAX];

	return mlab_write(mlab_path(path, dir, file), s);
}

int mlab_mount_ab(const char *opts, char *dir, char *a, char *b)
{
	int err = mlab_mount(opts, dir);

	if (!err)
		err = mlab_mkgroup(dir, "a", a);
	if (!err)
		err = mlab_mkgroup(a, "b", b);
	return err;
}

const char *mlab_usage_file(bool v1)
{
	return v1 ? "memory.usage_in_bytes" : "memory.current";
}

const char *mlab_limit_file(bool v1)
{
	return v1 ? "memory.limit_in_bytes" : "memory.max";
}

int mlab_mkgroup(const char *dir, const char *name, char *out)
{
	char path[MLAB_PATH_MAX];

	mlab_path(path, dir, name);
	if (out)
		strcpy(out, path);
	return mkdir(path, 0755) ? -errno : 0;
}

int mlab_rmgroup(const char *path)
{
	return rmdir(path) ? -errno : 0;
}

/* --- charges --- */

int mlab_charge_open(const char *group)
{
	char path[MLAB_PATH_MAX];
	int fd;

	fd = open(mlab_path(path, group, "memcglab.charge"),
		  O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int mlab_charge(int fd, const char *size)
{
	ssize_t n = write(fd, size, strlen(size));

	return n < 0 ? -errno : 0;
}

long long mlab_charge_held(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* --- the real memcg --- */

/* Write +memory/-memory to a subtree_control, retrying while it is busy. */
static int mlab_memcg2_control(const char *what)
{
	char path[MLAB_PATH_MAX];
	int i, err = 0;

	mlab_path(path, MLAB_CGROUP2, "cgroup.subtree_control");
	for (i = 0; i < 50; i++) {
		err = mlab_write(path, what);
		if (err != -EBUSY)
			break;
		usleep(100000);
	}
	return err;
}

const char *mlab_memcg_elsewhere(int version)
{
	const char *phase = getenv("MEMCGLAB_V1");

	if (!phase)
		return NULL;
	if (version == 2)
		return strcmp(phase, "now") ? NULL :
		       "real cgroup v2 runs in the rig's main boot";
	if (!strcmp(phase, "none"))
		return "this kernel has no cgroup v1 memory controller";
	if (!strcmp(phase, "later"))
		return "real cgroup v1 runs in the rig's separate v1 boot";
	return NULL;
}

int mlab_memcg2_create(const char *name, char *out)
{
	char buf[256], path[MLAB_PATH_MAX];
	int err;

	if (mlab_memcg_elsewhere(2))
		return -EOPNOTSUPP;

	err = mlab_read(mlab_path(path, MLAB_CGROUP2, "cgroup.controllers"),
			buf, sizeof(buf));
	if (err < 0)
		return err;
	if (!strstr(buf, "memory"))
		return -EOPNOTSUPP;
	err = mlab_memcg2_control("+memory");
	if (err)
		return err;
	mlab_path(out, MLAB_CGROUP2, name);
	rmdir(out);
	return mkdir(out, 0755) ? -errno : 0;
}

int mlab_memcg2_remove(const char *path)
{
	int i;

	/* A cgroup is busy for a moment after its last charge goes. */
	for (i = 0; i < 50; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		usleep(100000);
	}
	return -errno;
}

int mlab_memcg1_mount(char *dir, char *why, size_t whylen)
{
	const char *elsewhere = mlab_memcg_elsewhere(1);
	char buf[256], path[MLAB_PATH_MAX];
	int err;

	if (elsewhere) {
		snprintf(why, whylen, "%s", elsewhere);
		return -EOPNOTSUPP;
	}
	/*
	 * Never take memory away from cgroup v2: moving the controller in a
	 * running boot flips the kernel's memsw/kmem accounting while v2's
	 * charges are still out, and a later uncharge underflows the root's
	 * v1 counters (a WARNING in 6.1). Real v1 needs a boot where v2 never
	 * enabled memory.
	 */
	err = mlab_read(mlab_path(path, MLAB_CGROUP2, "cgroup.subtree_control"),
			buf, sizeof(buf));
	if (err >= 0 && strstr(buf, "memory")) {
		snprintf(why, whylen,
			 "cgroup v2 uses the memory controller in this boot; real v1 needs a boot of its own");
		return -EOPNOTSUPP;
	}
	snprintf(dir, MLAB_PATH_MAX, "/tmp/memcg1.XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	err = mount("none", dir, "cgroup", 0, "memory") ? -errno : 0;
	if (err) {
		rmdir(dir);
		snprintf(why, whylen,
			 "cannot mount the cgroup v1 memory controller (%s): %s",
			 strerror(-err),
			 err == -EBUSY ? "cgroup v2 groups still hold it" :
			 "this kernel has none");
		return -EOPNOTSUPP;
	}
	return 0;
}

int mlab_memcg1_umount(const char *dir)
{
	int err = 0;

	if (umount2(dir, 0))
		err = -errno;
	rmdir(dir);
	return err;
}

/* --- processes --- */

int mlab_as_nobody(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int ret;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(255);
		ret = fn(arg);
		_exit(ret > 0 || ret < -254 ? 254 : -ret);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return -EFAULT;
	if (WEXITSTATUS(status) == 254)
		return -EPROTO;
	return -WEXITSTATUS(status);
}

pid_t mlab_worker_start(int (*fn)(void *arg), void *arg, bool stay)
{
	int pfd[2], err;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (!pid) {
		close(pfd[0]);
		err = fn(arg);
		if (!stay)
			_exit(err > 0 || err < -255 ? 255 : -err);
		if (write(pfd[1], &err, sizeof(err)) != sizeof(err))
			_exit(255);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (stay) {
		ssize_t n = read(pfd[0], &err, sizeof(err));

		if (n != sizeof(err) || err) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			pid = n != sizeof(err) ? -ECHILD : err < 0 ? err : -EPROTO;
		}
	}
	close(pfd[0]);
	return pid;
}

int mlab_cgroup_enter(const char *path)
{
	char file[MLAB_PATH_MAX], buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	return mlab_write(mlab_path(file, path, "cgroup.procs"), buf);
}

int mlab_oom_adj(int adj)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", adj);
	return mlab_write("/proc/self/oom_score_adj", buf);
}
