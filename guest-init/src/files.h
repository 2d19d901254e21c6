/*
 * Volumes of files: tmpfs volumes that only guest-init writes, filled by
 * FILES_BEGIN / FILES_WRITE / FILES_COMMIT in revisions published
 * atomically (proto.h, "Volumes of files").
 */
#ifndef PEAPOD_FILES_H
#define PEAPOD_FILES_H

#include <stddef.h>

#include "request.h"
#include "result.h"

/* START_POD: mounts the tmpfs of volume `name` at `path` and keeps a
 * descriptor of it. 0, or an errno with err set. */
int files_volume_create(const char *name, const char *path, char *err, size_t errlen);
/* The pod is gone: forgets every volume of files (pod.c unmounts them). */
void files_volumes_end(void);
/* Whether `name` is a volume of files of the running pod. */
int files_is_volume(const char *name);

void files_begin(const struct pp_request *r, struct result *res);
void files_write(const struct pp_request *r, struct result *res);
void files_commit(const struct pp_request *r, struct result *res);

#endif
