// SPDX-License-Identifier: GPL-2.0
/*
 * The lab target: a memcglab filesystem mounted in a temporary directory.
 *
 * `mount -t memcglab -o oom=off[,v1][,policy=P] none DIR`; groups are directories under
 * a base group DIR/memcglab.base (so that scenario groups sit at the same
 * depth as on the memcg target, where they live under memcglab.PID), limits
 * are the kernel's files, and each charger is one open descriptor on
 * GROUP/memcglab.charge: writing "N" charges N bytes, "-N" uncharges, ENOMEM
 * means refused (nothing changed), reading gives the bytes it holds.
 *
 * A scenario with `oom kill` mounts with oom=kill instead, and each charger
 * is a process of its own (memcg_worker.c) that opens GROUP/memcglab.charge
 * itself and writes on command: the lab's OOM killer then SIGKILLs that
 * process, as the kernel kills a memcg worker, and a v1 oom_kill_disable
 * wait parks it, not the runner.
 *
 * A scenario with `together` blocks (cfg.concurrent) has its chargers made
 * the same way, with oom=off as usual: a block's chargers then write at the
 * same moment, each from its own CPU, as the kernel's chargers fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memcg.h"

#define LAB_BASE "memcglab.base"

struct lab_charger {
	char name[64];
	char group[PATH_MAX];
	int fd;
};

struct lab_priv {
	struct cg_hier flavour;	/* only .v1 is used: file names */
	char mnt[PATH_MAX];
	struct lab_charger *chargers;
	size_t nr_chargers;
	struct worker_set ws;	/* cfg.oom_kill: the chargers' processes */
	struct tgt_peaks peaks;
	uint64_t batch;		/* pages the policy may stock per CPU, 0: none */
};

/*
 * The mount's batch= as the kernel shows it: present exactly when the
 * policy keeps a per-cpu stock of up to that many pages per charging group.
 */
static uint64_t lab_mount_batch(const char *mnt)
{
	char line[4096], *b;
	uint64_t batch = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		for (int i = 0; sp && i < 3; i++)
			sp = strchr(sp + 1, ' ');
		if (!sp || strncmp(sp + 1, mnt, strlen(mnt)) || sp[1 + strlen(mnt)] != ' ')
			continue;
		b = strstr(sp, ",batch=");
		if (b)
			batch = strtoull(b + 7, NULL, 10);
		break;
	}
	fclose(f);
	return batch;
}

static bool lab_fs_available(void)
{
	char buf[4096];

	return mlab_read("/proc/filesystems", buf, sizeof(buf)) > 0 &&
	       strstr(buf, "\tmemcglab\n");
}

static int lab_open(struct target *t)
{
	struct lab_priv *p;
	char opts[128];
	int ret;

	if (!lab_fs_available())
		return tgt_fail(t, -EOPNOTSUPP,
				"/proc/filesystems: no memcglab filesystem (load memcglab.ko)");
	p = calloc(1, sizeof(*p));
	if (!p)
		return tgt_fail(t, -ENOMEM, "out of memory");
	p->flavour.v1 = t->cfg.v1;
	/*
	 * oom=off unless OOM kills are real: every charger is then a
	 * descriptor of this process, so an OOM kill would end the runner
	 * itself and a v1 OOM wait would never be woken.  A refusal stays
	 * ENOMEM, as the memcg target reports it.
	 */
	tgt_fmt(opts, sizeof(opts), "oom=%s%s%s%s", t->cfg.oom_kill ? "kill" : "off",
		t->cfg.v1 ? ",v1" : "",
		 t->cfg.policy ? "," : "", t->cfg.policy ? "policy=" : "");
	if (t->cfg.policy)
		strncat(opts, t->cfg.policy, sizeof(opts) - strlen(opts) - 1);
	tgt_fmt(p->mnt, sizeof(p->mnt), "/tmp/memcglab-lab.XXXXXX");
	if (!mkdtemp(p->mnt)) {
		ret = tgt_fail(t, -errno, "mkdtemp %s: %s", p->mnt, strerror(errno));
		free(p);
		return ret;
	}
	if (mount("none", p->mnt, "memcglab", 0, opts[0] ? opts : NULL)) {
		ret = tgt_fail(t, -errno, "mount -t memcglab -o '%s' %s: %s", opts,
			       p->mnt, strerror(errno));
		rmdir(p->mnt);
		free(p);
		return ret;
	}
	p->batch = lab_mount_batch(p->mnt);
	tgt_fmt(t->root, sizeof(t->root), "%s/" LAB_BASE, p->mnt);
	if (mkdir(t->root, 0755)) {
		ret = tgt_fail(t, -errno, "mkdir %s: %s", t->root, strerror(errno));
		umount2(p->mnt, 0);
		rmdir(p->mnt);
		free(p);
		return ret;
	}
	t->priv = p;
	return 0;
}

static void lab_close(struct target *t)
{
	struct lab_priv *p = t->priv;

	if (!p)
		return;
	for (size_t i = 0; i < p->nr_chargers; i++)
		close(p->chargers[i].fd);
	free(p->chargers);
	worker_set_free(&p->ws);
	tgt_peaks_free(&p->peaks);
	/* Unmounting tears the whole hierarchy down. */
	if (umount2(p->mnt, 0))
		fprintf(stderr, "memcglab: umount %s: %s\n", p->mnt, strerror(errno));
	else
		rmdir(p->mnt);
	free(p);
	t->priv = NULL;
}

static int lab_mkdir(struct target *t, const char *group)
{
	char dir[PATH_MAX];

	tgt_group_path(t, group, dir, sizeof(dir));
	if (mkdir(dir, 0755))
		return tgt_fail(t, -errno, "mkdir %s: %s", dir, strerror(errno));
	return 0;
}

static struct lab_charger *charger_find(struct target *t, const char *name)
{
	struct lab_priv *p = t->priv;

	for (size_t i = 0; i < p->nr_chargers; i++)
		if (!strcmp(p->chargers[i].name, name))
			return &p->chargers[i];
	return NULL;
}

static int charger_held(struct lab_charger *c, uint64_t *bytes)
{
	char buf[64];
	ssize_t n;

	if (lseek(c->fd, 0, SEEK_SET))
		return -errno;
	n = read(c->fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*bytes = strtoull(buf, NULL, 10);
	return 0;
}

static void charger_drop(struct lab_priv *p, struct lab_charger *c)
{
	close(c->fd);
	*c = p->chargers[--p->nr_chargers];
}

static int lab_rmdir(struct target *t, const char *group)
{
	struct lab_priv *p = t->priv;
	char dir[PATH_MAX];
	uint64_t held;

	tgt_peak_forget(&p->peaks, group);
	/* Chargers holding nothing do not keep a group alive. */
	worker_set_drop_idle(&p->ws, group);
	for (size_t i = 0; i < p->nr_chargers;) {
		struct lab_charger *c = &p->chargers[i];

		if (!strcmp(c->group, group) && !charger_held(c, &held) && !held)
			charger_drop(p, c);
		else
			i++;
	}
	tgt_group_path(t, group, dir, sizeof(dir));
	if (rmdir(dir))
		return tgt_fail(t, -errno, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}

static int lab_set(struct target *t, const char *group, enum tgt_knob knob,
		   uint64_t val)
{
	char dir[PATH_MAX];

	tgt_group_path(t, group, dir, sizeof(dir));
	return cg_set_knob(t->cfg.v1, dir, knob, val, t->err, sizeof(t->err));
}

static int lab_reset(struct target *t, const char *group, enum tgt_reset what)
{
	struct lab_priv *p = t->priv;

	return tgt_group_reset(t, t->cfg.v1, &p->peaks, group, what);
}

static int lab_stats(struct target *t, const char *group, struct tgt_stats *st)
{
	struct lab_priv *p = t->priv;

	return tgt_group_stats(t, &p->flavour, &p->peaks, group, st);
}

static void lab_breakdown(struct target *t, const char *group, struct tgt_stats *st)
{
	struct lab_priv *p = t->priv;

	tgt_group_breakdown(t, &p->flavour, group, st);
}

/*
 * What a refused charge could have had: the smallest head-room (limit minus
 * usage) on the path from the group up to the base. Read from the files, so
 * measuring it charges nothing and bumps no counter.
 */
static uint64_t lab_headroom(struct target *t, const char *group)
{
	char g[PATH_MAX], *slash;
	uint64_t room = TGT_UNLIMITED;
	struct tgt_stats st;

	tgt_fmt(g, sizeof(g), "%s", group);
	for (;;) {
		memset(&st, 0, sizeof(st));
		if (!lab_stats(t, g, &st) && (st.has & TGT_HAS_LIMIT) &&
		    st.limit != TGT_UNLIMITED)
			room = st.limit > st.usage ? (st.limit - st.usage < room ?
						      st.limit - st.usage : room) : 0;
		if (!g[0])
			break;
		slash = strrchr(g, '/');
		if (slash)
			*slash = '\0';
		else
			g[0] = '\0';
	}
	return room;
}

/* Chargers are processes: OOM kills are real, or the run is concurrent. */
static bool lab_procs(const struct target *t)
{
	return t->cfg.oom_kill || t->cfg.concurrent;
}

/* The charger's process, made (it opens GROUP/memcglab.charge) on first use. */
static int lab_worker_get(struct target *t, const char *charger, const char *group,
			  struct worker **wp)
{
	struct lab_priv *p = t->priv;
	struct worker *w = worker_find(&p->ws, charger, NULL);
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int ret;

	*wp = w;
	if (w && strcmp(w->group, group))
		return tgt_fail(t, -EINVAL, "charger %s belongs to group %s, not %s",
				charger, w->group, group);
	if (!w) {
		struct worker_spec spec = { .name = charger, .group = group,
					    .charge_path = path };

		tgt_group_path(t, group, dir, sizeof(dir));
		tgt_fmt(path, sizeof(path), "%s/memcglab.charge", dir);
		ret = worker_add(t, &p->ws, &spec, wp);
		if (ret)
			return ret;
	}
	return 0;
}

/* Without OOM kills a refusal is ENOMEM, with the room there was, as lab_charge() says. */
static int lab_worker_charge_end(struct target *t, struct worker *w, uint64_t bytes,
				 int ret, struct tgt_charge_res *res)
{
	uint64_t pages = tgt_page_align(bytes), room;

	ret = worker_charge_end(t, w, ret, res);
	if (ret == -ENOMEM && !t->cfg.oom_kill) {
		room = lab_headroom(t, w->group);
		res->done = room < pages ? room : pages;
	}
	return ret;
}

static int lab_worker_charge(struct target *t, const char *charger, const char *group,
			     bool file, uint64_t bytes, struct tgt_charge_res *res)
{
	struct worker *w;
	int ret;

	ret = lab_worker_get(t, charger, group, &w);
	if (ret)
		return ret;
	ret = worker_charge_begin(t, w, file, bytes);
	if (ret)
		return ret;
	ret = worker_send(t, w, file ? W_CHARGE_FILE : W_CHARGE, bytes);
	return lab_worker_charge_end(t, w, bytes, ret ? ret : worker_wait(t, w), res);
}

static int lab_uncharge_check(struct target *t, struct worker *w)
{
	if (w->parked)
		return tgt_fail(t, -EBUSY, "charger %s: its last charge is still parked",
				w->name);
	worker_check_alive(w);
	if (w->dead)
		return tgt_fail(t, -ESRCH, "charger %s was OOM-killed", w->name);
	return 0;
}

static int lab_uncharge_end(struct target *t, struct worker *w, uint64_t bytes,
			    int ret)
{
	int e;

	if (ret == -ECHILD || ret == -EDEADLK)
		return tgt_fail(t, -EIO, "charger %s died while uncharging", w->name);
	if (ret)
		return ret;
	w->held = atomic_load(&w->sh->held);
	e = atomic_load(&w->sh->err);
	if (e)
		return tgt_fail(t, -e, "%s/memcglab.charge: uncharge of %llu bytes: %s",
				w->group, (unsigned long long)bytes, strerror(e));
	return 0;
}

static int lab_worker_uncharge(struct target *t, struct worker *w, bool file,
			       uint64_t bytes)
{
	int ret = lab_uncharge_check(t, w);

	if (ret)
		return ret;
	ret = worker_send(t, w, file ? W_UNCHARGE_FILE : W_UNCHARGE, bytes);
	return lab_uncharge_end(t, w, bytes, ret ? ret : worker_wait(t, w));
}

static int lab_charge(struct target *t, const char *charger, const char *group,
		      bool file, uint64_t bytes, struct tgt_charge_res *res)
{
	struct lab_priv *p = t->priv;
	struct lab_charger *c = charger_find(t, charger);
	char dir[PATH_MAX], path[PATH_MAX + 32], buf[32];
	uint64_t pages = tgt_page_align(bytes);
	ssize_t n;
	int ret;

	if (lab_procs(t))
		return lab_worker_charge(t, charger, group, file, bytes, res);
	if (c && strcmp(c->group, group))
		return tgt_fail(t, -EINVAL, "charger %s belongs to group %s, not %s",
				charger, c->group, group);
	if (!c) {
		struct lab_charger *v = realloc(p->chargers,
						(p->nr_chargers + 1) * sizeof(*v));
		int fd;

		if (!v)
			return tgt_fail(t, -ENOMEM, "out of memory");
		p->chargers = v;
		tgt_group_path(t, group, dir, sizeof(dir));
		tgt_fmt(path, sizeof(path), "%s/memcglab.charge", dir);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return tgt_fail(t, -errno, "open %s: %s", path, strerror(errno));
		c = &p->chargers[p->nr_chargers++];
		tgt_fmt(c->name, sizeof(c->name), "%s", charger);
		tgt_fmt(c->group, sizeof(c->group), "%s", group);
		c->fd = fd;
	}
	tgt_fmt(buf, sizeof(buf), "%s%llu", file ? "file " : "",
		(unsigned long long)bytes);
	n = write(c->fd, buf, strlen(buf));
	if (n == (ssize_t)strlen(buf)) {
		res->done = pages;
		return 0;
	}
	ret = n < 0 ? -errno : -EIO;
	if (ret == -ENOMEM) {
		uint64_t room = lab_headroom(t, group);

		res->done = room < pages ? room : pages;
		return tgt_fail(t, ret, "%s/memcglab.charge: %s refused (room %llu bytes)",
				group, buf, (unsigned long long)res->done);
	}
	return tgt_fail(t, ret, "%s/memcglab.charge: writing %s: %s", group, buf,
			strerror(-ret));
}

static int lab_uncharge(struct target *t, const char *charger, bool file,
			uint64_t bytes)
{
	struct lab_priv *p = t->priv;
	struct lab_charger *c = charger_find(t, charger);
	struct worker *w = worker_find(&p->ws, charger, NULL);
	char buf[32];
	ssize_t n;

	if (w)
		return lab_worker_uncharge(t, w, file, bytes);
	if (!c)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	tgt_fmt(buf, sizeof(buf), "%s-%llu", file ? "file " : "",
		(unsigned long long)bytes);
	n = write(c->fd, buf, strlen(buf));
	if (n != (ssize_t)strlen(buf)) {
		int ret = n < 0 ? -errno : -EIO;

		return tgt_fail(t, ret, "%s/memcglab.charge: writing %s: %s", c->group,
				buf, strerror(-ret));
	}
	return 0;
}

static int lab_release(struct target *t, const char *charger)
{
	struct lab_priv *p = t->priv;
	struct lab_charger *c = charger_find(t, charger);
	size_t idx;

	if (worker_find(&p->ws, charger, &idx)) {
		worker_drop(&p->ws, idx);
		return 0;
	}
	if (!c)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	charger_drop(t->priv, c);
	return 0;
}

static int lab_held(struct target *t, const char *charger, uint64_t *bytes)
{
	struct lab_priv *p = t->priv;
	struct lab_charger *c = charger_find(t, charger);
	struct worker *w = worker_find(&p->ws, charger, NULL);
	int ret;

	if (w) {
		bool dead;

		ret = target_killed(t, charger, &dead);	/* a ping refreshes held */
		*bytes = dead ? 0 : atomic_load(&w->sh->held);
		return ret;
	}
	if (!c)
		return tgt_fail(t, -ENOENT, "no charger %s", charger);
	ret = charger_held(c, bytes);
	if (ret)
		return tgt_fail(t, ret, "%s/memcglab.charge: read: %s", c->group,
				strerror(-ret));
	return 0;
}

/*
 * Tolerance model, lab side: a policy without a stock (strict, locked)
 * charges exactly; one with a stock (batch= in the mount options: batched,
 * multistock) may hold up to a batch of pages per CPU for each charging
 * leaf.
 */
static uint64_t lab_slack(const struct target *t, unsigned int nr_groups,
			  unsigned int nr_chargers, unsigned int nr_file,
			  uint64_t bytes)
{
	const struct lab_priv *p = t->priv;

	(void)nr_groups;
	(void)nr_file;
	(void)bytes;
	return p->batch * t->ncpus * (nr_chargers ? nr_chargers : 1) * PAGE;
}

static struct worker_set *lab_workers(struct target *t)
{
	struct lab_priv *p = t->priv;

	return lab_procs(t) ? &p->ws : NULL;
}

/*
 * A concurrent batch: each charger process gets its write, pinned to its
 * CPU, and waits for the go the batch's first finish gives.
 */
static int lab_start(struct target *t, const struct tgt_async *a)
{
	struct lab_priv *p = t->priv;
	struct worker *w;
	int ret;

	if (!lab_procs(t))
		return tgt_fail(t, -EOPNOTSUPP, "lab chargers are descriptors of the runner: "
				"concurrent charges need a target opened with cfg.concurrent");
	if (a->uncharge) {
		w = worker_find(&p->ws, a->charger, NULL);
		if (!w)
			return tgt_fail(t, -ENOENT, "no charger %s", a->charger);
		ret = lab_uncharge_check(t, w);
		if (ret)
			return ret;
		return worker_arm(t, &p->ws, w, a->file ? W_UNCHARGE_FILE : W_UNCHARGE,
				  a->bytes, a->cpu);
	}
	ret = lab_worker_get(t, a->charger, a->group, &w);
	if (ret)
		return ret;
	ret = worker_charge_begin(t, w, a->file, a->bytes);
	if (ret)
		return ret;
	ret = worker_arm(t, &p->ws, w, a->file ? W_CHARGE_FILE : W_CHARGE, a->bytes,
			 a->cpu);
	if (ret)
		w->parked = 0;
	return ret;
}

static int lab_finish(struct target *t, const struct tgt_async *a,
		      struct tgt_charge_res *res)
{
	struct lab_priv *p = t->priv;
	struct worker *w;

	worker_settle(t, &p->ws);
	w = worker_find(&p->ws, a->charger, NULL);
	if (!w || w->async != W_SETTLED)
		return tgt_fail(t, -EINVAL, "charger %s: no concurrent operation started",
				a->charger);
	w->async = W_IDLE;
	if (a->uncharge)
		return lab_uncharge_end(t, w, a->bytes, w->async_ret);
	return lab_worker_charge_end(t, w, a->bytes, w->async_ret, res);
}

const struct target_ops tgt_lab_ops = {
	.open = lab_open,
	.close = lab_close,
	.mkdir = lab_mkdir,
	.rmdir = lab_rmdir,
	.set = lab_set,
	.reset = lab_reset,
	.stats = lab_stats,
	.breakdown = lab_breakdown,
	.charge = lab_charge,
	.uncharge = lab_uncharge,
	.release = lab_release,
	.held = lab_held,
	.slack = lab_slack,
	.workers = lab_workers,
	.start = lab_start,
	.finish = lab_finish,
};
