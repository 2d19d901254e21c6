/* EXEC requests. */
#ifndef PEAPOD_EXEC_H
#define PEAPOD_EXEC_H

#include "request.h"
#include "result.h"

/* Starts the process: OK(PID), or an ERROR naming the container. */
void exec_start(const struct pp_request *r, struct result *res);

#endif
