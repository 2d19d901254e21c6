/*
 * In a VM restored from a template, a throwaway process takes the kernel
 * paths of a container's start and teardown once, at idle priority, so that
 * QEMU (TCG) has translated them before a replace needs them (warmup.c).
 */
#ifndef PEAPOD_WARMUP_H
#define PEAPOD_WARMUP_H

/* argv[0] with which guest-init runs as the warm-up process. */
#define WARMUP_NAME "warmup"

/* RESTORED was answered: the warm-up process is started from the loop
 * (once a boot). */
void warmup_after_restore(void);

/* main() of the warm-up process. Never returns. */
void warmup_main(void) __attribute__((noreturn));

#endif
