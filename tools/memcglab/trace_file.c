// SPDX-License-Identifier: GPL-2.0
/* trace_file.c - read and write the trace file format (docs/trace.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

void trace_free(struct trace *tr)
{
	free(tr->groups);
	free(tr->evs);
	memset(tr, 0, sizeof(*tr));
}

int trace_add_group(struct trace *tr, const struct trace_group *g)
{
	struct trace_group *n;

	n = realloc(tr->groups, (tr->nr_groups + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	tr->groups = n;
	n[tr->nr_groups] = *g;
	return (int)tr->nr_groups++;
}

int trace_group_by_cg(const struct trace *tr, uint64_t cg)
{
	for (size_t i = 0; i < tr->nr_groups; i++)
		if (tr->groups[i].cg == cg)
			return (int)i;
	return -1;
}

struct trace_ev *trace_add_ev(struct trace *tr)
{
	struct trace_ev *n;

	if (tr->nr_evs == tr->cap_evs) {
		size_t cap = tr->cap_evs ? tr->cap_evs * 2 : 4096;

		n = realloc(tr->evs, cap * sizeof(*n));
		if (!n)
			return NULL;
		tr->evs = n;
		tr->cap_evs = cap;
	}
	n = &tr->evs[tr->nr_evs++];
	memset(n, 0, sizeof(*n));
	n->over = -1;
	return n;
}

const char *trace_knob_str(uint64_t v, char *buf, size_t len)
{
	if (v == TRACE_UNLIMITED)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

int trace_write(const struct trace *tr, FILE *f)
{
	char a[24], b[24], c[24], d[24];

	fprintf(f, "%s %u\nkernel %s\ncpus %u\npage %u\ncommand %s\nprobes %s\n",
		TRACE_MAGIC, TRACE_FORMAT_VERSION, tr->kernel, tr->cpus, tr->page,
		tr->command, tr->probes);
	if (tr->v1)
		fputs("flavour v1\n", f);
	for (size_t i = 0; i < tr->nr_groups; i++) {
		const struct trace_group *g = &tr->groups[i];

		fprintf(f, "group %zu %s cg=%" PRIu64 " max=%s high=%s low=%s min=%s"
			" usage=%" PRIu64 " peak=%" PRIu64 "\n", i, g->path, g->cg,
			trace_knob_str(g->max, a, sizeof(a)),
			trace_knob_str(g->high, b, sizeof(b)),
			trace_knob_str(g->low, c, sizeof(c)),
			trace_knob_str(g->min, d, sizeof(d)), g->usage, g->peak);
	}
	fputs("events\n", f);
	for (size_t i = 0; i < tr->nr_evs; i++) {
		const struct trace_ev *e = &tr->evs[i];

		fprintf(f, "%" PRIu64 " %u %c %u %u", e->t_us, e->cpu, e->type,
			e->group, e->nr);
		if (e->type == TEV_CHARGE) {
			fprintf(f, " %#x %d %u %u ", e->gfp, e->ret, e->batch, e->fails);
			if (e->over < 0)
				fputc('-', f);
			else
				fprintf(f, "%d", e->over);
			fprintf(f, " %" PRIu64 "\n", e->usage);
		} else if (e->type == TEV_UNCHARGE) {
			fprintf(f, " %u %" PRIu64 "\n", e->kind, e->usage);
		} else if (e->type == TEV_USAGE) {
			fprintf(f, " %" PRIu64 "\n", e->usage);
		} else {
			fprintf(f, " %d\n", e->ret);
		}
	}
	for (size_t i = 0; i < tr->nr_groups; i++) {
		const struct trace_group *g = &tr->groups[i];

		if (!g->have_final)
			continue;
		fprintf(f, "final %zu usage=%" PRIu64 " peak=%" PRIu64 " max_events=%" PRIu64
			" oom=%" PRIu64 " oom_kill=%" PRIu64 "\n", i, g->f_usage, g->f_peak,
			g->f_max_ev, g->f_oom, g->f_oom_kill);
	}
	fprintf(f, "end events=%zu duration_us=%" PRIu64 " lost=%" PRIu64 " missed=%" PRIu64
		" overflow=%" PRIu64 " unknown=%" PRIu64 "\n", tr->nr_evs, tr->duration_us,
		tr->lost, tr->missed, tr->overflow, tr->unknown);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

/* ---- reading ---- */

struct reader {
	const char *path;
	unsigned long line;
	char *err;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static int rd_fail(struct reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->line)
		snprintf(r->err, r->len, "%s:%lu: %s", r->path, r->line, msg);
	else
		snprintf(r->err, r->len, "%s: %s", r->path, msg);
	return -EINVAL;
}

static int parse_knob(const char *s, uint64_t *v)
{
	char *end;

	if (!strcmp(s, "max")) {
		*v = TRACE_UNLIMITED;
		return 0;
	}
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end ? -EINVAL : 0;
}

/* "key=value" words after the fixed ones; every listed key must appear. */
static int parse_kv(char *rest, const char *const *keys, uint64_t **vals)
{
	int seen = 0, n = 0;

	for (char *tok = strtok(rest, " "); tok; tok = strtok(NULL, " ")) {
		char *eq = strchr(tok, '=');
		int i;

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		for (i = 0; keys[i]; i++)
			if (!strcmp(tok, keys[i]))
				break;
		if (!keys[i])
			continue;	/* a newer minor field: skip it */
		if (parse_knob(eq + 1, vals[i]))
			return -EINVAL;
		seen |= 1 << i;
	}
	while (keys[n])
		n++;
	return seen == (1 << n) - 1 ? 0 : -EINVAL;
}

static int parse_group(struct reader *r, struct trace *tr, char *s)
{
	static const char *const keys[] = { "cg", "max", "high", "low", "min",
					    "usage", "peak", NULL };
	struct trace_group g = { .parent = -1 };
	uint64_t *vals[] = { &g.cg, &g.max, &g.high, &g.low, &g.min, &g.usage,
			     &g.peak };
	unsigned long idx;
	char path[PATH_MAX];
	int off = 0;

	if (sscanf(s, "%lu %4095s %n", &idx, path, &off) != 2 || !off)
		return rd_fail(r, "bad group line");
	if (idx != tr->nr_groups)
		return rd_fail(r, "group %lu out of order (expected %zu)", idx, tr->nr_groups);
	if ((idx == 0) != !strcmp(path, "."))
		return rd_fail(r, "group 0 must be the root \".\", and only it");
	snprintf(g.path, sizeof(g.path), "%s", path);
	if (parse_kv(s + off, keys, vals))
		return rd_fail(r, "bad or missing key=value in group %lu", idx);
	if (idx) {
		char parent[PATH_MAX], *slash;

		snprintf(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), ".");
		for (size_t i = 0; i < tr->nr_groups; i++)
			if (!strcmp(tr->groups[i].path, parent))
				g.parent = (int)i;
		if (g.parent < 0)
			return rd_fail(r, "group %s: its parent %s is not listed before it",
				       path, parent);
	}
	return trace_add_group(tr, &g) < 0 ? -ENOMEM : 0;
}

static int parse_event(struct reader *r, struct trace *tr, const char *s)
{
	struct trace_ev *e = trace_add_ev(tr);
	char type, over[24];
	int n;

	if (!e)
		return -ENOMEM;
	if (sscanf(s, "%" SCNu64 " %u %c %u %u%n", &e->t_us, &e->cpu, &type,
		   &e->group, &e->nr, &n) != 5)
		return rd_fail(r, "bad event");
	s += n;
	e->type = type;
	switch (type) {
	case TEV_CHARGE:
		if (sscanf(s, " %x %d %u %u %23s %" SCNu64 "%n", &e->gfp, &e->ret,
			   &e->batch, &e->fails, over, &e->usage, &n) != 6)
			return rd_fail(r, "bad charge event");
		if (strcmp(over, "-")) {
			char *end;
			long o = strtol(over, &end, 10);

			if (*end || o < 0 || (size_t)o >= tr->nr_groups)
				return rd_fail(r, "charge event: bad group %s", over);
			e->over = (int)o;
		}
		break;
	case TEV_UNCHARGE:
		if (sscanf(s, " %u %" SCNu64 "%n", &e->kind, &e->usage, &n) != 2 ||
		    e->kind >= TUNC_NR)
			return rd_fail(r, "bad uncharge event");
		break;
	case TEV_RECLAIM:
		if (sscanf(s, " %d%n", &e->ret, &n) != 1)
			return rd_fail(r, "bad reclaim event");
		break;
	case TEV_USAGE:
		if (tr->version < 2 || e->nr ||
		    sscanf(s, " %" SCNu64 "%n", &e->usage, &n) != 1)
			return rd_fail(r, "bad usage event");
		break;
	default:
		return rd_fail(r, "unknown event type '%c'", type);
	}
	if (s[n] && s[n] != '\n')
		return rd_fail(r, "trailing characters in event");
	if (e->group >= tr->nr_groups)
		return rd_fail(r, "event for group %u, which is not listed", e->group);
	if (e->cpu >= 4096)
		return rd_fail(r, "event on cpu %u", e->cpu);
	if (tr->nr_evs > 1 && e->t_us < tr->evs[tr->nr_evs - 2].t_us)
		return rd_fail(r, "events out of time order");
	return 0;
}

static int parse_final(struct reader *r, struct trace *tr, char *s)
{
	static const char *const keys[] = { "usage", "peak", "max_events", "oom",
					    "oom_kill", NULL };
	unsigned long idx;
	int off = 0;

	if (sscanf(s, "%lu %n", &idx, &off) != 1 || !off || idx >= tr->nr_groups)
		return rd_fail(r, "bad final line");
	struct trace_group *g = &tr->groups[idx];
	uint64_t *vals[] = { &g->f_usage, &g->f_peak, &g->f_max_ev, &g->f_oom,
			     &g->f_oom_kill };

	if (parse_kv(s + off, keys, vals))
		return rd_fail(r, "bad final line for group %lu", idx);
	g->have_final = true;
	return 0;
}

static int parse_end(struct reader *r, struct trace *tr, char *s)
{
	static const char *const keys[] = { "events", "duration_us", "lost", "missed",
					    "overflow", "unknown", NULL };
	uint64_t nr = 0;
	uint64_t *vals[] = { &nr, &tr->duration_us, &tr->lost, &tr->missed,
			     &tr->overflow, &tr->unknown };

	if (parse_kv(s, keys, vals))
		return rd_fail(r, "bad end line");
	if (nr != tr->nr_evs)
		return rd_fail(r, "end line counts %" PRIu64 " events, the file has %zu",
			       nr, tr->nr_evs);
	return 0;
}

static int parse_header(struct reader *r, struct trace *tr, char *line)
{
	char *val = strchr(line, ' ');

	if (!val)
		return rd_fail(r, "bad header line");
	*val++ = '\0';
	if (!strcmp(line, "kernel"))
		snprintf(tr->kernel, sizeof(tr->kernel), "%s", val);
	else if (!strcmp(line, "cpus"))
		tr->cpus = (unsigned int)strtoul(val, NULL, 10);
	else if (!strcmp(line, "page"))
		tr->page = (unsigned int)strtoul(val, NULL, 10);
	else if (!strcmp(line, "command"))
		snprintf(tr->command, sizeof(tr->command), "%s", val);
	else if (!strcmp(line, "probes"))
		snprintf(tr->probes, sizeof(tr->probes), "%s", val);
	else if (!strcmp(line, "group"))
		return parse_group(r, tr, val);
	else if (!strcmp(line, "flavour") && (!strcmp(val, "v1") || !strcmp(val, "v2")))
		tr->v1 = !strcmp(val, "v1");
	else if (!strcmp(line, "flavour"))
		return rd_fail(r, "unknown flavour %s (v1 or v2)", val);
	/* other header keys are a newer minor version's: skipped */
	return 0;
}

int trace_read(const char *path, struct trace *tr, char *err, size_t len)
{
	struct reader r = { .path = path, .err = err, .len = len };
	enum { HEAD, EVENTS, FINAL, DONE } state = HEAD;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = 0;

	memset(tr, 0, sizeof(*tr));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (!ret && (n = getline(&line, &cap, f)) >= 0) {
		r.line++;
		if (n && line[n - 1] == '\n') {
			line[--n] = '\0';
		} else {
			ret = rd_fail(&r, "truncated: the last line is incomplete");
			break;
		}
		if (r.line == 1) {
			unsigned int v;
			char magic[32];

			if (sscanf(line, "%31s %u", magic, &v) != 2 || strcmp(magic, TRACE_MAGIC))
				ret = rd_fail(&r, "not a memcglab trace (no \"%s VERSION\" line)",
					      TRACE_MAGIC);
			else if (v < TRACE_FORMAT_OLDEST || v > TRACE_FORMAT_VERSION)
				ret = rd_fail(&r, "trace format version %u; this memcglab reads versions %u to %u",
					      v, TRACE_FORMAT_OLDEST, TRACE_FORMAT_VERSION);
			tr->version = v;
			continue;
		}
		if (state == DONE) {
			ret = rd_fail(&r, "text after the end line");
		} else if (state == HEAD) {
			if (!strcmp(line, "events")) {
				if (!tr->nr_groups || !tr->cpus || tr->page != 4096)
					ret = rd_fail(&r, "header lacks groups, cpus or page 4096");
				state = EVENTS;
			} else {
				ret = parse_header(&r, tr, line);
			}
		} else if (!strncmp(line, "final ", 6)) {
			state = FINAL;
			ret = parse_final(&r, tr, line + 6);
		} else if (!strncmp(line, "end ", 4)) {
			ret = parse_end(&r, tr, line + 4);
			state = DONE;
		} else if (state == EVENTS) {
			ret = parse_event(&r, tr, line);
		} else {
			ret = rd_fail(&r, "event after the final lines");
		}
	}
	free(line);
	fclose(f);
	if (!ret && r.line == 0)
		ret = rd_fail(&r, "empty file");
	if (!ret && state != DONE) {
		unsigned long lines = r.line;

		r.line = 0;
		ret = rd_fail(&r, "truncated: no end line after %lu lines", lines);
	}
	if (ret)
		trace_free(tr);
	return ret;
}
