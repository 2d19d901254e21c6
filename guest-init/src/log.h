/*
 * The log port: container main processes' stdout/stderr as PP_MSG_LOG
 * records. The host keeps the port in a file, so nothing needs to be
 * attached for output to be kept. A full port never blocks the loop: the
 * record is dropped and counted.
 */
#ifndef PEAPOD_LOG_H
#define PEAPOD_LOG_H

#include <stddef.h>
#include <stdint.h>

struct channel;

void log_init(struct channel *port);
void log_record(const char *container, uint32_t stream, const void *data, size_t len);
uint64_t log_dropped(void);

#endif
