// SPDX-License-Identifier: GPL-2.0
/* The target interface: dispatch to the lab or memcg ops, small file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"

/* Keep in step with enum tgt_knob. */
const char *const tgt_knob_names[TGT_NR_KNOBS + 1] = {
	[TGT_KNOB_MAX] = "max",
	[TGT_KNOB_HIGH] = "high",
	[TGT_KNOB_LOW] = "low",
	[TGT_KNOB_MIN] = "min",
	[TGT_KNOB_SOFT_LIMIT] = "soft_limit",
	[TGT_KNOB_OOM_KILL_DISABLE] = "oom_kill_disable",
	[TGT_KNOB_RECLAIM] = "reclaim",
	[TGT_KNOB_OOM_GROUP] = "oom_group",
};

void tgt_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int tgt_fail(struct target *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return err;
}

/* v1 reads "unlimited" as PAGE_COUNTER_MAX pages in bytes; anything that big is max. */
#define TGT_V1_UNLIMITED_FLOOR (1ULL << 62)

int tgt_read_u64(const char *path, uint64_t *val)
{
	int ret = mlab_read_u64(path, val);

	if (!ret && *val >= TGT_V1_UNLIMITED_FLOOR)
		*val = TGT_UNLIMITED;
	return ret;
}

int target_open(struct target *t, const struct tgt_config *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	t->ncpus = n > 0 ? (unsigned int)n : 1;
	t->ops = cfg->kind == TGT_LAB ? &tgt_lab_ops : &tgt_memcg_ops;
	if (cfg->kind == TGT_LAB)
		snprintf(t->name, sizeof(t->name), "lab/%s/%s",
			 cfg->v1 ? "v1" : "v2", cfg->policy ? cfg->policy : "default");
	else
		snprintf(t->name, sizeof(t->name), "memcg/%s", cfg->v1 ? "v1" : "v2");
	ret = t->ops->open(t);
	if (ret)
		t->ops = NULL;
	return ret;
}

void target_close(struct target *t)
{
	if (t->ops)
		t->ops->close(t);
	t->ops = NULL;
}

int target_mkdir(struct target *t, const char *group)
{
	return t->ops->mkdir(t, group);
}

int target_rmdir(struct target *t, const char *group)
{
	return t->ops->rmdir(t, group);
}

int target_set(struct target *t, const char *group, enum tgt_knob knob,
	       uint64_t val)
{
	return t->ops->set(t, group, knob, val);
}

int target_reset(struct target *t, const char *group, enum tgt_reset what)
{
	return t->ops->reset(t, group, what);
}

int target_stats(struct target *t, const char *group, struct tgt_stats *st)
{
	memset(st, 0, sizeof(*st));
	return t->ops->stats(t, group, st);
}

void target_breakdown(struct target *t, const char *group, struct tgt_stats *st)
{
	if (t->ops->breakdown)
		t->ops->breakdown(t, group, st);
}

int target_charge(struct target *t, const char *charger, const char *group,
		  bool file, uint64_t bytes, struct tgt_charge_res *res)
{
	memset(res, 0, sizeof(*res));
	return t->ops->charge(t, charger, group, file, bytes, res);
}

int target_uncharge(struct target *t, const char *charger, bool file,
		    uint64_t bytes)
{
	return t->ops->uncharge(t, charger, file, bytes);
}

int target_release(struct target *t, const char *charger)
{
	return t->ops->release(t, charger);
}

int target_held(struct target *t, const char *charger, uint64_t *bytes)
{
	return t->ops->held(t, charger, bytes);
}

uint64_t target_slack(const struct target *t, unsigned int nr_groups,
		      unsigned int nr_chargers, unsigned int nr_file, uint64_t bytes)
{
	return t->ops->slack(t, nr_groups, nr_chargers, nr_file, bytes);
}

int target_charge_start(struct target *t, const struct tgt_async *a)
{
	return t->ops->start ? t->ops->start(t, a) : 0;
}

int target_charge_finish(struct target *t, const struct tgt_async *a,
			 struct tgt_charge_res *res)
{
	memset(res, 0, sizeof(*res));
	if (t->ops->finish)
		return t->ops->finish(t, a, res);
	if (a->uncharge)
		return target_uncharge(t, a->charger, a->file, a->bytes);
	return target_charge(t, a->charger, a->group, a->file, a->bytes, res);
}

/* ---- flavour file mapping shared by the lab and memcg targets ---- */

static const char *knob_file(bool v1, enum tgt_knob knob)
{
	switch (knob) {
	case TGT_KNOB_MAX:
		return v1 ? "memory.limit_in_bytes" : "memory.max";
	case TGT_KNOB_HIGH:
		return v1 ? NULL : "memory.high";
	case TGT_KNOB_LOW:
		return v1 ? NULL : "memory.low";
	case TGT_KNOB_MIN:
		return v1 ? NULL : "memory.min";
	case TGT_KNOB_SOFT_LIMIT:
		return v1 ? "memory.soft_limit_in_bytes" : NULL;
	case TGT_KNOB_OOM_KILL_DISABLE:
		return v1 ? "memory.oom_control" : NULL;
	case TGT_KNOB_RECLAIM:
		return v1 ? NULL : "memory.reclaim";
	case TGT_KNOB_OOM_GROUP:
		return v1 ? NULL : "memory.oom.group";
	default:
		return NULL;
	}
}

int cg_set_knob(bool v1, const char *dir, enum tgt_knob knob, uint64_t val,
		char *err, size_t errlen)
{
	const char *file = knob_file(v1, knob);
	char path[PATH_MAX + 64], buf[32];
	int ret;

	if (!file) {
		tgt_fmt(err, errlen, "%s: no %s knob in cgroup %s", dir,
			 knob < TGT_NR_KNOBS ? tgt_knob_names[knob] : "?", v1 ? "v1" : "v2");
		return -EOPNOTSUPP;
	}
	if (val == TGT_UNLIMITED)
		tgt_fmt(buf, sizeof(buf), "%s", v1 ? "-1" : "max");
	else
		tgt_fmt(buf, sizeof(buf), "%llu", (unsigned long long)val);
	tgt_fmt(path, sizeof(path), "%s/%s", dir, file);
	ret = mlab_write(path, buf);
	if (ret)
		tgt_fmt(err, errlen, "%s: writing %s: %s", path, buf, strerror(-ret));
	return ret;
}

static struct tgt_peak *peak_find(struct tgt_peaks *pk, const char *group)
{
	for (size_t i = 0; i < pk->n; i++)
		if (!strcmp(pk->v[i].group, group))
			return &pk->v[i];
	return NULL;
}

int cg_reset(bool v1, const char *dir, enum tgt_reset what, struct tgt_peaks *pk,
	     const char *group, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	struct tgt_peak *p, *n;
	int fd, ret;

	if (what == TGT_RESET_FAILCNT && !v1) {
		tgt_fmt(err, errlen, "%s: cgroup v2 has no failcnt", dir);
		return -EOPNOTSUPP;
	}
	if (v1) {
		tgt_fmt(path, sizeof(path), "%s/%s", dir, what == TGT_RESET_FAILCNT ?
			 "memory.failcnt" : "memory.max_usage_in_bytes");
		ret = mlab_write(path, "0");
		if (ret)
			tgt_fmt(err, errlen, "%s: writing 0: %s", path, strerror(-ret));
		return ret;
	}
	tgt_fmt(path, sizeof(path), "%s/memory.peak", dir);
	p = peak_find(pk, group);
	if (!p) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			tgt_fmt(err, errlen, "open %s for writing: %s", path, strerror(errno));
			return ret;
		}
		n = realloc(pk->v, (pk->n + 1) * sizeof(*n));
		if (!n) {
			close(fd);
			tgt_fmt(err, errlen, "out of memory");
			return -ENOMEM;
		}
		pk->v = n;
		p = &pk->v[pk->n++];
		tgt_fmt(p->group, sizeof(p->group), "%s", group);
		p->fd = fd;
	}
	/* 6.12+: any write resets this descriptor's view of the peak. */
	if (write(p->fd, "reset\n", 6) != 6) {
		ret = -errno;
		tgt_fmt(err, errlen, "%s: writing reset: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}

void tgt_peak_read(struct tgt_peaks *pk, const char *group, struct tgt_stats *st)
{
	struct tgt_peak *p = peak_find(pk, group);
	char buf[64];
	ssize_t n;

	if (!p || lseek(p->fd, 0, SEEK_SET))
		return;
	n = read(p->fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		st->peak = strtoull(buf, NULL, 10);
	}
}

void tgt_peak_forget(struct tgt_peaks *pk, const char *group)
{
	struct tgt_peak *p = peak_find(pk, group);

	if (p) {
		close(p->fd);
		*p = pk->v[--pk->n];
	}
}

void tgt_peaks_free(struct tgt_peaks *pk)
{
	for (size_t i = 0; i < pk->n; i++)
		close(pk->v[i].fd);
	free(pk->v);
	pk->v = NULL;
	pk->n = 0;
}

void tgt_group_path(const struct target *t, const char *group, char *buf,
		    size_t len)
{
	while (*group == '/')
		group++;
	if (*group)
		tgt_fmt(buf, len, "%s/%s", t->root, group);
	else
		tgt_fmt(buf, len, "%s", t->root);
}

int tgt_group_reset(struct target *t, bool v1, struct tgt_peaks *pk,
		    const char *group, enum tgt_reset what)
{
	char dir[PATH_MAX];

	tgt_group_path(t, group, dir, sizeof(dir));
	return cg_reset(v1, dir, what, pk, group, t->err, sizeof(t->err));
}

int tgt_group_stats(struct target *t, const struct cg_hier *h,
		    struct tgt_peaks *pk, const char *group, struct tgt_stats *st)
{
	char dir[PATH_MAX];
	int ret;

	tgt_group_path(t, group, dir, sizeof(dir));
	ret = cg_stats(h, dir, st);
	if (ret)
		return tgt_fail(t, ret, "%s: reading usage: %s", dir, strerror(-ret));
	tgt_peak_read(pk, group, st);
	return 0;
}

void tgt_group_breakdown(struct target *t, const struct cg_hier *h, const char *group,
			 struct tgt_stats *st)
{
	char dir[PATH_MAX];

	tgt_group_path(t, group, dir, sizeof(dir));
	cg_breakdown(h, dir, st);
}
