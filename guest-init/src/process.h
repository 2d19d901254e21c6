/*
 * Processes started by guest-init: a container's main process and exec'd
 * processes. Spawning (fork, enter the container, user, env, PATH lookup,
 * exec with errors reported synchronously), their stdio (pipes or a pty),
 * and what happens when they exit.
 */
#ifndef PEAPOD_PROCESS_H
#define PEAPOD_PROCESS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "request.h"
#include "util.h"

/* PROC_PROBE: a probe's or hook's exec (probe.c): like PROC_EXEC, but its
 * output is discarded, its end goes to on_exit and never to the host. */
enum proc_kind { PROC_MAIN, PROC_EXEC, PROC_PROBE };

struct proc {
	struct proc *next;
	char id[PP_MAX_PROCESS_ID + 1];
	char container[PP_MAX_CONTAINER_NAME + 1];
	enum proc_kind kind;
	pid_t pid;
	int alive;     /* not reaped yet */
	int finished;  /* exit reported; only output draining may remain */
	int exit_code; /* status, or 128+signal */
	int exit_signal;
	int tty;
	int out_fd;    /* stdout pipe, or the pty master */
	int err_fd;    /* stderr pipe; -1 with a tty */
	int in_fd;     /* stdin pipe or pty master (exec, or a main process with stdin/tty) */
	uint8_t *in_buf; /* stdin not yet accepted by the process */
	size_t in_len;
	int in_eof;    /* close stdin once in_buf is written */
	struct timer drain_timer;
	int to_host;   /* main process: its output also goes to the attached host (attach.c) */
	void (*on_exit)(void *arg, int exit_code); /* PROC_PROBE; NULL once detached */
	void *on_exit_arg;
};

/* What to run. Strings are borrowed for the duration of proc_spawn(). */
struct proc_spec {
	enum proc_kind kind;
	const char *container;
	const char *id;
	const char *const *argv;
	const char *const *env;
	const char *cwd;      /* NULL: "/" */
	const char *user;     /* NULL: root */
	const char *hostname; /* for the default HOSTNAME variable */
	int tty;
	int open_stdin;       /* main process: a stdin pipe instead of /dev/null */
	uint16_t rows, cols;
	pid_t pty_pid;        /* exec tty: open the pty in this process's root (its devpts);
	                         a main process's tty is made by the child in its own devpts */
	const struct pp_security *security; /* NULL: runc's defaults */
	/* Runs in the child first: enters the container's mounts and root.
	 * Returns 0, or an errno with `err` set. */
	int (*enter)(const void *arg, char *err, size_t errlen);
	const void *enter_arg;
	/* NULL, or runs in the process itself (in the pod's PID namespace)
	 * after `enter`, root with the container's capabilities: mounts its
	 * own /proc (mounts.h: own_proc). Same contract as `enter`. */
	int (*enter_child)(const void *arg, char *err, size_t errlen);
};

/*
 * Starts a process. On failure returns NULL with *code (errno) and err set
 * to a message without the container prefix, e.g.
 * `executable "nosuch" not found in PATH`.
 */
struct proc *proc_spawn(const struct proc_spec *s, int *code, char *err, size_t errlen);

struct proc *proc_find_id(const char *id); /* a live or draining process */
struct proc *proc_find_pid(pid_t pid);

/* SIGCHLD: reap everything that exited, dispatching to its owner. */
void proc_reap_all(void);

/*
 * Where an exec's output, and an attached main process's, goes: the host
 * channel's stream (host.c), given once by main.c, so this file never calls
 * into the host channel that calls it (requests -> process -> host).
 * `stream` sends one STDOUT/STDERR chunk; `room` says whether the channel
 * takes more now.
 */
struct proc_output {
	void (*stream)(uint16_t type, const char *process, const void *data, size_t len);
	int (*room)(void);
};
void proc_set_output(const struct proc_output *out);

/* Adds the processes' stdio fds to the poll set. */
void proc_poll(void);
/* Frees processes that are reaped and have nothing left to drain. */
void proc_gc(void);

/* STDIN: queue data for the process; len 0 means end of input. */
int proc_stdin(struct proc *p, const uint8_t *data, size_t len);
int proc_winsize(struct proc *p, uint16_t rows, uint16_t cols);
/* Reads what the main process's pipes hold right now (used at its exit). */
void proc_drain_now(struct proc *p);
/* Closes a main process's output early (container removed). */
void proc_close_output(struct proc *p);

#endif
