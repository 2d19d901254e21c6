/* EXEC requests. */
#ifndef PEAPOD_EXEC_H
#define PEAPOD_EXEC_H

#include "request.h"

/* Starts the process and replies OK(PID), or ERROR naming the container. */
void exec_start(const struct pp_request *r);

#endif
