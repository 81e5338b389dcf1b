/* SPDX-License-Identifier: GPL-2.0 */
/* No signals in the native tier: a reclaim loop is never interrupted. */
#ifndef SHIM_LINUX_SCHED_SIGNAL_H
#define SHIM_LINUX_SCHED_SIGNAL_H
#include <stdbool.h>

#define current NULL
#define signal_pending(task) ((void)(task), false)
#define fatal_signal_pending(task) ((void)(task), false)
#endif
