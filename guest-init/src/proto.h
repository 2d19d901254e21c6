/*
 * The Peapod host <-> guest wire protocol, version 1.
 *
 * This header is the whole wire format. The Java side mirrors it in
 * providers/qemu/src/main/java/dev/peapod/provider/qemu/guest/Wire.java;
 * change both together and bump PP_VERSION on any incompatible change.
 *
 * Transport: a byte stream (a virtio-serial port today, vsock later).
 * Two ports exist:
 *   "peapod.ctl"  requests, replies, events and exec streams (both ways)
 *   "peapod.log"  container stdout/stderr records, guest -> host only; the
 *                 host backs it with a file so output is kept while no host
 *                 process is attached.
 *
 * Frame (all integers big-endian):
 *
 *    0       2   3   4       6       8               12              16
 *   +-------+---+---+-------+-------+---------------+---------------+
 *   | magic |ver|flg| type  |  rsvd |      seq      |    length     |
 *   +-------+---+---+-------+-------+---------------+---------------+
 *   |                payload: `length` bytes of fields              |
 *   +---------------------------------------------------------------+
 *
 *   magic  0x5050 ("PP"); a frame with another magic or version is refused
 *          and the reader skips input until the next magic.
 *   flg    0 (reserved)
 *   type   one of PP_MSG_*
 *   rsvd   0
 *   seq    requests: chosen by the host, echoed by the reply (OK, ERROR, READY);
 *          events, log records, streams: 0
 *   length payload size, at most PP_MAX_PAYLOAD; a larger frame is answered
 *          with ERROR (EMSGSIZE) and its payload skipped.
 *
 * Payload: a sequence of fields, each
 *
 *    0       2               6
 *   +-------+---------------+--------------------+
 *   |  tag  |     len       |  value: len bytes  |
 *   +-------+---------------+--------------------+
 *
 *   Value kinds, fixed per tag:
 *     str   UTF-8 bytes, no terminator, no NUL inside
 *     u32   4 bytes;  u64  8 bytes
 *     bytes raw
 *     group a nested field sequence (used for VOLUME, MOUNT, CONTAINER_STATUS,
 *           PROBE, HOOK, FILE)
 *   A tag may repeat where the message description says "*" (argv, env ...).
 *   Unknown tags are ignored (forward compatibility within one version); a
 *   known tag with a wrong length, or a field running past the payload, makes
 *   the whole message invalid (ERROR EINVAL with a message naming the tag).
 *
 * Session:
 *   - At boot the guest sends READY (seq 0) as soon as the port is up.
 *   - Whenever a host connects it sends HELLO; the guest answers READY (seq
 *     echoed) and then re-sends every event the host has not acknowledged.
 *   - Events carry EVENT_SEQ, increasing from 1 for the life of the boot. The
 *     host acknowledges with ACK_EVENTS(EVENT_SEQ = highest seen); the guest
 *     keeps unacknowledged events (up to PP_MAX_PENDING_EVENTS, oldest dropped
 *     first) across host disconnects, so an event is never lost while the VM
 *     runs.
 *   - Every request is answered by exactly one OK or ERROR with its seq,
 *     except ACK_EVENTS, STDIN and WINSIZE, which are not answered unless
 *     they fail.
 *
 * A container's main process and an attached host (added within version 1,
 * as `docker attach` / `kubectl attach` have it):
 *   - ADD_CONTAINER may carry STDIN 1 (the main process reads a pipe the
 *     host can write, instead of /dev/null), STDIN_ONCE 1 and TTY 1 (stdin,
 *     stdout and stderr are one pty of the container's own devpts, 24x80
 *     until a WINSIZE). Every start of the main process, restarts included,
 *     gets a fresh pipe or pty.
 *   - ATTACH(CONTAINER, STDIN, OUTPUT) attaches the connected host: with
 *     OUTPUT 1 the main process's output is also sent as STDOUT/STDERR with
 *     PROCESS = the container's name (it always goes to the log port too;
 *     what the control port cannot take at once is dropped there, never
 *     slowing the process), across restarts until DETACH. With STDIN 1 the
 *     host may send STDIN and WINSIZE for PROCESS = the container's name;
 *     ATTACH with STDIN is refused (ENOTTY) unless ADD_CONTAINER had STDIN.
 *     The end of input (empty DATA) from an attached host closes the
 *     process's stdin only with STDIN_ONCE, as Docker does; otherwise stdin
 *     stays open for the next attach.
 *   - DETACH(CONTAINER), or the host disconnecting, ends the attachment. With
 *     STDIN_ONCE the first detach of a host that attached with STDIN closes
 *     the process's stdin (end of input) until the process is restarted, as
 *     Kubernetes' stdinOnce does.
 *   - The main process's exit is EVENT_EXITED as always; an attached host
 *     ends its attach session there, as docker attach does.
 *
 * Host directories (virtio-9p, 9p2000.L, trans=virtio):
 *   - The share tagged PP_IMAGE_SHARE_TAG holds erofs image files by name.
 *     guest-init mounts it read-only the first time ADD_CONTAINER names an
 *     IMAGE_FILE and loop-mounts that file; the host may add files to the
 *     share while the VM runs, which is how a replace brings in an image the
 *     VM had no block device for. The name is one path component, so a guest
 *     never opens anything outside the share.
 *   - A hostPath volume is its own share; START_POD's VOLUME group names its
 *     tag in HOST_TAG (and HOST_FILE when the volume is one file of it).
 *   Both were added within version 1: they are new tags that an older peer
 *   ignores, and bumping the version would make a new host refuse the VMs
 *   an older one started, which must stay adoptable.
 *
 * Template restore (also added within version 1):
 *   - A host may start a VM from a snapshot of a template VM that booted
 *     with no pod (QEMU migration state). Every VM restored from one
 *     template starts with the template's kernel boot id, CRNG state and a
 *     wall clock stuck at the snapshot, so right after HELLO/READY the host
 *     sends RESTORED with ENTROPY (PP_MIN_ENTROPY..PP_MAX_ENTROPY random
 *     bytes) and TIME_NS (its wall clock). The guest mixes the bytes into the
 *     kernel pool and forces a CRNG reseed, sets CLOCK_REALTIME, and takes a
 *     fresh boot id, which the OK carries in BOOT_ID and every later READY
 *     reports. It is refused (EBUSY) once START_POD ran: a running pod's
 *     boot id never changes.
 *   - RESTORED may carry FREE_PAGE_REPORTING 0: the VM's RAM is a private
 *     (copy-on-write) mapping of the template's, shared with other VMs, where
 *     the host cannot drop reported pages, so the guest stops reporting them.
 *     Absent means no change.
 *   - An older guest answers RESTORED with ERROR (unknown message type); the
 *     host then kills that VM and boots cold. Templates are keyed by the
 *     initramfs, so this only happens with a hand-made initramfs.
 *
 * Readiness notices (added within version 1; messages 0x0124-0x0125, fields
 * 0xA8-0xAF kept for them):
 *   - A third port, "peapod.evt", guest -> host only, carries notices that
 *     something a host shows changed without any request or process event:
 *     today EVENT_READINESS, sent when a running container's READY or
 *     STARTED (as STATUS reports them) changes, e.g. its readiness probe
 *     begins or stops passing. A container's start and exit are not
 *     noticed here: EVENT_STARTED / EVENT_EXITED say those.
 *   - Notices are hints, not the reliable events of the control port: no
 *     EVENT_SEQ, no acknowledgement, no replay. While no host listens (or
 *     the port's buffer is full) a container's latest READY/STARTED stays
 *     pending and is sent once a host attaches (only the latest: changes
 *     in between are not replayed); a host that attaches after another
 *     left hears every running container's state once. A host that starts
 *     listening asks STATUS for the state anyway. The port exists so that a host
 *     can hear them without holding the control port, which serves one
 *     client at a time: on the host it is the VM's lifeline socket, which
 *     a watcher holds anyway to see the VM end.
 *   - A host without the port (an older VM) hears nothing and keeps
 *     polling STATUS; an older guest ignores the port.
 *
 * Volumes of files (added within version 1; fields 0x70-0x7F, messages
 * 0x0118-0x011B): ConfigMap, Secret, downward API and HyperContainer files,
 * given by the host and kept in guest memory, never in a host directory.
 *   - A VOLUME group of START_POD with FILES 1 is a volume of files:
 *     guest-init mounts a tmpfs of its own at it (0755, root's), which only
 *     guest-init writes; a container's MOUNT of it is read-only whatever
 *     READONLY says. It is empty until its first revision is committed.
 *   - Files come in revisions, each three steps on the volume NAME:
 *
 *       FILES_BEGIN   NAME, FILE_COUNT, FILE_BYTES
 *       FILES_WRITE*  NAME, FILE*           (as many as the data needs)
 *       FILES_COMMIT  NAME
 *
 *     FILES_BEGIN announces how many files and bytes the revision holds and
 *     makes its directory; one begun before and not committed is dropped.
 *     It is refused (E2BIG) when the pod's volumes of files would then hold
 *     more than PP_MAX_POD_FILE_BYTES or PP_MAX_POD_FILES together (the
 *     volume's current revision not counted: it goes at the commit).
 *     A FILE group of FILES_WRITE is one chunk of one file:
 *
 *        FILE { FILE_PATH, FILE_MODE, FILE_OFFSET, DATA, [FILE_UID, FILE_GID] }
 *
 *     FILE_OFFSET 0 creates the file (and its directories, 0755), which must
 *     not exist yet in the revision; a later chunk has FILE_OFFSET = the
 *     bytes written so far. More files or bytes than announced: E2BIG.
 *     FILES_COMMIT checks every announced file arrived, then publishes.
 *   - A volume laid out as the kubelet's atomic writer lays it out, so
 *     programs that watch such volumes work unchanged:
 *
 *        ..2026_12_07_01_02_03.123456789/   a revision: the files
 *        ..data -> ..2026_12_07_01_02_03.123456789
 *        KEY -> ..data/KEY                  one per top-level name
 *
 *     The commit points a new link at the revision and renames it over
 *     ..data (rename(2) is atomic: a reader opening KEY sees the old files
 *     or the new ones, never a mix), adds and removes the top-level links,
 *     then deletes the old revision. A container that mounted a file of the
 *     volume with SUBPATH keeps the file of the revision it started with
 *     (a bind mount holds the inode), as in Kubernetes.
 *   - FILE_PATH: relative, '/'-separated, no empty or "." component and no
 *     component starting with ".." (so neither ".." nor the volume's own
 *     names), at most 4095 bytes, components at most 255. FILE_MODE: 0 to
 *     0777. guest-init resolves every path under directory fds it opened
 *     itself, with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) and
 *     O_NOFOLLOW | O_EXCL: a container that remounted its view of the volume
 *     writable (it needs CAP_SYS_ADMIN) and planted symlinks there makes an
 *     update fail (ELOOP, EEXIST), never makes guest-init write elsewhere.
 */
#ifndef PEAPOD_PROTO_H
#define PEAPOD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PP_MAGIC 0x5050u
#define PP_VERSION 1u
#define PP_HEADER_SIZE 16u
#define PP_MAX_PAYLOAD (1u << 20)
#define PP_MAX_DATA_CHUNK (32u * 1024u)
#define PP_MAX_PENDING_EVENTS 4096u

#define PP_CTL_PORT_NAME "peapod.ctl"
#define PP_LOG_PORT_NAME "peapod.log"
#define PP_EVT_PORT_NAME "peapod.evt" /* readiness notices, guest -> host (see above) */
#define PP_IMAGE_SHARE_TAG "peapod.images"
#define PP_MAX_IMAGE_FILE 128 /* bytes of an IMAGE_FILE name */
#define PP_MIN_ENTROPY 32u  /* bytes of ENTROPY in RESTORED */
#define PP_MAX_POD_FILE_BYTES (8u * 1024u * 1024u) /* all volumes of files of a pod together */
#define PP_MAX_POD_FILES 1024u
#define PP_MAX_ENTROPY 512u

/* ---- Message types --------------------------------------------------- */

/* guest -> host */
#define PP_MSG_READY 0x0001 /* VERSION, BOOT_ID, KERNEL */
#define PP_MSG_OK 0x0002    /* reply; PID for ADD_CONTAINER/EXEC, CONTAINER_STATUS* for STATUS */
#define PP_MSG_ERROR 0x0003 /* reply; CODE (errno), MESSAGE, [CONTAINER], [PROCESS] */
#define PP_MSG_EVENT_STARTED 0x0010 /* EVENT_SEQ, CONTAINER, PROCESS, PID, RESTARTS */
#define PP_MSG_EVENT_EXITED 0x0011  /* EVENT_SEQ, CONTAINER, PROCESS, EXIT_CODE, SIGNAL, RESTARTS */
#define PP_MSG_STDOUT 0x0020        /* PROCESS, DATA (exec streams) */
#define PP_MSG_STDERR 0x0021        /* PROCESS, DATA */
#define PP_MSG_LOG 0x0030           /* log port only: CONTAINER, STREAM, TIME_NS, DATA */
#define PP_MSG_EVENT_READINESS 0x0124 /* evt port only: CONTAINER, READY, STARTED, RESTARTS,
                                         [PROBE_MESSAGE] (see "Readiness notices") */
/* 0x0125: kept for readiness notices */

/* host -> guest */
#define PP_MSG_HELLO 0x0100      /* VERSION */
#define PP_MSG_START_POD 0x0101  /* HOSTNAME, DNS_SERVER*, DNS_SEARCH*, DNS_OPTION*,
                                    HOSTS_LINE*, TIME_NS, VOLUME*, [POD, FS_GROUP, SYSCTL*] */
#define PP_MSG_ADD_CONTAINER 0x0102 /* CONTAINER, IMAGE or IMAGE_FILE, ARGV*, ENV*, CWD,
                                       USER, RESTART, BACKOFF_MS, MOUNT*, [GRACE_MS],
                                       [CAPS, NO_NEW_PRIVS, SECCOMP, READONLY_ROOT,
                                       RUN_AS_NON_ROOT, GROUP_ID*, GROUPS_STRICT,
                                       STDIN, STDIN_ONCE, TTY] */
#define PP_MSG_SIGNAL 0x0103     /* CONTAINER or PROCESS, SIGNAL */
#define PP_MSG_EXEC 0x0104       /* CONTAINER, PROCESS, ARGV*, ENV*, CWD, USER, TTY, ROWS, COLS */
#define PP_MSG_STDIN 0x0105      /* PROCESS, DATA (empty DATA = end of input) */
#define PP_MSG_WINSIZE 0x0106    /* PROCESS, ROWS, COLS */
#define PP_MSG_REMOVE_CONTAINER 0x0107 /* CONTAINER, GRACE_MS; OK once it is gone */
#define PP_MSG_DESTROY_POD 0x0108      /* GRACE_MS; all containers gone, VM kept */
#define PP_MSG_SHUTDOWN 0x0109         /* GRACE_MS; OK, then power off */
#define PP_MSG_ACK_EVENTS 0x010A       /* EVENT_SEQ */
#define PP_MSG_PING 0x010B             /* OK */
#define PP_MSG_STATUS 0x010C           /* OK with HOSTNAME, CONTAINER_STATUS* */
#define PP_MSG_RESTORED 0x010D         /* ENTROPY, TIME_NS; OK with BOOT_ID (see above) */
#define PP_MSG_ATTACH 0x0110           /* CONTAINER, STDIN, OUTPUT (see above) */
#define PP_MSG_DETACH 0x0111           /* CONTAINER */
#define PP_MSG_FILES_BEGIN 0x0118      /* NAME, FILE_COUNT, FILE_BYTES (see "Volumes of files") */
#define PP_MSG_FILES_WRITE 0x0119      /* NAME, FILE* */
#define PP_MSG_FILES_COMMIT 0x011A     /* NAME */
/* 0x011B: kept for volumes of files */

/* ---- Field tags ------------------------------------------------------ */

#define PP_F_VERSION 0x01     /* u32 */
#define PP_F_BOOT_ID 0x02     /* str */
#define PP_F_KERNEL 0x03      /* str: uname release */
#define PP_F_CODE 0x04        /* u32: errno value */
#define PP_F_MESSAGE 0x05     /* str: human-readable error */
#define PP_F_CONTAINER 0x06   /* str: container name, [a-z0-9-], <= 63 */
#define PP_F_PROCESS 0x07     /* str: process id; a container's main process has id == container name */
#define PP_F_PID 0x08         /* u32 */
#define PP_F_EXIT_CODE 0x09   /* u32: exit status, or 128+signal */
#define PP_F_SIGNAL 0x0A      /* u32: signal number, 0 when the process exited */
#define PP_F_EVENT_SEQ 0x0B   /* u64 */
#define PP_F_DATA 0x0C        /* bytes, <= PP_MAX_DATA_CHUNK */
#define PP_F_STREAM 0x0D      /* u32: 1 stdout, 2 stderr */
#define PP_F_TIME_NS 0x0E     /* u64: nanoseconds since the Unix epoch */
#define PP_F_HOSTNAME 0x10    /* str */
#define PP_F_DNS_SERVER 0x11  /* str*, IPv4/IPv6 literal */
#define PP_F_DNS_SEARCH 0x12  /* str* */
#define PP_F_DNS_OPTION 0x13  /* str*, e.g. "ndots:2" */
#define PP_F_HOSTS_LINE 0x14  /* str*, one /etc/hosts line "ip name [alias...]" */
#define PP_F_VOLUME 0x15      /* group*: NAME, SIZE_LIMIT, [HOST_TAG, READONLY, HOST_FILE, FILES],
                                 [IMAGE or IMAGE_FILE: an image volume], [VOLUME_MODE] */
#define PP_F_NAME 0x16        /* str */
#define PP_F_SIZE_LIMIT 0x17  /* u64 bytes, 0 = no limit */
#define PP_F_IMAGE 0x20       /* str: virtio-blk serial of the image device (<= 20 bytes) */
#define PP_F_ARGV 0x21        /* str*, argv[0] first; resolved against PATH of ENV */
#define PP_F_ENV 0x22         /* str*, "KEY=value" */
#define PP_F_CWD 0x23         /* str, absolute */
#define PP_F_USER 0x24        /* str: "uid", "uid:gid", "name" or "name:group" */
#define PP_F_RESTART 0x25     /* u32: PP_RESTART_* */
#define PP_F_BACKOFF_MS 0x26  /* u32: first restart delay; doubles to 300 s */
#define PP_F_MOUNT 0x27       /* group*: NAME (volume), PATH, READONLY, SUBPATH */
#define PP_F_PATH 0x28        /* str, absolute path inside the container */
#define PP_F_READONLY 0x29    /* u32: 0/1 */
#define PP_F_SUBPATH 0x2A     /* str, relative, no ".." */
#define PP_F_GRACE_MS 0x2B    /* u32: SIGTERM, then SIGKILL after this long */
#define PP_F_TTY 0x2C         /* u32: 0/1 */
#define PP_F_ROWS 0x2D        /* u32 */
#define PP_F_COLS 0x2E        /* u32 */
#define PP_F_IMAGE_FILE 0x2F  /* str: erofs file in the PP_IMAGE_SHARE_TAG share, instead of IMAGE;
                                 one component of [A-Za-z0-9._-], not "." or "..",
                                 <= PP_MAX_IMAGE_FILE bytes */
#define PP_F_HOST_TAG 0x33    /* str: 9p mount tag of a hostPath volume; SIZE_LIMIT is then unused */
#define PP_F_HOST_FILE 0x34   /* str: the volume is this one file of the share (IMAGE_FILE rules) */
#define PP_F_ENTROPY 0x35      /* bytes: PP_MIN_ENTROPY..PP_MAX_ENTROPY random bytes */
#define PP_F_FREE_PAGE_REPORTING 0x36 /* u32: 0 turns the kernel's free page reporting off (RESTORED) */
/* Kubernetes securityContext (0x48-0x57; see secctx.h). ADD_CONTAINER: */
#define PP_F_CAPS 0x48           /* u64: capability bounding set (bit N: capability N); absent:
                                    Docker's default set. Root gets exactly these after execve,
                                    another user none (as with runc) */
#define PP_F_NO_NEW_PRIVS 0x49   /* u32: 0 lets setuid bits and file capabilities work
                                    (allowPrivilegeEscalation: true); absent: 1 */
#define PP_F_SECCOMP 0x4A        /* u32: PP_SECCOMP_*; absent: RUNTIME_DEFAULT */
#define PP_F_READONLY_ROOT 0x4B  /* u32: 1 mounts the container's root read-only */
#define PP_F_RUN_AS_NON_ROOT 0x4C /* u32: 1 refuses to start a process whose uid is 0 */
#define PP_F_GROUP_ID 0x4D       /* u32*: supplementary group (supplementalGroups, fsGroup) */
#define PP_F_GROUPS_STRICT 0x4E  /* u32: 1 leaves out the groups /etc/group gives the user */
/* START_POD: */
#define PP_F_FS_GROUP 0x50       /* u32: emptyDir volumes are owned by this group, setgid */
#define PP_F_SYSCTL 0x51         /* str*: "net/ipv4/ip_local_port_range=1024 65000", a path under
                                    /proc/sys (net/, kernel/shm*, kernel/msg*, kernel/sem,
                                    fs/mqueue/), restored when the pod is destroyed */
#define PP_F_POD 0x52            /* str: the pod's name, for messages */
/* Pod-level resources (0x80 up; k8sdocs). START_POD: */
/* Volumes of files (0x70-0x7F; see "Volumes of files"): */
#define PP_F_FILES 0x70          /* u32 in VOLUME: 1 = a volume of files */
#define PP_F_FILE 0x71           /* group*: FILE_PATH, FILE_MODE, FILE_OFFSET, DATA, [FILE_UID, FILE_GID] */
#define PP_F_FILE_PATH 0x72      /* str: relative to the volume (rules above) */
#define PP_F_FILE_MODE 0x73      /* u32: 0..0777 */
#define PP_F_FILE_OFFSET 0x74    /* u64: where DATA goes; 0 creates the file */
#define PP_F_FILE_UID 0x75       /* u32: owner; absent: root */
#define PP_F_FILE_GID 0x76       /* u32: group; absent: root */
#define PP_F_FILE_COUNT 0x77     /* u32: files of the revision (FILES_BEGIN) */
#define PP_F_FILE_BYTES 0x78     /* u64: bytes of the revision (FILES_BEGIN) */
#define PP_F_PIDS_MAX 0x80       /* u64: at most this many tasks in all the pod's containers
                                    together (pids.max of the pod cgroup, Kubernetes' pod-level
                                    limits.pids); absent or 0: no limit */
/* Volumes of the Kubernetes docs' shapes (0x88-0x8F; k8sdocs2). In START_POD's VOLUME group: */
#define PP_F_VOLUME_MODE 0x88    /* u32: an emptyDir's permission bits, 0-01777 (emptyDir.mode);
                                    absent: 0777. fsGroup adds 02770 over it, as the kubelet does */
/* A VOLUME group with IMAGE (a device serial) or IMAGE_FILE (a file of the image share), with
 * the same rules as ADD_CONTAINER's, is an image volume: that erofs image, mounted once per image
 * as container images are, bound read-only, nodev, nosuid and noexec at the volume's place. */

/* Hardening (0x98-0x9F). ADD_CONTAINER: */
#define PP_F_SECCOMP_FILTER 0x98 /* bytes: with SECCOMP = FILTER, the container's seccomp program
                                    (a Localhost profile the host compiled): 1..PP_MAX_FILTER_OPS
                                    classic BPF instructions of 8 bytes each, little-endian
                                    struct sock_filter (u16 code, u8 jt, u8 jf, u32 k) */

#define PP_SECCOMP_RUNTIME_DEFAULT 0u /* Docker's default profile (seccomp.c) */
#define PP_SECCOMP_UNCONFINED 1u
#define PP_SECCOMP_FILTER 2u /* the program in SECCOMP_FILTER; the kernel checks it as it loads */
#define PP_MAX_FILTER_OPS 4096u /* the kernel's BPF_MAXINSNS */

#define PP_F_CONTAINER_STATUS 0x30 /* group*: CONTAINER, STATE, PID, EXIT_CODE, SIGNAL, RESTARTS,
                                      IMAGE (the serial, or the IMAGE_FILE name) */
#define PP_F_STATE 0x31       /* u32: PP_STATE_* */
#define PP_F_RESTARTS 0x32    /* u32: how many times the main process was restarted */
#define PP_F_STDIN 0x40       /* u32 0/1: ADD_CONTAINER: the main process gets a stdin pipe;
                                 ATTACH: this host sends stdin */
#define PP_F_STDIN_ONCE 0x41  /* u32 0/1: ADD_CONTAINER: the first detach closes stdin */
#define PP_F_OUTPUT 0x42      /* u32 0/1: ATTACH: stream the main process's output here */

/*
 * Probes and lifecycle hooks (added within version 1; an older guest ignores
 * the groups, so a host must not rely on them running there).
 *
 * ADD_CONTAINER may carry up to three PROBE groups (one per PROBE_KIND) and
 * up to two HOOK groups (one per HOOK_KIND). guest-init runs them itself,
 * with Kubernetes' semantics: an EXEC action runs in the container (as EXEC
 * does, its output discarded), HTTP and TCP connect from guest-init, which
 * is in the pod's network namespace, to HOST (an IPv4 literal, default
 * 127.0.0.1) and PORT. HTTP sends GET HTTP_PATH with HTTP_HEADER lines and
 * passes on a status 200-399. A liveness or startup probe that fails
 * FAILURE_THRESHOLD times in a row, or a failing postStart hook, ends the
 * container as a removal would (preStop, SIGTERM, SIGKILL after the probe's
 * GRACE_MS or the container's) and the restart policy applies; readiness
 * and startup results are reported in CONTAINER_STATUS (READY, STARTED).
 * Times in ms; PERIOD_MS and TIMEOUT_MS of 0 mean the Kubernetes defaults
 * (10 s, 1 s), a threshold of 0 means 1 (success) or 3 (failure).
 */
#define PP_F_PROBE 0x58          /* group: PROBE_KIND, ACTION, ARGV*, HTTP_PATH, PORT, HOST,
                                    HTTP_HEADER*, INITIAL_DELAY_MS, PERIOD_MS, TIMEOUT_MS,
                                    SUCCESS_THRESHOLD, FAILURE_THRESHOLD, [GRACE_MS] */
#define PP_F_HOOK 0x59           /* group: HOOK_KIND, ACTION, ARGV*, HTTP_PATH, PORT, HOST,
                                    HTTP_HEADER*, SLEEP_MS, [TIMEOUT_MS] */
#define PP_F_PROBE_KIND 0x5A     /* u32: PP_PROBE_* (PROBE), PP_HOOK_* (HOOK) */
#define PP_F_ACTION 0x5B         /* u32: PP_ACTION_* */
#define PP_F_HTTP_PATH 0x5C      /* str: request target, starts with '/', no CR, LF or space */
#define PP_F_PORT 0x5D           /* u32: 1-65535 */
#define PP_F_HOST 0x5E           /* str: IPv4 literal */
#define PP_F_HTTP_HEADER 0x5F    /* str*: "Name: value", no CR or LF */
#define PP_F_INITIAL_DELAY_MS 0x60 /* u32 */
#define PP_F_PERIOD_MS 0x61      /* u32 */
#define PP_F_TIMEOUT_MS 0x62     /* u32 */
#define PP_F_SUCCESS_THRESHOLD 0x63 /* u32 */
#define PP_F_FAILURE_THRESHOLD 0x64 /* u32 */
#define PP_F_SLEEP_MS 0x65       /* u32: the SLEEP action's duration */
#define PP_F_READY 0x66          /* u32 in CONTAINER_STATUS: 1 when running, started and
                                    passing its readiness probe (or having none) */
#define PP_F_STARTED 0x67        /* u32 in CONTAINER_STATUS: 1 when running and its startup
                                    probe passed (or it has none) and postStart finished */
#define PP_F_PROBE_MESSAGE 0x68  /* str in CONTAINER_STATUS: the last probe or hook failure */

/*
 * grpc probes and HTTPS (0xA0-0xA7; an older guest refuses ACTION GRPC as
 * unknown and ignores HTTP_TLS, so a host must not send either to it).
 * GRPC calls grpc.health.v1.Health/Check over HTTP/2 with prior knowledge
 * (h2c) at HOST:PORT for GRPC_SERVICE ("" when absent: the server as a
 * whole) and passes when the answer is SERVING, as the kubelet's grpc probe
 * does. HTTP_TLS 1 makes an HTTP action speak TLS 1.3 (X25519; ChaCha20-
 * Poly1305 or AES-128-GCM; without verifying the certificate, as the kubelet
 * does for HTTPS probes).
 */
#define PP_F_HTTP_TLS 0xA0       /* u32 0/1 in PROBE and HOOK: HTTPS */
#define PP_F_GRPC_SERVICE 0xA1   /* str in PROBE: the health check's service, at most 1024 bytes */

#define PP_PROBE_LIVENESS 1u
#define PP_PROBE_READINESS 2u
#define PP_PROBE_STARTUP 3u
#define PP_HOOK_POST_START 1u
#define PP_HOOK_PRE_STOP 2u

#define PP_ACTION_EXEC 1u
#define PP_ACTION_HTTP 2u
#define PP_ACTION_TCP 3u
#define PP_ACTION_SLEEP 4u /* hooks only */
#define PP_ACTION_GRPC 5u  /* probes only */

#define PP_RESTART_NEVER 0u
#define PP_RESTART_ON_FAILURE 1u
#define PP_RESTART_ALWAYS 2u

#define PP_STATE_RUNNING 1u
#define PP_STATE_EXITED 2u  /* exited and will not be restarted */
#define PP_STATE_WAITING 3u /* exited, restart pending (backoff) */

#define PP_STREAM_STDOUT 1u
#define PP_STREAM_STDERR 2u

#endif
