/*
 * The single event loop's poll set. It is rebuilt from the current state
 * before every poll(): each part of guest-init adds the fds it wants now.
 * A handler is called with the fd it registered; an object whose fd changed
 * meanwhile (closed, replaced) must ignore the call, and objects are freed
 * only in the gc step after dispatch, so handlers never see freed memory.
 */
#ifndef PEAPOD_LOOP_H
#define PEAPOD_LOOP_H

typedef void (*watch_fn)(void *arg, int fd, short revents);

void pollset_add(int fd, short events, watch_fn fn, void *arg);

#endif
