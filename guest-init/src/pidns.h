/*
 * The pod's PID namespace: every container process and exec runs in it,
 * with a pause process as its PID 1, so containers see the pod's
 * processes and not guest-init or the kernel's threads.
 */
#ifndef PEAPOD_PIDNS_H
#define PEAPOD_PIDNS_H

#include <stddef.h>
#include <sys/types.h>

/* argv[0] with which guest-init runs as the pod's pause process. */
#define PIDNS_PAUSE_NAME "pause"

/* The pod's /proc and /sys, masked, as PIDNS_PROC_DIR/proc and /sys in
 * guest-init's mount namespace once pidns_child_ns has made it
 * (see pidns.c). */
#define PIDNS_PROC_DIR "/run/peapod/podproc"

/* The pod's PID namespace, made (with its pause process) on first use
 * and ready: an fd to setns(CLONE_NEWPID) into before a fork, or -1 with
 * *code and err set. */
int pidns_child_ns(int *code, char *err, size_t errlen);

/* A fork in the namespace failed with ENOMEM: 1 when that was because its
 * pause process had ended (the namespace is forgotten, and the next
 * pidns_child_ns makes a new one), else 0. */
int pidns_pause_gone(void);

/* The pod is gone: its pause process is killed (the kernel kills whatever
 * else is left in the namespace) and the next pod gets a new namespace. */
void pidns_end(void);

/* The pod's containers are gone: the namespace is kept for the next pod
 * if its pause process is all that is left in it, else ended (pidns_end). */
void pidns_pod_ended(void);

/* A container holding CAP_SYS_ADMIN starts in the namespace: it is ended,
 * not kept, when the pod's containers are gone. */
void pidns_admin_started(void);

/* Starts the next pod's namespace ahead if there is none (its pause
 * process's exec and mounts then run while guest-init waits for the
 * host); does not wait for it. */
void pidns_prepare(void);

/* A child guest-init does not track otherwise was reaped. */
void pidns_reaped(pid_t pid);

/* main() of the pause process. Never returns. */
void pidns_pause_main(void) __attribute__((noreturn));

#endif
