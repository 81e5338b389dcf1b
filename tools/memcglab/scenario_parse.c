// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios, parsed: selftests/scenarios/NAME.scn (format in
 * docs/scenarios.md) into steps, and the names of their words.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "memcglab.h"
#include "scenario.h"

/* Keep in step with enum step_op / enum sc_field. */
static const char *const op_names[] = {
	[OP_MKDIR] = "mkdir", [OP_RMDIR] = "rmdir", [OP_SET] = "set",
	[OP_CHARGE] = "charge", [OP_UNCHARGE] = "uncharge",
	[OP_RELEASE] = "release", [OP_RESET] = "reset", [OP_CHECK] = "check",
	[OP_SHOW] = "show", [OP_ADJ] = "adj", [OP_WAIT] = "wait", NULL
};

static const char *const field_names[F_NR_FIELDS + 1] = {
	[F_USAGE] = "usage", [F_LIMIT] = "limit", [F_PEAK] = "peak",
	[F_FAILCNT] = "failcnt", [F_EV_MAX] = "events.max",
	[F_EV_HIGH] = "events.high", [F_EV_OOM] = "events.oom",
	[F_EV_OOM_KILL] = "events.oom_kill", [F_UNDER_OOM] = "under_oom",
	[F_HELD] = "held", [F_EV_LOW] = "events.low",
	[F_EV_OOM_GROUP_KILL] = "events.oom_group_kill", [F_NR_FIELDS] = NULL,
};

static const char *const cmp_names[] = { "==", "!=", "<", "<=", ">", ">=", NULL };

static const struct {
	const char *name;
	int err;
} errnames[] = {
	{ "ok", 0 }, { "ENOMEM", -ENOMEM }, { "EBUSY", -EBUSY },
	{ "EINVAL", -EINVAL }, { "ENOENT", -ENOENT }, { "EEXIST", -EEXIST },
	{ "EACCES", -EACCES }, { "EPERM", -EPERM }, { "EOPNOTSUPP", -EOPNOTSUPP },
	{ "ENOTEMPTY", -ENOTEMPTY }, { "EIO", -EIO }, { "EAGAIN", -EAGAIN },
	/* `oom kill` scenarios: parked in a v1 OOM wait; OOM-killed in its charge */
	{ "parked", -EINPROGRESS }, { "killed", -ECHILD },
	/* a charge racing in a together block: ok or ENOMEM */
	{ "any", EXPECT_ANY },
};

#define REPEAT_MAX 10000
#define STEPS_MAX 20000		/* after unrolling */
#define NEST_MAX 8

/* An open `repeat N` or `together`, until its `end`. */
struct sc_frame {
	bool together;
	int line;
	size_t start;		/* its first step */
	unsigned int count;	/* repeat: N */
	unsigned int block;	/* together: the block's id */
};

struct sc_parse {
	struct sc_frame open[NEST_MAX];
	int depth;
};

const char *step_op_name(enum step_op op)
{
	return op_names[op];
}

const char *field_name(enum sc_field f)
{
	return field_names[f];
}

bool field_is_size(enum sc_field f)
{
	return f == F_USAGE || f == F_LIMIT || f == F_PEAK || f == F_HELD;
}

const char *outcome_name(int err)
{
	static const char *const unknown = "error";

	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return unknown;
}

void outcome_text(const struct step *s, const struct step_result *r, char *buf,
		  size_t len)
{
	char sz[32];

	if (!r->ran) {
		snprintf(buf, len, "-");
	} else if (s->op == OP_CHECK) {
		snprintf(buf, len, "%s", r->check_ok ? "pass" : "FAIL");
	} else if (r->killed[0]) {
		snprintf(buf, len, "%s%skilled %s", r->err && r->err != -ECHILD ?
			 outcome_name(r->err) : "", r->err && r->err != -ECHILD ? " " : "",
			 r->killed);
	} else if (s->op == OP_CHARGE && r->err == -EINPROGRESS) {
		snprintf(buf, len, "parked@%s", format_size(r->done, sz, sizeof(sz)));
	} else if (s->op == OP_CHARGE && r->err == -ENOMEM) {
		snprintf(buf, len, "ENOMEM@%s%s", format_size(r->done, sz, sizeof(sz)),
			 r->blocked ? " blocked" : r->oom_killed ? " killed" : "");
	} else {
		snprintf(buf, len, "%s", outcome_name(r->err));
	}
}

static int parse_err(const char *path, int line, const char *fmt, const char *arg)
{
	fflush(stdout);
	fprintf(stderr, "memcglab: %s:%d: ", path, line);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return -EINVAL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and rejoin a comma-separated list of names; -EINVAL if malformed. */
int killed_list(const char *in, char *out, size_t len)
{
	char buf[KILLED_LEN], *names[32], *save = NULL, *p;
	size_t n = 0;

	if (strlen(in) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", in);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == 32)
			return -EINVAL;
		names[n++] = p;
	}
	if (!n)
		return -EINVAL;
	qsort(names, n, sizeof(names[0]), cmp_str);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, names[i], len - strlen(out) - 1);
	}
	return 0;
}

static int word_index(const char *w, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(w, words[i]))
			return i;
	return -1;
}

static const char *group_name(const char *w)
{
	return !strcmp(w, ".") || !strcmp(w, "/") ? "" : w;
}

static int parse_divergence(struct scenario *sc, char **tok, int n, int line)
{
	struct divergence d = { .flavours = FL_ALL };
	struct divergence *v;
	int i = 2;

	if (i < n && (!strcmp(tok[i], "v1") || !strcmp(tok[i], "v2"))) {
		d.flavours = tok[i][1] == '1' ? FL_V1 : FL_V2;
		i++;
	}
	if (i < n && !strncmp(tok[i], "kernel", 6)) {
		const char *p = tok[i] + 6;

		if (!strncmp(p, ">=", 2)) {
			d.kcmp = '>';
			p += 2;
		} else if (*p == '<') {
			d.kcmp = '<';
			p++;
		}
		if (!d.kcmp || sscanf(p, "%d.%d", &d.kmaj, &d.kmin) != 2)
			return parse_err(sc->path, line,
					 "bad kernel condition '%s' (kernel<X.Y or kernel>=X.Y)",
					 tok[i]);
		i++;
	}
	if (i < n && !strcmp(tok[i], ":"))
		i++;
	if (i >= n)
		return parse_err(sc->path, line, "%s", "expect divergence needs a reason");
	for (; i < n; i++) {
		if (d.reason[0])
			strncat(d.reason, " ", sizeof(d.reason) - strlen(d.reason) - 1);
		strncat(d.reason, tok[i], sizeof(d.reason) - strlen(d.reason) - 1);
	}
	v = realloc(sc->divs, (sc->nr_divs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sc->divs = v;
	sc->divs[sc->nr_divs++] = d;
	return 0;
}

static int parse_size_tok(const struct scenario *sc, int line, const char *w,
			  uint64_t *v, bool allow_max)
{
	if (parse_size(w, v, allow_max))
		return parse_err(sc->path, line, "bad size '%s'", w);
	return 0;
}

/* One step line (tokens without the flavour prefix and "=> OUTCOME"). */
static int parse_step(struct scenario *sc, struct step *s, char **tok, int n)
{
	int line = s->line, i, want;
	static const int nargs[] = {
		[OP_MKDIR] = 2, [OP_RMDIR] = 2, [OP_SET] = 4, [OP_CHARGE] = 4,
		[OP_UNCHARGE] = 3, [OP_RELEASE] = 2, [OP_RESET] = 3, [OP_CHECK] = 5,
		[OP_SHOW] = 2, [OP_ADJ] = 3, [OP_WAIT] = 2,
	};

	i = word_index(tok[0], op_names);
	if (i < 0)
		return parse_err(sc->path, line, "unknown directive '%s'", tok[0]);
	s->op = (enum step_op)i;
	if ((s->op == OP_ADJ || s->op == OP_WAIT) && !sc->oom_kill)
		return parse_err(sc->path, line, "'%s' needs `oom kill` in the header", tok[0]);
	want = nargs[s->op];
	/* charge GROUP CHARGER [anon|file] SIZE, uncharge CHARGER [anon|file] SIZE */
	if ((s->op == OP_CHARGE || s->op == OP_UNCHARGE) && n == want + 1) {
		if (!strcmp(tok[n - 2], "file"))
			s->file = true;
		else if (strcmp(tok[n - 2], "anon"))
			return parse_err(sc->path, line, "charge type is anon or file, not '%s'",
					 tok[n - 2]);
		tok[n - 2] = tok[n - 1];
		n--;
		sc->file_charges |= s->file;
	}
	if (n != want)
		return parse_err(sc->path, line, "wrong number of words for '%s'", tok[0]);
	switch (s->op) {
	case OP_MKDIR:
	case OP_RMDIR:
	case OP_SHOW:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		break;
	case OP_SET:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		i = word_index(tok[2], tgt_knob_names);
		if (i < 0)
			return parse_err(sc->path, line, "unknown knob '%s'", tok[2]);
		s->knob = (enum tgt_knob)i;
		if (s->knob == TGT_KNOB_OOM_KILL_DISABLE) {
			if (strcmp(tok[3], "0") && strcmp(tok[3], "1"))
				return parse_err(sc->path, line, "oom_kill_disable takes 0 or 1, not '%s'",
						 tok[3]);
			s->value = tok[3][0] == '1';
		} else if (parse_size_tok(sc, line, tok[3], &s->value, true)) {
			return -EINVAL;
		}
		break;
	case OP_CHARGE:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		snprintf(s->charger, sizeof(s->charger), "%s", tok[2]);
		if (parse_size_tok(sc, line, tok[3], &s->value, false))
			return -EINVAL;
		break;
	case OP_UNCHARGE:
		snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		if (parse_size_tok(sc, line, tok[2], &s->value, false))
			return -EINVAL;
		break;
	case OP_RELEASE:
	case OP_WAIT:
		snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		break;
	case OP_ADJ: {
		char *end;
		long adj = strtol(tok[2], &end, 10);

		snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		if (*end || end == tok[2] || adj < -1000 || adj > 1000)
			return parse_err(sc->path, line, "oom_score_adj is -1000..1000, not '%s'",
					 tok[2]);
		s->adj = (int)adj;
		break;
	}
	case OP_RESET:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		if (!strcmp(tok[2], "peak"))
			s->reset = TGT_RESET_PEAK;
		else if (!strcmp(tok[2], "failcnt"))
			s->reset = TGT_RESET_FAILCNT;
		else
			return parse_err(sc->path, line, "reset peak|failcnt, not '%s'", tok[2]);
		break;
	case OP_CHECK:
		i = word_index(tok[2], field_names);
		if (i < 0)
			return parse_err(sc->path, line, "unknown field '%s'", tok[2]);
		s->field = (enum sc_field)i;
		if (s->field == F_HELD)
			snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		else
			snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		i = word_index(tok[3], cmp_names);
		if (i < 0)
			return parse_err(sc->path, line, "unknown comparison '%s'", tok[3]);
		s->cmp = (enum sc_cmp)i;
		if (parse_size_tok(sc, line, tok[4], &s->value, true))
			return -EINVAL;
		break;
	}
	return 0;
}

static struct sc_frame *open_together(struct sc_parse *ps)
{
	return ps->depth && ps->open[ps->depth - 1].together ? &ps->open[ps->depth - 1] : NULL;
}

static void append_suffix(struct step *s, const char *suffix)
{
	size_t room = sizeof(s->text) - strlen(suffix) - 1;

	if (strlen(s->text) > room)
		s->text[room] = '\0';
	strcat(s->text, suffix);
}

/*
 * `end` of `repeat N`: the body's steps, already parsed (inner repeats
 * unrolled), N times over. Each copy of a together block in the body gets
 * an id of its own; every step says which iteration it is.
 */
static int unroll(struct scenario *sc, const struct sc_frame *f, int line)
{
	size_t len = sc->nr_steps - f->start, total;
	unsigned int span = 0, b0 = 0;
	struct step *v;
	char suffix[32];

	if (!len)
		return parse_err(sc->path, line, "%s", "empty repeat block");
	total = sc->nr_steps + len * (f->count - 1);
	if (total > STEPS_MAX)
		return parse_err(sc->path, f->line, "this repeat makes more than %s steps",
				 "20000");
	v = realloc(sc->steps, total * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sc->steps = v;
	/* Block ids made in the body are the last ones: b0..nr_blocks. */
	for (size_t j = f->start; j < sc->nr_steps; j++) {
		if (sc->steps[j].block && !b0)
			b0 = sc->steps[j].block;
	}
	if (b0)
		span = sc->nr_blocks - b0 + 1;
	for (unsigned int i = 1; i < f->count; i++) {
		for (size_t j = 0; j < len; j++) {
			struct step *d = &sc->steps[f->start + i * len + j];

			*d = sc->steps[f->start + j];
			if (d->block)
				d->block += i * span;
		}
	}
	sc->nr_blocks += (f->count - 1) * span;
	for (unsigned int i = 0; i < f->count; i++) {
		snprintf(suffix, sizeof(suffix), " [%u/%u]", i + 1, f->count);
		for (size_t j = 0; j < len; j++)
			append_suffix(&sc->steps[f->start + i * len + j], suffix);
	}
	sc->nr_steps = total;
	return 0;
}

/* `repeat N`, `together` and `end`; 1 when the line is none of these. */
static int parse_block(struct scenario *sc, struct sc_parse *ps, char **tok, int n,
		       int line)
{
	struct sc_frame *f;
	char *end;
	unsigned long count;

	if (!strcmp(tok[0], "end") && n == 1) {
		if (!ps->depth)
			return parse_err(sc->path, line, "%s", "'end' without 'repeat' or 'together'");
		f = &ps->open[--ps->depth];
		if (f->together && sc->nr_steps == f->start)
			return parse_err(sc->path, line, "%s", "empty together block");
		return f->together ? 0 : unroll(sc, f, line);
	}
	if (strcmp(tok[0], "repeat") && strcmp(tok[0], "together"))
		return 1;
	if (open_together(ps))
		return parse_err(sc->path, line, "'%s' in a together block (it takes charge and uncharge steps only)",
				 tok[0]);
	if (ps->depth == NEST_MAX)
		return parse_err(sc->path, line, "'%s': blocks nested too deep", tok[0]);
	f = &ps->open[ps->depth];
	memset(f, 0, sizeof(*f));
	f->line = line;
	f->start = sc->nr_steps;
	if (!strcmp(tok[0], "together")) {
		if (n != 1)
			return parse_err(sc->path, line, "%s", "'together' takes no words");
		if (sc->oom_kill)
			return parse_err(sc->path, line, "%s",
					 "'together' cannot be used with `oom kill` (whose kill would be whose?)");
		f->together = true;
		f->block = ++sc->nr_blocks;
		sc->concurrent = true;
	} else {
		if (n != 2)
			return parse_err(sc->path, line, "%s", "repeat takes a count: repeat N");
		errno = 0;
		count = strtoul(tok[1], &end, 10);
		if (errno || *end || end == tok[1] || tok[1][0] == '-' || !count ||
		    count > REPEAT_MAX)
			return parse_err(sc->path, line, "repeat count is 1..10000, not '%s'", tok[1]);
		f->count = (unsigned int)count;
	}
	ps->depth++;
	return 0;
}

/* A step inside a together block: a charge or uncharge of a charger of its own. */
static int parse_block_step(struct scenario *sc, const struct sc_frame *f,
			    struct step *s)
{
	if (s->op != OP_CHARGE && s->op != OP_UNCHARGE)
		return parse_err(sc->path, s->line,
				 "'%s' in a together block (it takes charge and uncharge steps only)",
				 step_op_name(s->op));
	for (size_t j = f->start; j < sc->nr_steps; j++)
		if (!strcmp(sc->steps[j].charger, s->charger))
			return parse_err(sc->path, s->line,
					 "charger %s appears twice in one together block", s->charger);
	s->block = f->block;
	memmove(s->text + 10, s->text, sizeof(s->text) - 10);
	s->text[sizeof(s->text) - 1] = '\0';
	memcpy(s->text, "together: ", 10);
	return 0;
}

static int parse_line(struct scenario *sc, struct sc_parse *ps, char *buf, int line)
{
	char *tok[32], *save = NULL, *p, text[160];
	struct step s = { .line = line, .flavours = FL_ALL, .expect = 0 };
	struct step *v;
	int n = 0, i;

	p = strchr(buf, '#');
	if (p)
		*p = '\0';
	p = buf + strlen(buf);
	while (p > buf && isspace((unsigned char)p[-1]))
		*--p = '\0';
	for (p = buf; isspace((unsigned char)*p); p++)
		;
	snprintf(text, sizeof(text), "%s", p);
	for (p = strtok_r(buf, " \t", &save); p && n < 32; p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	if (!n)
		return 0;
	if (!strcmp(tok[0], "scenario") && n == 2) {
		snprintf(sc->name, sizeof(sc->name), "%s", tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "describe")) {
		const char *rest = text + strlen("describe");

		while (isspace((unsigned char)*rest))
			rest++;
		if (sc->describe[0])
			strncat(sc->describe, " ", sizeof(sc->describe) - strlen(sc->describe) - 1);
		strncat(sc->describe, rest, sizeof(sc->describe) - strlen(sc->describe) - 1);
		return 0;
	}
	if (!strcmp(tok[0], "oom") && n == 2 && !strcmp(tok[1], "kill")) {
		if (sc->concurrent)
			return parse_err(sc->path, line, "%s",
					 "`oom kill` cannot be used with 'together' blocks");
		sc->oom_kill = true;
		return 0;
	}
	if (!strcmp(tok[0], "headline") && n == 1) {
		sc->headline = true;
		return 0;
	}
	if (!strcmp(tok[0], "plot") && n == 2) {
		snprintf(sc->plot_group, sizeof(sc->plot_group), "%s", group_name(tok[1]));
		return 0;
	}
	if (!strcmp(tok[0], "flavours")) {
		sc->flavours = 0;
		for (i = 1; i < n; i++) {
			if (!strcmp(tok[i], "v1"))
				sc->flavours |= FL_V1;
			else if (!strcmp(tok[i], "v2"))
				sc->flavours |= FL_V2;
			else
				return parse_err(sc->path, line, "unknown flavour '%s'", tok[i]);
		}
		return 0;
	}
	if (!strcmp(tok[0], "expect") && n >= 2 && !strcmp(tok[1], "divergence"))
		return parse_divergence(sc, tok, n, line);
	i = parse_block(sc, ps, tok, n, line);
	if (i <= 0)
		return i;

	snprintf(s.text, sizeof(s.text), "%s", text);
	if (!strcmp(tok[0], "v1:") || !strcmp(tok[0], "v2:")) {
		s.flavours = tok[0][1] == '1' ? FL_V1 : FL_V2;
		memmove(tok, tok + 1, --n * sizeof(tok[0]));
		if (!n)
			return parse_err(sc->path, line, "%s", "a flavour prefix needs a step");
		if (!strcmp(tok[0], "repeat") || !strcmp(tok[0], "together") ||
		    !strcmp(tok[0], "end"))
			return parse_err(sc->path, line, "a flavour prefix cannot apply to '%s'",
					 tok[0]);
	}
	if (n >= 3 && !strcmp(tok[n - 3], "=>") && !strcmp(tok[n - 2], "killed")) {
		if (!sc->oom_kill)
			return parse_err(sc->path, line, "%s", "'=> killed' needs `oom kill` in the header");
		if (killed_list(tok[n - 1], s.killed, sizeof(s.killed)))
			return parse_err(sc->path, line, "bad charger list '%s'", tok[n - 1]);
		s.expect_killed = true;
		n -= 3;
	} else if (n >= 2 && !strcmp(tok[n - 2], "=>")) {
		bool found = false;

		for (size_t k = 0; k < ARRAY_SIZE(errnames); k++) {
			if (!strcmp(tok[n - 1], errnames[k].name)) {
				s.expect = errnames[k].err;
				found = true;
			}
		}
		if (!found || (s.expect == -ECHILD))
			return parse_err(sc->path, line, "unknown outcome '%s'", tok[n - 1]);
		if (s.expect == -EINPROGRESS && !sc->oom_kill)
			return parse_err(sc->path, line, "%s", "'=> parked' needs `oom kill` in the header");
		if (s.expect == EXPECT_ANY && !open_together(ps))
			return parse_err(sc->path, line, "%s", "'=> any' is for a charge in a together block");
		n -= 2;
	}
	if (parse_step(sc, &s, tok, n))
		return -EINVAL;
	if (s.expect == EXPECT_ANY && s.op != OP_CHARGE)
		return parse_err(sc->path, line, "%s", "'=> any' is for a charge in a together block");
	if (open_together(ps) && parse_block_step(sc, open_together(ps), &s))
		return -EINVAL;
	if (s.op == OP_CHECK || s.op == OP_SHOW)
		s.expect = EXPECT_NONE;
	v = realloc(sc->steps, (sc->nr_steps + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sc->steps = v;
	sc->steps[sc->nr_steps++] = s;
	return 0;
}

int scenario_load(const char *path, struct scenario *sc)
{
	struct sc_parse ps = { .depth = 0 };
	char buf[1024];
	const char *base;
	int line = 0, ret = 0;
	FILE *f;

	memset(sc, 0, sizeof(*sc));
	sc->flavours = FL_ALL;
	snprintf(sc->path, sizeof(sc->path), "%s", path);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		err("%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		ret = parse_line(sc, &ps, buf, line);
		if (ret)
			break;
	}
	fclose(f);
	if (!ret && ps.depth)
		ret = parse_err(path, ps.open[ps.depth - 1].line, "'%s' without 'end'",
				ps.open[ps.depth - 1].together ? "together" : "repeat");
	if (!ret && !sc->nr_steps)
		ret = parse_err(path, line, "%s", "no steps");
	if (ret) {
		scenario_free(sc);
		return ret;
	}
	if (!sc->name[0]) {
		base = strrchr(path, '/');
		snprintf(sc->name, sizeof(sc->name), "%s", base ? base + 1 : path);
		if (strchr(sc->name, '.'))
			*strrchr(sc->name, '.') = '\0';
	}
	if (!sc->plot_group[0]) {
		for (size_t i = 0; i < sc->nr_steps; i++) {
			if (sc->steps[i].op == OP_MKDIR) {
				snprintf(sc->plot_group, sizeof(sc->plot_group), "%s",
					 sc->steps[i].group);
				break;
			}
		}
	}
	return 0;
}

void scenario_free(struct scenario *sc)
{
	free(sc->steps);
	free(sc->divs);
	sc->steps = NULL;
	sc->divs = NULL;
	sc->nr_steps = sc->nr_divs = 0;
}

void kernel_version(int *maj, int *min, char *buf, size_t len)
{
	struct utsname u;

	*maj = *min = 0;
	if (uname(&u))
		return;
	sscanf(u.release, "%d.%d", maj, min);
	if (buf)
		snprintf(buf, len, "%s", u.release);
}

const struct divergence *scenario_expected_divergence(const struct scenario *sc,
						      bool v1)
{
	int maj, min;

	kernel_version(&maj, &min, NULL, 0);
	for (size_t i = 0; i < sc->nr_divs; i++) {
		const struct divergence *d = &sc->divs[i];
		int before = maj < d->kmaj || (maj == d->kmaj && min < d->kmin);

		if (!(d->flavours & (v1 ? FL_V1 : FL_V2)))
			continue;
		if ((d->kcmp == '<' && !before) || (d->kcmp == '>' && before))
			continue;
		return d;
	}
	return NULL;
}
