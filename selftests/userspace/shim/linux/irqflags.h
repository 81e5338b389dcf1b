/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_IRQFLAGS_H
#define SHIM_LINUX_IRQFLAGS_H
#include "../shim.h"
#define local_irq_save(flags)	do { (flags) = shim_irq_save(); } while (0)
#define local_irq_restore(flags) shim_irq_restore(flags)
#endif
