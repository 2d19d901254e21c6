/*
 * Volumes of files. See files.h and proto.h ("Volumes of files").
 *
 * Everything here happens relative to descriptors guest-init opened itself:
 * the volume's root (kept from START_POD) and the revision being written.
 * Paths from the host are checked (pp_valid_volume_file_path) and then
 * walked one component at a time with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS); files are created O_EXCL | O_NOFOLLOW. Containers
 * mount the volume read-only, but one holding CAP_SYS_ADMIN can remount its
 * view writable and plant symlinks: then an update fails, it never writes
 * outside the revision.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "proto.h"
#include "request.h"
#include "util.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define FILES_RESOLVE_BENEATH 0x08
#define FILES_RESOLVE_NO_SYMLINKS 0x04
#define FILES_RESOLVE_NO_MAGICLINKS 0x02

#define MAX_FILE_VOLUMES 64
#define REVISION_NAME 96
#define DATA_LINK "..data"
#define DATA_TMP "..data_tmp"
/* The tmpfs holds the old revision and the new one at once during a commit. */
#define VOLUME_TMPFS_BYTES (2ull * PP_MAX_POD_FILE_BYTES + 1024ull * 1024ull)
#define VOLUME_TMPFS_INODES 16384

struct files_volume {
	char name[64];
	int root;                        /* O_DIRECTORY fd of the tmpfs */
	char current[REVISION_NAME];     /* the published revision, "" before the first */
	uint64_t bytes;                  /* what it holds */
	uint32_t count;
	char staging[REVISION_NAME];     /* a revision being written, "" when none */
	int staging_fd;
	uint64_t announced_bytes, written_bytes;
	uint32_t announced_count, created_count;
};

static struct files_volume volumes[MAX_FILE_VOLUMES];
static size_t n_volumes;

struct how {
	unsigned long long flags, mode, resolve;
};

/* openat2 beneath `dirfd`, never through a symlink. */
static int open_beneath(int dirfd, const char *name, int flags)
{
	struct how how;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW);
	how.resolve = FILES_RESOLVE_BENEATH | FILES_RESOLVE_NO_SYMLINKS | FILES_RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

static struct files_volume *find(const char *name)
{
	size_t i;

	for (i = 0; name && i < n_volumes; i++) {
		if (strcmp(volumes[i].name, name) == 0)
			return &volumes[i];
	}
	return NULL;
}

int files_is_volume(const char *name)
{
	return find(name) != NULL;
}

int files_volume_create(const char *name, const char *path, char *err, size_t errlen)
{
	struct files_volume *v;
	char opts[96];

	if (n_volumes == MAX_FILE_VOLUMES) {
		snprintf(err, errlen, "too many volumes of files (at most %d)", MAX_FILE_VOLUMES);
		return EINVAL;
	}
	snprintf(opts, sizeof(opts), "mode=0755,size=%llu,nr_inodes=%d",
		 (unsigned long long)VOLUME_TMPFS_BYTES, VOLUME_TMPFS_INODES);
	if (mkdir_p(path, 0755) < 0 ||
	    mount("tmpfs", path, "tmpfs", MS_NODEV | MS_NOSUID, opts) < 0) {
		snprintf(err, errlen, "cannot create volume \"%s\": %s", name, strerror(errno));
		return errno ? errno : EIO;
	}
	v = &volumes[n_volumes];
	memset(v, 0, sizeof(*v));
	v->root = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (v->root < 0) {
		snprintf(err, errlen, "cannot open volume \"%s\": %s", name, strerror(errno));
		umount2(path, MNT_DETACH);
		return errno;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->staging_fd = -1;
	n_volumes++;
	return 0;
}

void files_volumes_end(void)
{
	size_t i;

	for (i = 0; i < n_volumes; i++) {
		if (volumes[i].staging_fd >= 0)
			close(volumes[i].staging_fd);
		close(volumes[i].root);
	}
	n_volumes = 0;
}

/* Removes entry `name` of `dirfd` and, for a directory, all in it, without
 * following any symlink. Depth is bounded by the path rules (4095 bytes). */
static int remove_tree(int dir, const char *name, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, rc = 0;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir, name, 0);
	if (depth > 2100) {
		errno = ELOOP;
		return -1;
	}
	fd = open_beneath(dir, name, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (remove_tree(dirfd(d), e->d_name, depth + 1) < 0)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(dir, name, AT_REMOVEDIR) < 0)
		rc = -1;
	return rc;
}

static void drop_staging(struct files_volume *v)
{
	if (v->staging_fd >= 0)
		close(v->staging_fd);
	v->staging_fd = -1;
	if (v->staging[0] && remove_tree(v->root, v->staging, 0) < 0)
		say("volume %s: cannot remove revision %s: %s", v->name, v->staging, strerror(errno));
	v->staging[0] = 0;
	v->announced_bytes = v->written_bytes = 0;
	v->announced_count = v->created_count = 0;
}

/* A new revision directory "..YYYY_MM_DD_HH_MM_SS.NNNNNNNNN" (the kubelet's
 * naming); another nanosecond if that name is taken. */
static int make_revision(struct files_volume *v)
{
	struct timespec ts;
	struct tm tm;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	for (i = 0; i < 1000; i++) {
		snprintf(v->staging, sizeof(v->staging), "..%04d_%02d_%02d_%02d_%02d_%02d.%09ld",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (ts.tv_nsec + i) % 1000000000L);
		if (mkdirat(v->root, v->staging, 0755) == 0) {
			v->staging_fd = open_beneath(v->root, v->staging, O_RDONLY | O_DIRECTORY);
			if (v->staging_fd >= 0 && fchmod(v->staging_fd, 0755) == 0)
				return 0;
			return -1;
		}
		if (errno != EEXIST)
			break;
	}
	v->staging[0] = 0;
	return -1;
}

/* What the pod's volumes of files hold or are announced to hold, leaving
 * out volume `skip`'s published revision. */
static void totals(const struct files_volume *skip, uint64_t *bytes, uint64_t *count)
{
	size_t i;

	*bytes = *count = 0;
	for (i = 0; i < n_volumes; i++) {
		if (&volumes[i] != skip) {
			*bytes += volumes[i].bytes;
			*count += volumes[i].count;
		}
		if (volumes[i].staging[0]) {
			*bytes += volumes[i].announced_bytes;
			*count += volumes[i].announced_count;
		}
	}
}

static struct files_volume *volume_of(const struct pp_request *r, struct result *res)
{
	struct files_volume *v = find(r->name);

	if (!v)
		result_error(res, ENOENT, NULL, NULL, "no volume of files \"%s\"", r->name ? r->name : "");
	return v;
}

void files_begin(const struct pp_request *r, struct result *res)
{
	struct files_volume *v = volume_of(r, res);
	uint64_t bytes, count;

	if (!v)
		return;
	drop_staging(v);
	totals(v, &bytes, &count);
	if (r->file_bytes > PP_MAX_POD_FILE_BYTES || bytes + r->file_bytes > PP_MAX_POD_FILE_BYTES) {
		result_error(res, E2BIG, NULL, NULL, "volume \"%s\": %llu bytes of files would make the pod's"
			     " volumes of files hold more than %u bytes", v->name,
			     (unsigned long long)r->file_bytes, PP_MAX_POD_FILE_BYTES);
		return;
	}
	if (r->file_count > PP_MAX_POD_FILES || count + r->file_count > PP_MAX_POD_FILES) {
		result_error(res, E2BIG, NULL, NULL, "volume \"%s\": %u files would make the pod's volumes of"
			     " files hold more than %u files", v->name, r->file_count, PP_MAX_POD_FILES);
		return;
	}
	if (make_revision(v) < 0) {
		result_error(res, errno ? errno : EIO, NULL, NULL, "volume \"%s\": cannot make a revision: %s",
			     v->name, strerror(errno));
		drop_staging(v);
		return;
	}
	v->announced_bytes = r->file_bytes;
	v->announced_count = r->file_count;
}

/* The directory `path` lies in, created (0755) as needed under the
 * revision, as an fd; *base is the last component. -1 with errno. */
static int parent_dir(int top, const char *path, const char **base)
{
	char part[256];
	const char *p = path;
	int dir = dup(top);

	while (dir >= 0) {
		const char *e = strchr(p, '/');
		size_t len;
		int next;

		if (!e) {
			*base = p;
			return dir;
		}
		len = (size_t)(e - p);
		memcpy(part, p, len); /* len <= 255: the path was checked */
		part[len] = 0;
		next = open_beneath(dir, part, O_RDONLY | O_DIRECTORY);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(dir, part, 0755) == 0 || errno == EEXIST)
				next = open_beneath(dir, part, O_RDONLY | O_DIRECTORY);
			if (next >= 0)
				fchmod(next, 0755);
		}
		close(dir);
		dir = next;
		p = e + 1;
	}
	return -1;
}

static int write_chunk(struct files_volume *v, const struct pp_file *f, char *err, size_t errlen)
{
	const char *base = NULL;
	struct stat st;
	int dir, fd, e;

	dir = parent_dir(v->staging_fd, f->path, &base);
	if (dir < 0) {
		e = errno;
		snprintf(err, errlen, "volume \"%s\": cannot make the directories of \"%s\": %s", v->name, f->path,
			 strerror(e));
		return e;
	}
	if (f->offset == 0) {
		if (v->created_count == v->announced_count) {
			close(dir);
			snprintf(err, errlen, "volume \"%s\": more files than the %u FILES_BEGIN announced", v->name,
				 v->announced_count);
			return E2BIG;
		}
		fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			v->created_count++;
	} else {
		fd = openat(dir, base, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	}
	e = errno;
	close(dir);
	if (fd < 0) {
		snprintf(err, errlen, "volume \"%s\": cannot %s \"%s\": %s", v->name,
			 f->offset == 0 ? "create" : "open", f->path, strerror(e));
		return e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != f->offset) {
		close(fd);
		snprintf(err, errlen, "volume \"%s\": \"%s\" holds %lld bytes, not FILE_OFFSET %llu", v->name,
			 f->path, (long long)st.st_size, (unsigned long long)f->offset);
		return EINVAL;
	}
	if (write_all(fd, f->data, f->data_len) < 0 ||
	    (f->offset == 0 && (fchmod(fd, (mode_t)f->mode) < 0 ||
				((f->has_uid || f->has_gid) &&
				 fchown(fd, f->has_uid ? f->uid : 0, f->has_gid ? f->gid : 0) < 0)))) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "volume \"%s\": cannot write \"%s\": %s", v->name, f->path, strerror(e));
		return e;
	}
	close(fd);
	v->written_bytes += f->data_len;
	return 0;
}

void files_write(const struct pp_request *r, struct result *res)
{
	struct files_volume *v = volume_of(r, res);
	char err[400];
	size_t i;
	int code;

	if (!v)
		return;
	if (!v->staging[0]) {
		result_error(res, EINVAL, NULL, NULL, "volume \"%s\": FILES_WRITE without FILES_BEGIN", v->name);
		return;
	}
	for (i = 0; i < r->n_files; i++) {
		const struct pp_file *f = &r->files[i];

		if (!f->path || !pp_valid_volume_file_path(f->path)) {
			result_error(res, EINVAL, NULL, NULL, "volume \"%s\": invalid file path \"%s\": relative,"
				     " without \"..\" or a component starting with \"..\"", v->name,
				     f->path ? f->path : "");
			drop_staging(v);
			return;
		}
		if (f->mode > 0777 || (f->offset == 0 && !f->has_mode)) {
			result_error(res, EINVAL, NULL, NULL, "volume \"%s\": file \"%s\": FILE_MODE must be 0 to"
				     " 0777", v->name, f->path);
			drop_staging(v);
			return;
		}
		if (f->data_len > v->announced_bytes - v->written_bytes) {
			result_error(res, E2BIG, NULL, NULL, "volume \"%s\": more bytes than the %llu FILES_BEGIN"
				     " announced", v->name, (unsigned long long)v->announced_bytes);
			drop_staging(v);
			return;
		}
		if ((code = write_chunk(v, f, err, sizeof(err))) != 0) {
			result_error(res, code, NULL, NULL, "%s", err);
			drop_staging(v);
			return;
		}
	}
}

/* Whether `name` is a top-level entry of the revision `dirfd`. */
static int in_revision(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Points top-level link `name` at ..data/name, replacing what is there. */
static int link_top(int root, const char *name)
{
	char target[300], have[300];
	ssize_t n;

	snprintf(target, sizeof(target), DATA_LINK "/%s", name);
	n = readlinkat(root, name, have, sizeof(have) - 1);
	if (n >= 0) {
		have[n] = 0;
		if (strcmp(have, target) == 0)
			return 0;
	}
	if (remove_tree(root, name, 0) < 0)
		return -1;
	return symlinkat(target, root, name);
}

/* -1: nothing changed; 1: published, but a top-level link failed (err
 * says which); 0: done. */
static int publish(struct files_volume *v, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;
	int fd;

	unlinkat(v->root, DATA_TMP, 0);
	if (symlinkat(v->staging, v->root, DATA_TMP) < 0 || renameat(v->root, DATA_TMP, v->root, DATA_LINK) < 0) {
		snprintf(err, errlen, "volume \"%s\": cannot publish revision %s: %s", v->name, v->staging,
			 strerror(errno));
		return -1;
	}
	/* The new top-level names, then the old ones that are gone. */
	fd = dup(v->staging_fd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		snprintf(err, errlen, "volume \"%s\": cannot list revision: %s", v->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && e->d_name[1] == '.')
			continue; /* "..": the paths have no such names */
		if (strcmp(e->d_name, ".") == 0)
			continue;
		if (link_top(v->root, e->d_name) < 0) {
			snprintf(err, errlen, "volume \"%s\": cannot link \"%s\": %s", v->name, e->d_name,
				 strerror(errno));
			closedir(d);
			return 1;
		}
	}
	closedir(d);
	fd = dup(v->root);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		rewinddir(d);
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' && (e->d_name[1] == 0 || e->d_name[1] == '.'))
				continue;
			if (!in_revision(v->staging_fd, e->d_name) && remove_tree(v->root, e->d_name, 0) < 0)
				say("volume %s: cannot remove %s: %s", v->name, e->d_name, strerror(errno));
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	return 0;
}

void files_commit(const struct pp_request *r, struct result *res)
{
	struct files_volume *v = volume_of(r, res);
	char err[400];
	int rc, e;

	if (!v)
		return;
	if (!v->staging[0]) {
		result_error(res, EINVAL, NULL, NULL, "volume \"%s\": FILES_COMMIT without FILES_BEGIN", v->name);
		return;
	}
	if (v->created_count != v->announced_count || v->written_bytes != v->announced_bytes) {
		result_error(res, EINVAL, NULL, NULL, "volume \"%s\": %u files of %llu bytes arrived, %u of %llu"
			     " were announced", v->name, v->created_count, (unsigned long long)v->written_bytes,
			     v->announced_count, (unsigned long long)v->announced_bytes);
		drop_staging(v);
		return;
	}
	rc = publish(v, err, sizeof(err));
	e = errno ? errno : EIO;
	if (rc < 0) {
		result_error(res, e, NULL, NULL, "%s", err);
		drop_staging(v); /* ..data still names the old revision */
		return;
	}
	if (rc > 0)
		result_error(res, e, NULL, NULL, "%s", err); /* ..data names the new one: it stays */
	if (v->current[0] && remove_tree(v->root, v->current, 0) < 0)
		say("volume %s: cannot remove revision %s: %s", v->name, v->current, strerror(errno));
	snprintf(v->current, sizeof(v->current), "%s", v->staging);
	v->bytes = v->written_bytes;
	v->count = v->created_count;
	close(v->staging_fd);
	v->staging_fd = -1;
	v->staging[0] = 0;
	v->announced_bytes = v->written_bytes = 0;
	v->announced_count = v->created_count = 0;
}
