/*
 * Paths inside a container's root. See rootpath.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rootpath.h"
#include "util.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

struct open_how {
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};

int open_in(int rootfd, const char *rel, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	if (!*rel)
		rel = ".";
	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

int ensure_dir(int rootfd, const char *rel)
{
	char buf[4096];
	size_t i, len;
	int parent, fd;

	fd = open_in(rootfd, rel, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (fmt(buf, sizeof(buf), "%s", rel) < 0)
		return -1;
	len = strlen(buf);
	parent = open_in(rootfd, "", O_PATH | O_DIRECTORY);
	for (i = 0; parent >= 0 && i <= len; i++) {
		char *name;

		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		fd = open_in(rootfd, buf, O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			name = strrchr(buf, '/');
			name = name ? name + 1 : buf;
			if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
				close(parent);
				return -1;
			}
			fd = open_in(rootfd, buf, O_PATH | O_DIRECTORY);
		}
		close(parent);
		parent = fd;
		if (i < len)
			buf[i] = '/';
	}
	return parent;
}

int ensure_file(int rootfd, const char *rel)
{
	char dir[4096];
	const char *name;
	int parent, fd;

	fd = open_in(rootfd, rel, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (fmt(dir, sizeof(dir), "%s", rel) < 0)
		return -1;
	name = strrchr(rel, '/');
	if (name) {
		dir[name - rel] = 0;
		name++;
	} else {
		dir[0] = 0;
		name = rel;
	}
	parent = ensure_dir(rootfd, dir);
	if (parent < 0)
		return -1;
	fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* A dangling symlink (resolv.conf -> a systemd runtime file,
		 * say): the file we bind over it replaces it, as in Docker. */
		unlinkat(parent, name, 0);
		fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	close(parent);
	if (fd < 0)
		return -1;
	close(fd);
	return open_in(rootfd, rel, O_PATH);
}

const char *fdpath(int fd, char *buf, size_t cap)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
	return buf;
}

int mount_at(int rootfd, const char *rel, int is_file, const char *src, const char *type,
	     unsigned long flags, const char *data)
{
	char p[64];
	int fd = is_file ? ensure_file(rootfd, rel) : ensure_dir(rootfd, rel);
	int rc;

	if (fd < 0)
		return -1;
	rc = mount(src, fdpath(fd, p, sizeof(p)), type, flags, data);
	close(fd);
	return rc;
}

int remount_ro(int rootfd, const char *rel, unsigned long extra)
{
	char p[64];
	int fd = open_in(rootfd, rel, O_PATH);
	struct statvfs sv;
	int rc;

	if (fd < 0)
		return -1;
	/* A remount replaces the mount's flags: keep what it already forbids
	 * (an image volume is noexec, and a read-only bind must not lift it). */
	if (fstatvfs(fd, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			extra |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			extra |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			extra |= MS_NOEXEC;
	}
	rc = mount(NULL, fdpath(fd, p, sizeof(p)), NULL,
		   MS_REMOUNT | MS_BIND | MS_RDONLY | extra, NULL);
	close(fd);
	return rc;
}
