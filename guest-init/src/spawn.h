/*
 * The child side of spawning: what runs between fork() and execve() for a
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

/* Joins the cgroup (fd `cg`), enters the container (spec->enter), sets up
 * stdio, user, environment and working directory, and execs. Never
 * returns: on failure it writes a child_report to `rep` and exits 127.
 * With `console` >= 0 (a main process's tty) it makes a pty in the
 * container's devpts, sends the master over `console` and uses the slave
 * as stdio instead of `stdio`. */
void child_main(const struct proc_spec *s, int rep, int cg, const int stdio[3], int console)
	__attribute__((noreturn));

#endif
