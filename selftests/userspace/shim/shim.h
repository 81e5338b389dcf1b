/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shim.h - the userspace stand-ins for kernel services, and the knobs the
 * tests turn: which "CPU" a thread runs on, CPU online state, allocation
 * failure injection and WARN counting.
 *
 * Model: a thread's CPU is a thread-local id (shim_set_cpu()).  Disabling
 * interrupts locks that CPU's mutex, so code between local_irq_save() and
 * local_irq_restore() is atomic against everything else on that "CPU";
 * on_each_cpu() runs the function once per online CPU under that CPU's
 * mutex, with the caller's CPU id switched to it.
 */
#ifndef SHIM_H
#define SHIM_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_NR_CPUS 8

/*
 * memcglab's own policies, as the native programs enumerate them: the
 * registry knows them by name only.  shim.c registers them before main()
 * when policy.c is linked in.
 */
enum shim_policy {
	SHIM_POLICY_STRICT,
	SHIM_POLICY_BATCHED,
	SHIM_POLICY_LOCKED,
	SHIM_NR_POLICIES
};
extern const char *const shim_policy_names[SHIM_NR_POLICIES];

void shim_set_cpu(int cpu);

/*
 * The thread's CPU id, read inline: the kernel's this_cpu_ptr() is one
 * %gs-relative add, not a call into another file.
 */
extern __thread int shim_cpu;

static inline int shim_this_cpu(void)
{
	return shim_cpu;
}

void shim_set_cpu_online(int cpu, bool online);
bool shim_cpu_online(int cpu);

unsigned long shim_irq_save(void);
void shim_irq_restore(unsigned long flags);
void shim_on_each_cpu(void (*func)(void *info), void *info);

void *shim_alloc_percpu(size_t size);
void *shim_kzalloc(size_t size);
/* Make the nth next allocation fail (1 = the next one); 0 disarms. */
void shim_fail_alloc(int nth);

void shim_warn(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Count a WARN whose message was already printed. */
void shim_warn_hit(void);
/* Number of WARN conditions that were true (printed or not). */
unsigned long shim_warn_count(void);
void shim_warn_quiet(bool quiet);

#if defined(__SANITIZE_THREAD__)
#define SHIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHIM_TSAN 1
#endif
#endif

#ifdef SHIM_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#endif

#endif /* SHIM_H */
