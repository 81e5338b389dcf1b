// SPDX-License-Identifier: GPL-2.0
/*
 * One print path for text and JSON output. Every command prints through these
 * functions; -j selects JSON, text otherwise. The writer below is the output
 * sink of this process (set up once by main), not command state.
 */
#include <stdarg.h>

#include "memcglab.h"

static struct json_writer *jw;
static FILE *out;

void print_init(FILE *f)
{
	out = f;
	if (opts.json)
		jw = jw_new(f, opts.pretty);
}

void print_finish(void)
{
	jw_destroy(&jw);
	fflush(out);
}

void print_flush(void)
{
	fflush(out);
}

static bool want_json(int mode)
{
	return jw && (mode & PRINT_JSON);
}

static bool want_text(int mode)
{
	return !jw && (mode & PRINT_TEXT);
}

static void key(const char *k)
{
	if (k)
		jw_key(jw, k);
}

void print_open_obj(const char *k)
{
	if (!jw)
		return;
	key(k);
	jw_start_object(jw);
}

void print_close_obj(void)
{
	if (jw)
		jw_end_object(jw);
}

void print_open_arr(const char *k)
{
	if (!jw)
		return;
	key(k);
	jw_start_array(jw);
}

void print_close_arr(void)
{
	if (jw)
		jw_end_array(jw);
}

/* fmt may contain one conversion for the value; NULL prints nothing. */
#define PRINT_TEXT_VAL(fmt, val)				\
	do {							\
		if (fmt)					\
			fprintf(out, fmt, val);			\
	} while (0)

void print_str(int mode, const char *k, const char *fmt, const char *val)
{
	if (want_json(mode)) {
		key(k);
		jw_string(jw, val);
	} else if (want_text(mode)) {
		PRINT_TEXT_VAL(fmt, val);
	}
}

void print_u64(int mode, const char *k, const char *fmt, uint64_t val)
{
	if (want_json(mode)) {
		key(k);
		jw_u64(jw, val);
	} else if (want_text(mode)) {
		PRINT_TEXT_VAL(fmt, (unsigned long long)val);
	}
}

void print_s64(int mode, const char *k, const char *fmt, int64_t val)
{
	if (want_json(mode)) {
		key(k);
		jw_s64(jw, val);
	} else if (want_text(mode)) {
		PRINT_TEXT_VAL(fmt, (long long)val);
	}
}

void print_bool(int mode, const char *k, const char *fmt, bool val)
{
	if (want_json(mode)) {
		key(k);
		jw_bool(jw, val);
	} else if (want_text(mode)) {
		PRINT_TEXT_VAL(fmt, val ? "true" : "false");
	}
}

void print_double(int mode, const char *k, const char *fmt, double val)
{
	if (want_json(mode)) {
		key(k);
		jw_double(jw, val);
	} else if (want_text(mode)) {
		PRINT_TEXT_VAL(fmt, val);
	}
}

void print_null(int mode, const char *k, const char *fmt)
{
	if (want_json(mode)) {
		key(k);
		jw_null(jw);
	} else if (want_text(mode) && fmt) {
		fputs(fmt, out);
	}
}

void print_size(int mode, const char *k, const char *fmt, uint64_t bytes)
{
	char buf[32];

	if (want_json(mode)) {
		key(k);
		if (bytes == MLAB_UNLIMITED)
			jw_null(jw);
		else
			jw_u64(jw, bytes);
	} else if (want_text(mode)) {
		PRINT_TEXT_VAL(fmt, format_size(bytes, buf, sizeof(buf)));
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (jw)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!jw)
		fputc('\n', out);
}
