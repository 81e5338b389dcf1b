/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the kernel's indirect call wrappers, same expansion. */
#ifndef _SHIM_LINUX_INDIRECT_CALL_WRAPPER_H
#define _SHIM_LINUX_INDIRECT_CALL_WRAPPER_H

#define INDIRECT_CALL_1(f, f1, ...)					\
	({ __builtin_expect(!!((f) == (f1)), 1) ? f1(__VA_ARGS__) : f(__VA_ARGS__); })
#define INDIRECT_CALL_2(f, f2, f1, ...)					\
	({ __builtin_expect(!!((f) == (f2)), 1) ? f2(__VA_ARGS__) :	\
	   INDIRECT_CALL_1(f, f1, __VA_ARGS__); })
#define INDIRECT_CALL_3(f, f3, f2, f1, ...)				\
	({ __builtin_expect(!!((f) == (f3)), 1) ? f3(__VA_ARGS__) :	\
	   INDIRECT_CALL_2(f, f2, f1, __VA_ARGS__); })

#endif
