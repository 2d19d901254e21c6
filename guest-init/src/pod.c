/*
 * The pod: hostname, the files bind-mounted over every container's
 * /etc/hosts, /etc/hostname and /etc/resolv.conf, emptyDir and hostPath
 * volumes, and destroying it all while the VM stays up for the next
 * START_POD.
 *
 * A hostPath volume is a 9p share of the host directory, mounted at
 * VOLUMES_DIR/<name> like an emptyDir, so containers bind it (and subPaths
 * of it) the same way. A hostPath of one file is shared as its directory,
 * mounted under HOSTFS_DIR, and only the file is bound at VOLUMES_DIR/<name>:
 * containers never see its neighbours.
 *
 * An image volume is an erofs image mounted as container images are (once per
 * image, shared, mounts.c), bound read-only, nodev, nosuid and noexec at
 * VOLUMES_DIR/<name>; the volume holds a reference to the image until the
 * pod is destroyed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "files.h"
#include "mounts.h"
#include "pidns.h"
#include "pod.h"
#include "podsec.h"
#include "trace.h"
#include "proto.h"
#include "request.h"
#include "share.h"
#include "util.h"

#define DEFAULT_HOSTNAME "peapod"
#define GUEST_ADDRESS "10.0.2.15" /* QEMU user networking's fixed guest address */
#define DEFAULT_DNS "10.0.2.3"
#define MAX_VOLUMES 64
#define HOSTFS_DIR "/run/peapod/shares/host"
#define FILE_MAX (64u * 1024u)

static struct {
	int started;
	char hostname[254];
	char *volumes[MAX_VOLUMES];
	struct image *volume_images[MAX_VOLUMES]; /* an image volume's image, else NULL */
	size_t n_volumes;

	int destroying;
	int power_off;     /* power off once destroyed */
	int power_off_due; /* destroyed: main.c powers off after the replies */
} pod = { 0, DEFAULT_HOSTNAME, { 0 }, { 0 }, 0, 0, 0, 0 };

int pod_started(void)
{
	return pod.started;
}

int pod_destroying(void)
{
	return pod.destroying;
}

int pod_power_off_due(void)
{
	return pod.power_off_due;
}

const char *pod_hostname(void)
{
	return pod.hostname;
}

int pod_has_volume(const char *name)
{
	size_t i;

	for (i = 0; i < pod.n_volumes; i++) {
		if (strcmp(pod.volumes[i], name) == 0)
			return 1;
	}
	return 0;
}

/* One line of a config file: printable, no newline. */
static int valid_line(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 0;
	}
	return 1;
}

static int valid_word(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		if ((unsigned char)*s <= 0x20)
			return 0;
	}
	return 1;
}

struct text {
	char *p;
	size_t len;
	int overflow;
};

static void add(struct text *t, const char *a, const char *b)
{
	int n = snprintf(t->p + t->len, FILE_MAX - t->len, "%s%s\n", a, b);

	if (n < 0 || (size_t)n >= FILE_MAX - t->len)
		t->overflow = 1;
	else
		t->len += (size_t)n;
}

static int write_pod_files(const struct pp_request *r, char *err, size_t errlen)
{
	struct text t = { xmalloc(FILE_MAX), 0, 0 };
	size_t i;
	int rc = -1;

	if (mkdir_p(POD_DIR, 0755) < 0) {
		snprintf(err, errlen, "cannot create " POD_DIR ": %s", strerror(errno));
		goto out;
	}
	add(&t, pod.hostname, "");
	if (write_file(POD_DIR "/hostname", t.p, t.len, 0644) < 0)
		goto io;

	t.len = 0;
	add(&t, "127.0.0.1\tlocalhost", "");
	add(&t, "::1\tlocalhost ip6-localhost ip6-loopback", "");
	add(&t, GUEST_ADDRESS "\t", pod.hostname);
	for (i = 0; i < r->n_hosts_line; i++)
		add(&t, r->hosts_line[i], "");
	if (t.overflow) {
		snprintf(err, errlen, "HOSTS_LINE entries are too long");
		goto out;
	}
	if (write_file(POD_DIR "/hosts", t.p, t.len, 0644) < 0)
		goto io;

	t.len = 0;
	for (i = 0; i < r->n_dns_server; i++)
		add(&t, "nameserver ", r->dns_server[i]);
	if (r->n_dns_server == 0)
		add(&t, "nameserver ", DEFAULT_DNS);
	if (r->n_dns_search > 0) {
		add(&t, "search", "");
		t.len--; /* continue the line */
		for (i = 0; i < r->n_dns_search; i++) {
			add(&t, " ", r->dns_search[i]);
			t.len--;
		}
		add(&t, "", "");
	}
	if (r->n_dns_option > 0) {
		add(&t, "options", "");
		t.len--;
		for (i = 0; i < r->n_dns_option; i++) {
			add(&t, " ", r->dns_option[i]);
			t.len--;
		}
		add(&t, "", "");
	}
	if (t.overflow) {
		snprintf(err, errlen, "DNS settings are too long");
		goto out;
	}
	if (write_file(POD_DIR "/resolv.conf", t.p, t.len, 0644) < 0)
		goto io;
	rc = 0;
	goto out;
io:
	snprintf(err, errlen, "cannot write pod files: %s", strerror(errno));
out:
	free(t.p);
	return rc;
}

static void unmount_volumes(void)
{
	size_t i;

	files_volumes_end();
	for (i = 0; i < pod.n_volumes; i++) {
		char path[300];

		if (fmt(path, sizeof(path), VOLUMES_DIR "/%s", pod.volumes[i]) >= 0) {
			umount2(path, MNT_DETACH);
			if (rmdir(path) < 0 && errno == ENOTDIR)
				unlink(path); /* the mount point of a one-file hostPath */
		}
		if (fmt(path, sizeof(path), HOSTFS_DIR "/%s", pod.volumes[i]) >= 0 &&
		    umount2(path, MNT_DETACH) == 0)
			rmdir(path);
		if (pod.volume_images[i])
			image_put(pod.volume_images[i]);
		pod.volume_images[i] = NULL;
		free(pod.volumes[i]);
	}
	pod.n_volumes = 0;
}

/* A hostPath volume: its 9p share at `path`, or for one file, the share
 * under HOSTFS_DIR and the file bound at `path`. 0, or -1 with *code/err. */
static int mount_host_volume(const struct pp_volume *v, const char *path, int *code, char *err,
			     size_t errlen)
{
	char share[300], file[600];
	int fd;

	if (!pp_valid_file_name(v->host_tag, 80) ||
	    (v->host_file && !pp_valid_file_name(v->host_file, 255))) {
		*code = EINVAL;
		snprintf(err, errlen, "volume \"%s\": invalid host tag \"%s\" or file \"%s\"", v->name,
			 v->host_tag, v->host_file ? v->host_file : "");
		return -1;
	}
	if (!v->host_file) {
		*code = share_mount(v->host_tag, path, v->readonly != 0, err, errlen);
		return *code ? -1 : 0;
	}
	snprintf(share, sizeof(share), HOSTFS_DIR "/%s", v->name);
	if ((*code = share_mount(v->host_tag, share, v->readonly != 0, err, errlen)) != 0)
		return -1;
	snprintf(file, sizeof(file), "%s/%s", share, v->host_file);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	if (fd < 0 || mount(file, path, NULL, MS_BIND, NULL) < 0) {
		*code = errno;
		snprintf(err, errlen, "volume \"%s\": cannot bind host file \"%s\": %s", v->name,
			 v->host_file, strerror(errno));
		unlink(path);
		umount2(share, MNT_DETACH);
		rmdir(share);
		return -1;
	}
	return 0;
}

/* An image volume: the image mounted (or shared) as a container's, bound
 * read-only at `path`. The image, or NULL with *code/err. */
static struct image *mount_image_volume(const struct pp_volume *v, const char *path, int *code,
					char *err, size_t errlen)
{
	struct image *img;

	if (v->image && v->image_file) {
		*code = EINVAL;
		snprintf(err, errlen, "volume \"%s\": IMAGE and IMAGE_FILE both given", v->name);
		return NULL;
	}
	if ((v->image && !image_serial_valid(v->image)) ||
	    (v->image_file && !pp_valid_file_name(v->image_file, PP_MAX_IMAGE_FILE))) {
		*code = EINVAL;
		snprintf(err, errlen, "volume \"%s\": invalid image \"%s\"", v->name,
			 v->image ? v->image : v->image_file);
		return NULL;
	}
	img = image_get(v->image, v->image_file, code, err, errlen);
	if (!img)
		return NULL;
	/* A bind takes the flags of its source until remounted: read-only,
	 * and no device nodes, setuid bits or programs from the image, as
	 * Kubernetes mounts an image volume (ro, noexec). */
	if (mkdir_p(path, 0755) < 0 || mount(image_dir(img), path, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, path, NULL,
		  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC, NULL) < 0) {
		*code = errno;
		snprintf(err, errlen, "volume \"%s\": cannot mount its image: %s", v->name,
			 strerror(errno));
		umount2(path, MNT_DETACH);
		rmdir(path);
		image_put(img);
		return NULL;
	}
	return img;
}

static int mount_volumes(const struct pp_request *r, int *code, char *err, size_t errlen)
{
	size_t i, j;

	if (r->n_volumes > MAX_VOLUMES) {
		*code = EINVAL;
		snprintf(err, errlen, "too many volumes (at most %d)", MAX_VOLUMES);
		return -1;
	}
	for (i = 0; i < r->n_volumes; i++) {
		const struct pp_volume *v = &r->volumes[i];
		char path[300], opts[64] = "mode=0777";

		if (!v->name || !pp_valid_name(v->name, PP_MAX_CONTAINER_NAME)) {
			*code = EINVAL;
			snprintf(err, errlen, "invalid volume name \"%s\"", v->name ? v->name : "");
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(r->volumes[j].name, v->name) == 0) {
				*code = EINVAL;
				snprintf(err, errlen, "volume \"%s\" is declared twice", v->name);
				return -1;
			}
		}
		snprintf(path, sizeof(path), VOLUMES_DIR "/%s", v->name);
		if (v->files) {
			if (v->host_tag) {
				*code = EINVAL;
				snprintf(err, errlen, "volume \"%s\": FILES with HOST_TAG", v->name);
				return -1;
			}
			if ((*code = files_volume_create(v->name, path, err, errlen)) != 0)
				return -1;
			pod.volumes[pod.n_volumes++] = xstrdup(v->name);
			continue;
		}
		if (v->image || v->image_file) {
			struct image *img = mount_image_volume(v, path, code, err, errlen);

			if (!img)
				return -1;
			pod.volume_images[pod.n_volumes] = img;
			pod.volumes[pod.n_volumes++] = xstrdup(v->name);
			continue;
		}
		if (v->host_tag) {
			if (!v->host_file && mkdir_p(path, 0755) < 0) {
				*code = errno;
				snprintf(err, errlen, "cannot create volume \"%s\": %s", v->name,
					 strerror(errno));
				return -1;
			}
			if (mount_host_volume(v, path, code, err, errlen) < 0)
				return -1;
			pod.volumes[pod.n_volumes++] = xstrdup(v->name);
			continue;
		}
		if (v->has_mode && v->mode > 01777) {
			*code = EINVAL;
			snprintf(err, errlen, "volume \"%s\": mode %#o is not in 0-01777", v->name,
				 v->mode);
			return -1;
		}
		snprintf(opts, sizeof(opts), "mode=%04o", v->has_mode ? v->mode : 0777u);
		if (v->size_limit)
			snprintf(opts, sizeof(opts), "mode=%04o,size=%llu", v->has_mode ? v->mode : 0777u,
				 (unsigned long long)v->size_limit);
		if (mkdir_p(path, 0755) < 0 ||
		    mount("tmpfs", path, "tmpfs", MS_NODEV | MS_NOSUID, opts) < 0) {
			*code = errno;
			snprintf(err, errlen, "cannot create volume \"%s\": %s", v->name, strerror(errno));
			return -1;
		}
		pod.volumes[pod.n_volumes++] = xstrdup(v->name);
		if ((*code = podsec_volume(path, v->has_mode ? v->mode : 0777u, err, errlen)) != 0)
			return -1;
	}
	return 0;
}

static int set_pids_max(uint64_t max, char *err, size_t errlen);

void pod_start(const struct pp_request *r, struct result *res)
{
	char err[300];
	int code = EINVAL;
	size_t i;

	if (pod.started || pod.destroying) {
		result_error(res, EBUSY, NULL, NULL, "a pod is already running (DESTROY_POD first)");
		return;
	}
	if (!r->hostname || !pp_valid_hostname(r->hostname)) {
		result_error(res, EINVAL, NULL, NULL, "invalid hostname \"%s\"",
			     r->hostname ? r->hostname : "");
		return;
	}
	for (i = 0; i < r->n_dns_server; i++) {
		unsigned char addr[16];

		if (inet_pton(AF_INET, r->dns_server[i], addr) != 1 &&
		    inet_pton(AF_INET6, r->dns_server[i], addr) != 1) {
			result_error(res, EINVAL, NULL, NULL, "invalid DNS server \"%s\"",
				     r->dns_server[i]);
			return;
		}
	}
	for (i = 0; i < r->n_dns_search; i++) {
		if (!valid_word(r->dns_search[i])) {
			result_error(res, EINVAL, NULL, NULL, "invalid DNS search domain \"%s\"",
				     r->dns_search[i]);
			return;
		}
	}
	for (i = 0; i < r->n_dns_option; i++) {
		if (!valid_word(r->dns_option[i])) {
			result_error(res, EINVAL, NULL, NULL, "invalid DNS option \"%s\"",
				     r->dns_option[i]);
			return;
		}
	}
	for (i = 0; i < r->n_hosts_line; i++) {
		if (!valid_line(r->hosts_line[i])) {
			result_error(res, EINVAL, NULL, NULL, "HOSTS_LINE %zu contains a control character",
				     i + 1);
			return;
		}
	}
	if (PP_HAS(r, PP_F_TIME_NS) && r->time_ns > 0) {
		struct timespec ts = { (time_t)(r->time_ns / 1000000000u),
				       (long)(r->time_ns % 1000000000u) };

		/* The guest has no trustworthy clock of its own. */
		if (clock_settime(CLOCK_REALTIME, &ts) < 0)
			say("clock_settime: %s", strerror(errno));
	}
	snprintf(pod.hostname, sizeof(pod.hostname), "%s", r->hostname);
	if (sethostname(pod.hostname, strlen(pod.hostname)) < 0) {
		result_error(res, errno, NULL, NULL, "sethostname: %s", strerror(errno));
		return;
	}
	if (write_pod_files(r, err, sizeof(err)) < 0) {
		result_error(res, EIO, NULL, NULL, "%s", err);
		return;
	}
	if ((code = podsec_start(r, err, sizeof(err))) != 0) {
		result_error(res, code, NULL, NULL, "%s", err);
		return;
	}
	if (mount_volumes(r, &code, err, sizeof(err)) < 0) {
		unmount_volumes();
		podsec_end();
		result_error(res, code, NULL, NULL, "%s", err);
		return;
	}
	if (set_pids_max(r->pids_max, err, sizeof(err)) < 0) {
		unmount_volumes();
		podsec_end();
		result_error(res, EIO, NULL, NULL, "%s", err);
		return;
	}
	pod.started = 1;
}

/*
 * Kubernetes' pod-level limits.pids: the pod cgroup, parent of every
 * container's, holds at most `max` tasks (0: no limit, "max" again, as a
 * destroyed pod leaves it for the next START_POD).
 */
static int set_pids_max(uint64_t max, char *err, size_t errlen)
{
	char value[32];

	if (max == 0)
		snprintf(value, sizeof(value), "max");
	else
		snprintf(value, sizeof(value), "%llu", (unsigned long long)max);
	if (write_str(POD_CGROUP "/pids.max", value) < 0) {
		snprintf(err, errlen, "cannot limit the pod to %s tasks: " POD_CGROUP "/pids.max: %s",
			 value, strerror(errno));
		return -1;
	}
	return 0;
}

static void finish_destroy(void)
{
	static const char *const files[] = { "hosts", "hostname", "resolv.conf" };
	size_t i;

	TRACE("containers gone");
	pidns_pod_ended();
	unmount_volumes();
	podsec_end();
	{
		char err[160];

		if (set_pids_max(0, err, sizeof(err)) < 0)
			say("%s", err);
	}
	for (i = 0; i < ARRAY_LEN(files); i++) {
		char path[64];

		snprintf(path, sizeof(path), POD_DIR "/%s", files[i]);
		unlink(path);
	}
	snprintf(pod.hostname, sizeof(pod.hostname), DEFAULT_HOSTNAME);
	sethostname(pod.hostname, strlen(pod.hostname));
	pod.started = 0;
	pod.destroying = 0;
	pod.power_off_due = pod.power_off;
	TRACE("pod destroyed");
}

void pod_destroy(uint32_t grace_ms, int power_off)
{
	TRACE("DESTROY_POD begins");
	pod.power_off |= power_off;
	pod.destroying = 1;
	container_remove_all(grace_ms);
	pod_check();
}

void pod_check(void)
{
	if (pod.destroying && container_count() == 0)
		finish_destroy();
}
