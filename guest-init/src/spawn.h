/*
 * The child side of spawning: what runs between fork() and execve() for a
 * container's main process or an exec (the helper, then the process it
 * clones). See process.c for the parent side.
 */
#ifndef PEAPOD_SPAWN_H
#define PEAPOD_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

#include "process.h"
#include "request.h"
#include "user.h"

/* Written to the report pipe when the process cannot be made or cannot
 * exec; a successful execve() closes the pipe instead (it is CLOEXEC). */
struct child_report {
	int code;
	char msg[400];
};

/* The helper's exit status after it wrote a child_report (no errno is). */
#define SPAWN_REPORTED 255

/* What the helper and the child work on, made by guest-init before the
 * fork (each works on its copy). env has room for the spec's ENV and 4
 * more entries; the helper fills it, and hostname and home. */
struct child_args {
	const struct proc_spec *spec;
	int rep, cg, stdio[3], console;
	int go[2]; /* a pipe: the helper waits for EOF on go[0] until guest-init traces it */
	int pod_ns; /* the pod's PID namespace (pidns_child_ns) */
	char **env;
	char hostname[512], home[512];
};

/* What the helper resolved for the process (see spawn.c's prepare). */
struct prepared {
	struct user_ids ids;
	gid_t groups[USER_MAX_GROUPS + PP_MAX_GROUP_IDS];
	size_t ngroups;
	char **env;
	char exe[4096];
	uint64_t caps; /* the container's set: root's after execve */
	int nnp;
	int later; /* own_proc: the child sets user, caps, seccomp after enter_child */
};

/* The helper guest-init forks and traces: waits until it is traced (EOF
 * on go), enters the pod's PID namespace for its children, enters the
 * container (spec->enter), sets up stdio
 * (with `console` >= 0, a main process's tty: a pty made in the
 * container's devpts, its master sent over `console`), user, environment
 * and working directory, closes every other fd, drops to the container's
 * capabilities and user, sets no_new_privs and the seccomp profile, and
 * only then clones the process that runs child_main() in the pod's
 * namespace, guest-init's tracee from birth (see spawn.c). Exits 0 once it
 * is made, SPAWN_REPORTED after writing a child_report to `rep`, else with
 * an errno. */
void helper_main(struct child_args *a) __attribute__((noreturn));

/* The process, cloned by the helper: setsid, its controlling terminal,
 * own_proc's /proc (spec->enter_child) and then its user and confinement,
 * execve. Never returns: on failure it writes a child_report to `rep` and
 * exits SPAWN_REPORTED. */
void child_main(struct child_args *a, struct prepared *pr) __attribute__((noreturn));

#endif
