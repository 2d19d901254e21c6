/*
 * The child side of spawning: what runs between clone() and execve() for a
 * container's main process or an exec. See process.c for the parent side.
 */
#ifndef PEAPOD_SPAWN_H
#define PEAPOD_SPAWN_H

#include "process.h"

/* Written to the report pipe when the child cannot exec; a successful
 * execve() closes the pipe instead (it is CLOEXEC). */
struct child_report {
	int code;
	char msg[400];
};

/* child_main's arguments, made by guest-init before the fork (the child
 * works on its copy, see helper_main). env has room for the spec's ENV and 4 more entries;
 * the child fills it, and hostname and home, for its execve. */
struct child_args {
	const struct proc_spec *spec;
	int rep, cg, stdio[3], console;
	int go[2]; /* a pipe: the helper waits for EOF on go[0] until guest-init traces it */
	int pod_ns; /* the pod's PID namespace (pidns_child_ns) */
	char **env;
	char hostname[512], home[512];
};

/* Joins the cgroup (fd a->cg), enters the container (spec->enter), sets up
 * stdio, user, environment and working directory, and execs. Never
 * returns: on failure it writes a child_report to `rep` and exits 127.
 * With `console` >= 0 (a main process's tty) it makes a pty in the
 * container's devpts, sends the master over `console` and uses the slave
 * as stdio instead of `stdio`. */
void child_main(struct child_args *a) __attribute__((noreturn));

/* The helper guest-init forks and traces: waits until it is traced (EOF
 * on go), enters the pod's PID namespace and clones the process that runs
 * child_main() there, guest-init's tracee from birth (see spawn.c). Exits
 * 0 once it is made, else with an errno. */
void helper_main(struct child_args *a) __attribute__((noreturn));

#endif
