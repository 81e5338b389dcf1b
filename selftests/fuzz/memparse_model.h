/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memparse_model.h - an independent model of the 6.1 kernel's
 * page_counter_memparse(): what a memcg limit file makes of its input.
 * Used by the fuzz harness (against kmod/counter.c) and by the guest's
 * hostile-input test (against the module's files).  No kernel code.
 *
 * Newer kernels (7.2 is one; 6.12 is not) saturate instead: a number or
 * a suffix that overflows 64 bits gives the largest value, which a limit
 * file shows as unlimited.  model_saturates selects that behaviour; the
 * guest test sets it from what the running kernel's own memcg does.
 */
#ifndef MLAB_MEMPARSE_MODEL_H
#define MLAB_MEMPARSE_MODEL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define MODEL_PAGE_SIZE 4096ULL
#define MODEL_MAX ((unsigned long)(INT64_MAX / MODEL_PAGE_SIZE))

/* Value of an ASCII digit or letter digit, 99 for anything else. */
static inline unsigned int model_digit(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return 99;
}

/* Power of 1024 a size suffix stands for, 0 when @ch is not one. */
static inline unsigned int model_suffix(unsigned char ch)
{
	static const char lower[] = "kmgtpe", upper[] = "KMGTPE";
	unsigned int i;

	for (i = 0; i < 6; i++)
		if (ch == (unsigned char)lower[i] || ch == (unsigned char)upper[i])
			return i + 1;
	return 0;
}

static int model_saturates;

/* v * mul + add, modulo 2^64 or saturating (model_saturates). */
static inline uint64_t model_mul_add(uint64_t v, unsigned int mul, unsigned int add)
{
	if (model_saturates && v > (UINT64_MAX - add) / mul)
		return UINT64_MAX;
	return v * mul + add;
}

struct model_result {
	int err;
	unsigned long pages;
	size_t digits_end;	/* offset where the number stopped */
	uint64_t number;	/* the number before the suffix */
};

/*
 * page_counter_memparse() of 6.1 as a specification:
 * 1. the exact unlimited spelling is the maximum;
 * 2. radix: "0x"/"0X" followed by a hex digit is hex (prefix skipped),
 *    any other leading '0' is octal, else decimal; no sign, no blanks;
 * 3. digits valid in the radix accumulate modulo 2^64;
 * 4. one optional suffix multiplies by 1024^k modulo 2^64;
 * 5. anything left over is -EINVAL; the empty string is 0;
 * 6. bytes / 4096 rounded down, capped at LONG_MAX / 4096.
 */
static inline struct model_result model_memparse(const char *s, const char *max_str)
{
	struct model_result r = { 0 };
	unsigned int radix = 10, d, k;
	size_t i = 0;
	uint64_t v = 0;

	if (strcmp(s, max_str) == 0) {
		r.pages = MODEL_MAX;
		r.digits_end = strlen(s);
		return r;
	}
	if (s[0] == '0') {
		radix = 8;
		if ((s[1] == 'x' || s[1] == 'X') &&
		    model_digit((unsigned char)s[2]) < 16) {
			radix = 16;
			i = 2;
		}
	}
	while ((d = model_digit((unsigned char)s[i])) < radix) {
		v = model_mul_add(v, radix, d);	/* wraps, as 6.1's does */
		i++;
	}
	r.digits_end = i;
	r.number = v;
	k = model_suffix((unsigned char)s[i]);
	if (k) {
		while (k--)
			v = model_mul_add(v, 1024, 0);
		i++;
	}
	if (s[i] != '\0') {
		r.err = -EINVAL;
		return r;
	}
	r.pages = v / MODEL_PAGE_SIZE > MODEL_MAX ? MODEL_MAX :
		  (unsigned long)(v / MODEL_PAGE_SIZE);
	return r;
}

#endif /* MLAB_MEMPARSE_MODEL_H */
