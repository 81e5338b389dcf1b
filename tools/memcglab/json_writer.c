// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer (the shape of iproute2's json_writer). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "memcglab.h"

#define JW_MAX_DEPTH 64

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];	/* no element written yet at this depth */
	char closer[JW_MAX_DEPTH];	/* '}' or ']' closing this depth */
	bool after_key;			/* a key was written, value pending */
};

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	jw->first[0] = true;
	return jw;
}

int jw_depth(const struct json_writer *jw)
{
	return jw->depth;
}

static void jw_indent(struct json_writer *jw)
{
	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (int i = 0; i < jw->depth; i++)
		fputs("    ", jw->f);
}

/* Separator before a new element (a key, or a value in an array/top level). */
static void jw_sep(struct json_writer *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (!jw->first[jw->depth])
		fputc(jw->depth ? ',' : '\n', jw->f);
	jw->first[jw->depth] = false;
	if (jw->depth)
		jw_indent(jw);
}

static void jw_puts_escaped(struct json_writer *jw, const char *s)
{
	fputc('"', jw->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", jw->f);
			break;
		case '\\':
			fputs("\\\\", jw->f);
			break;
		case '\n':
			fputs("\\n", jw->f);
			break;
		case '\t':
			fputs("\\t", jw->f);
			break;
		case '\r':
			fputs("\\r", jw->f);
			break;
		default:
			if (*p < 0x20)
				fprintf(jw->f, "\\u%04x", *p);
			else
				fputc(*p, jw->f);
		}
	}
	fputc('"', jw->f);
}

static void jw_open(struct json_writer *jw, char c)
{
	jw_sep(jw);
	fputc(c, jw->f);
	if (jw->depth + 1 < JW_MAX_DEPTH)
		jw->depth++;
	jw->first[jw->depth] = true;
	jw->closer[jw->depth] = c == '{' ? '}' : ']';
}

static void jw_close(struct json_writer *jw, char c)
{
	bool empty = jw->first[jw->depth];

	if (jw->depth > 0)
		jw->depth--;
	if (!empty)
		jw_indent(jw);
	fputc(c, jw->f);
	if (!jw->depth)
		fflush(jw->f);
}

void jw_start_object(struct json_writer *jw)
{
	jw_open(jw, '{');
}

void jw_end_object(struct json_writer *jw)
{
	jw_close(jw, '}');
}

void jw_start_array(struct json_writer *jw)
{
	jw_open(jw, '[');
}

void jw_end_array(struct json_writer *jw)
{
	jw_close(jw, ']');
}

void jw_key(struct json_writer *jw, const char *key)
{
	jw_sep(jw);
	jw_puts_escaped(jw, key);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_key = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	jw_sep(jw);
	jw_puts_escaped(jw, s ? s : "");
}

void jw_u64(struct json_writer *jw, uint64_t v)
{
	jw_sep(jw);
	fprintf(jw->f, "%" PRIu64, v);
}

void jw_s64(struct json_writer *jw, int64_t v)
{
	jw_sep(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_sep(jw);
	fputs(v ? "true" : "false", jw->f);
}

void jw_double(struct json_writer *jw, double v)
{
	jw_sep(jw);
	if (isfinite(v))
		fprintf(jw->f, "%.6g", v);
	else
		fputs("null", jw->f);
}

void jw_null(struct json_writer *jw)
{
	jw_sep(jw);
	fputs("null", jw->f);
}

void jw_destroy(struct json_writer **jwp)
{
	struct json_writer *jw = *jwp;

	if (!jw)
		return;
	/* Close whatever a failing command left open; containers only. */
	while (jw->depth > 0)
		jw_close(jw, jw->closer[jw->depth]);
	if (!jw->first[0])
		fputc('\n', jw->f);
	fflush(jw->f);
	free(jw);
	*jwp = NULL;
}
