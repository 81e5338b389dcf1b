/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - a minimal TAP test harness for the native tier.
 *
 * TEST(name) { ... } registers a test.  EXPECT_* record a failure and go
 * on, ASSERT_* record it and leave the test.  main() (harness.c) runs the
 * tests whose names contain argv[1], or all of them.
 */
#ifndef MLAB_HARNESS_H
#define MLAB_HARNESS_H

#include <stdbool.h>
#include <stdio.h>

typedef void (*test_fn)(void);

void harness_register(const char *name, test_fn fn);
void harness_fail(const char *file, int line, const char *expr,
		  long long a, long long b);
/* Extra diagnostics for the current test, printed as TAP comments. */
void harness_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* n divided by $MLAB_TEST_SCALE (coverage runs use fewer operations) */
unsigned long harness_scale(unsigned long n);

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		harness_register(#name, test_##name);			\
	}								\
	static void test_##name(void)

#define EXPECT_CMP(a, op, b) ({						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	bool __ok = __a op __b;						\
	if (!__ok)							\
		harness_fail(__FILE__, __LINE__,			\
			     #a " " #op " " #b, __a, __b);		\
	__ok;								\
})
#define EXPECT_EQ(a, b)	EXPECT_CMP(a, ==, b)
#define EXPECT_NE(a, b)	EXPECT_CMP(a, !=, b)
#define EXPECT_LE(a, b)	EXPECT_CMP(a, <=, b)
#define EXPECT_GE(a, b)	EXPECT_CMP(a, >=, b)
#define EXPECT_LT(a, b)	EXPECT_CMP(a, <, b)
#define EXPECT_GT(a, b)	EXPECT_CMP(a, >, b)
#define EXPECT_TRUE(a)	EXPECT_CMP(!!(a), ==, 1)
#define EXPECT_FALSE(a)	EXPECT_CMP(!!(a), ==, 0)
#define EXPECT_PTR(a, b) EXPECT_CMP((long long)(unsigned long)(a), ==, \
				    (long long)(unsigned long)(b))

#define ASSERT_CMP(a, op, b) do { if (!EXPECT_CMP(a, op, b)) return; } while (0)
#define ASSERT_EQ(a, b)	ASSERT_CMP(a, ==, b)
#define ASSERT_TRUE(a)	ASSERT_CMP(!!(a), ==, 1)

#endif /* MLAB_HARNESS_H */
