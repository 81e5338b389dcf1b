/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MLAB_TEST_UTIL_H
#define MLAB_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "counter.h"
#include "policy.h"

#define MB_PAGES(x) ((unsigned long)(x) * 256)

/* Counters are cache-line aligned: allocate them the way kmalloc would. */
static inline struct mlab_counter *counters_alloc(size_t n)
{
	struct mlab_counter *c = aligned_alloc(SMP_CACHE_BYTES,
					       n * sizeof(*c));

	if (!c)
		abort();
	return c;
}

/* xorshift64*: reproducible and fast. */
static inline uint64_t rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline unsigned long rnd_below(uint64_t *s, unsigned long n)
{
	return n ? rnd_next(s) % n : 0;
}

/* cgroup_util.c's values_close(): |a - b| <= (a + b) * err / 100 */
static inline int values_close(long a, long b, int err)
{
	return labs(a - b) <= (a + b) / 100 * err;
}

#endif
