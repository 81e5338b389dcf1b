// SPDX-License-Identifier: GPL-2.0
/*
 * shim.c - userspace implementations behind the shim headers.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

__thread int shim_cpu;
static bool cpu_offline[SHIM_NR_CPUS];
static pthread_mutex_t cpu_irq_lock[SHIM_NR_CPUS] = {
	[0 ... SHIM_NR_CPUS - 1] = PTHREAD_MUTEX_INITIALIZER,
};
static int fail_alloc_in;
static unsigned long warn_hits;
static bool warn_quiet;

void shim_set_cpu(int cpu)
{
	shim_cpu = cpu % SHIM_NR_CPUS;
}

void shim_set_cpu_online(int cpu, bool online)
{
	__atomic_store_n(&cpu_offline[cpu], !online, __ATOMIC_RELAXED);
}

bool shim_cpu_online(int cpu)
{
	return !__atomic_load_n(&cpu_offline[cpu], __ATOMIC_RELAXED);
}

unsigned long shim_irq_save(void)
{
	int cpu = shim_cpu;

	if (pthread_mutex_lock(&cpu_irq_lock[cpu]))
		abort();
	return cpu;
}

void shim_irq_restore(unsigned long flags)
{
	if (pthread_mutex_unlock(&cpu_irq_lock[flags]))
		abort();
}

void shim_on_each_cpu(void (*func)(void *info), void *info)
{
	int self = shim_cpu;
	int cpu;

	for (cpu = 0; cpu < SHIM_NR_CPUS; cpu++) {
		if (!shim_cpu_online(cpu))
			continue;
		pthread_mutex_lock(&cpu_irq_lock[cpu]);
		shim_cpu = cpu;
		func(info);
		shim_cpu = self;
		pthread_mutex_unlock(&cpu_irq_lock[cpu]);
	}
}

static bool alloc_should_fail(void)
{
	int n = __atomic_load_n(&fail_alloc_in, __ATOMIC_RELAXED);

	if (n <= 0)
		return false;
	__atomic_store_n(&fail_alloc_in, n - 1, __ATOMIC_RELAXED);
	return n == 1;
}

void shim_fail_alloc(int nth)
{
	__atomic_store_n(&fail_alloc_in, nth, __ATOMIC_RELAXED);
}

void *shim_alloc_percpu(size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return calloc(SHIM_NR_CPUS, size);
}

void *shim_kzalloc(size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return calloc(1, size);
}

void shim_warn_hit(void)
{
	__atomic_fetch_add(&warn_hits, 1, __ATOMIC_RELAXED);
}

void shim_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	shim_warn_hit();
	if (__atomic_load_n(&warn_quiet, __ATOMIC_RELAXED))
		return;
	fprintf(stderr, "WARNING: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

unsigned long shim_warn_count(void)
{
	return __atomic_load_n(&warn_hits, __ATOMIC_RELAXED);
}

void shim_warn_quiet(bool quiet)
{
	__atomic_store_n(&warn_quiet, quiet, __ATOMIC_RELAXED);
}

/*
 * memparse() as lib/cmdline.c + lib/vsprintf.c + lib/kstrtox.c have it in
 * 6.1: base 0 (0x hex if a hex digit follows, else leading 0 octal, else
 * decimal), digits accumulated with silent wrap-around, no sign and no
 * whitespace handling, then at most one size suffix shifted unchecked.
 */
static unsigned long long parse_digits(const char *s, char **endp)
{
	unsigned long long res = 0;
	unsigned int base = 10;

	if (s[0] == '0') {
		if ((s[1] | 0x20) == 'x' &&
		    strchr("0123456789abcdefABCDEF", s[2]) && s[2])
			base = 16;
		else
			base = 8;
	}
	if (base == 16)
		s += 2;

	for (;; s++) {
		unsigned int c = (unsigned char)*s, lc = c | 0x20, val;

		if (c >= '0' && c <= '9')
			val = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		res = res * base + val;
	}
	*endp = (char *)s;
	return res;
}

unsigned long long memparse(const char *ptr, char **retptr)
{
	char *end;
	unsigned long long ret = parse_digits(ptr, &end);
	int shift = 0;

	switch (*end | 0x20) {
	case 'e':
		shift += 10;
		/* fallthrough */
	case 'p':
		shift += 10;
		/* fallthrough */
	case 't':
		shift += 10;
		/* fallthrough */
	case 'g':
		shift += 10;
		/* fallthrough */
	case 'm':
		shift += 10;
		/* fallthrough */
	case 'k':
		shift += 10;
		end++;
		break;
	default:
		break;
	}
	/* The kernel shifts by 10 at a time: bits fall off the top. */
	while (shift) {
		ret <<= 10;
		shift -= 10;
	}
	if (retptr)
		*retptr = end;
	return ret;
}

const char *const shim_policy_names[SHIM_NR_POLICIES] = {
	[SHIM_POLICY_STRICT]	= "strict",
	[SHIM_POLICY_BATCHED]	= "batched",
	[SHIM_POLICY_LOCKED]	= "locked",
};

/* policy.c's, when the program links it. */
int mlab_policy_init(void) __attribute__((weak));

static void __attribute__((constructor(101))) shim_register_policies(void)
{
	if (mlab_policy_init && mlab_policy_init())
		abort();
}
