// SPDX-License-Identifier: GPL-2.0
/*
 * memparse_fuzz.c - libFuzzer harness for mlab_counter_memparse().
 *
 * kmod/counter.c is built natively against selftests/userspace/shim.  Each
 * input (cut at its first NUL, as a kernel write handler's C string would
 * be) is parsed with both unlimited spellings, "max" (v2) and "-1" (v1), and
 * the outcome -- errno and page count -- must equal what an independent
 * model of the 6.1 kernel's page_counter_memparse() gives.  The model is
 * written here from the kernel's documented behaviour (lib/cmdline.c
 * memparse, simple_strtoull base 0, mm/page_counter.c) and shares no code
 * with the shim.  Where the digits are a plain in-range number, glibc's
 * strtoull() is a third opinion on where the number ends and what it is.
 * Any disagreement aborts: libFuzzer then saves the input as a crasher.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "memparse_model.h"

static void disagree(const char *what, const char *s, const char *max_str,
		     long long got, long long want)
{
	fprintf(stderr, "memparse_fuzz: %s differs for \"%s\" (max \"%s\"): "
		"module %lld, model %lld\n", what, s, max_str, got, want);
	abort();
}

/* Third opinion on the digits alone, where glibc's rules coincide. */
static void check_against_libc(const char *s, const struct model_result *m)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return;		/* glibc would skip blanks and take a sign */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return;		/* glibc saturates; the kernel wraps */
	if ((size_t)(end - s) != m->digits_end)
		disagree("end of number (glibc)", s, "", end - s,
			 (long long)m->digits_end);
	if (v != m->number)
		disagree("number (glibc)", s, "", (long long)v,
			 (long long)m->number);
}

static void check_one(const char *s, const char *max_str)
{
	struct model_result m = model_memparse(s, max_str);
	unsigned long pages = 0xdeadbeef;
	int err;

	err = mlab_counter_memparse(s, max_str, &pages);
	if (err != m.err)
		disagree("errno", s, max_str, err, m.err);
	if (!err && pages != m.pages)
		disagree("pages", s, max_str, (long long)pages,
			 (long long)m.pages);
	if (err && pages != 0xdeadbeef)
		disagree("pages written on error", s, max_str,
			 (long long)pages, 0xdeadbeef);
	if (!err && pages > MLAB_COUNTER_MAX)
		disagree("pages above MLAB_COUNTER_MAX", s, max_str,
			 (long long)pages, (long long)MLAB_COUNTER_MAX);
	check_against_libc(s, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';		/* an embedded NUL ends the string earlier */
	check_one(s, "max");
	check_one(s, "-1");
	free(s);
	return 0;
}
