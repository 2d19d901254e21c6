/*
 * peapod-vm-mounts: gives a VM user's QEMU the host trees its hostPath volumes name, and nothing
 * else of them, then runs the rest of QEMU's launch chain.
 *
 *   peapod-vm-mounts UID:GID [--rw|--ro SOURCE TARGET]... -- COMMAND [ARG]...
 *
 * Runs as root, in QEMU's launch chain just before setpriv drops to the VM user (see
 * QemuCommandLine.java). It enters a mount namespace of its own, and for each share mounts an
 * idmapped clone of SOURCE on the empty directory TARGET: the map sends SOURCE's owner uid and
 * gid (on disk) to UID and GID, so QEMU, running as UID:GID, acts on the tree as its owner
 * does, and what it creates there is owned on disk by that owner. Files of other owners show as
 * the overflow id (nobody) and are reached through their "other" bits. Each mount is nosuid,
 * nodev and noexec, and read-only for --ro. A seccomp filter then keeps setuid and setgid bits out of
 * every mode (see no_setuid_bits), and COMMAND is executed (setpriv, perl, QEMU).
 *
 * Why not bind mounts into the host's namespace: they would need cleaning up after every kill
 * -9, and every other process would see them. Here they live only in QEMU's namespace and go
 * with its last process. The namespace is a slave of the host's: mounts made on the host later
 * still reach QEMU as before (its RAM file's /dev/shm, say); these go nowhere else.
 *
 * Nothing is done half: any failure (a filesystem without idmapped mounts, a SOURCE that is not
 * a directory) exits with status 125 and one line on stderr naming the share, before anything
 * runs as the VM user.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAILED 125

/* The new mount API's ABI (linux/mount.h), which musl's headers lack. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR_IDMAP 0x00100000
struct mount_attr {
  unsigned long long attr_set;
  unsigned long long attr_clr;
  unsigned long long propagation;
  unsigned long long userns_fd;
};
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
/* openat2's argument (linux/openat2.h). */
struct open_how {
  unsigned long long flags;
  unsigned long long mode;
  unsigned long long resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("peapod-vm-mounts: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(FAILED);
}

/* Parses a decimal id (uid_t/gid_t are 32 bits; (uid_t)-1 is no id). */
static int parse_id(const char *s, const char **end, unsigned *out) {
  unsigned long long v = 0;
  const char *p = s;
  if (*p < '0' || *p > '9') {
    return -1;
  }
  for (; *p >= '0' && *p <= '9'; p++) {
    v = v * 10 + (unsigned)(*p - '0');
    if (v >= 0xffffffffULL) {
      return -1;
    }
  }
  *end = p;
  *out = (unsigned)v;
  return 0;
}

static void write_file(pid_t pid, const char *name, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    die("cannot open %s: %s", path, strerror(errno));
  }
  ssize_t n = write(fd, text, strlen(text));
  if (n != (ssize_t)strlen(text)) {
    die("cannot write \"%s\" to %s: %s", text, path, n < 0 ? strerror(errno) : "short write");
  }
  close(fd);
}

/*
 * A user namespace whose only ids are on-disk uid/gid (inside) shown as vm_uid/vm_gid (outside), held by
 * an fd: a child enters a new user namespace and waits while its maps are written, then exits; the
 * namespace lives on through the fd.
 */
static int idmap_userns(unsigned disk_uid, unsigned disk_gid, unsigned vm_uid, unsigned vm_gid) {
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) {
    die("pipe: %s", strerror(errno));
  }
  pid_t child = fork();
  if (child < 0) {
    die("fork: %s", strerror(errno));
  }
  if (child == 0) {
    close(ready[0]);
    close(done[1]);
    char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    (void)!read(done[0], &c, 1); /* until the parent closes its end */
    _exit(0);
  }
  close(ready[1]);
  close(done[0]);
  char c = 0;
  if (read(ready[0], &c, 1) != 1 || c != 'y') {
    die("cannot make a user namespace for an idmapped mount");
  }
  char map[64];
  snprintf(map, sizeof map, "%u %u 1\n", disk_uid, vm_uid);
  write_file(child, "uid_map", map);
  snprintf(map, sizeof map, "%u %u 1\n", disk_gid, vm_gid);
  write_file(child, "gid_map", map);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) {
    die("cannot open %s: %s", path, strerror(errno));
  }
  close(done[1]);
  close(ready[0]);
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
  }
  return ns;
}

/* The name of the filesystem type of fd, for messages. */
static const char *fs_name(int fd) {
  static char buf[32];
  struct statfs st;
  if (fstatfs(fd, &st) < 0) {
    return "unknown";
  }
  switch ((unsigned long)st.f_type) {
  case 0xEF53: return "ext4";
  case 0x58465342: return "xfs";
  case 0x9123683E: return "btrfs";
  case 0x01021994: return "tmpfs";
  case 0x794c7630: return "overlay";
  case 0x6969: return "nfs";
  case 0x01021997: return "9p";
  case 0x65735546: return "fuse";
  default:
    snprintf(buf, sizeof buf, "type 0x%lx", (unsigned long)st.f_type);
    return buf;
  }
}

/*
 * SOURCE opened with no symlink followed on any part of its path. A hostPath's path is made real
 * (symlinks resolved) when its manifest is read and checked against the allow-list then; a symlink
 * on it now was put there since, quite possibly by a container through a writable hostPath of its
 * own (a directory of the tree replaced by a link to /etc), and following it as root would give
 * this VM's QEMU, as the owner of whatever it names, a tree nobody allowed.
 */
static int open_no_symlinks(const char *source) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, source, &how, sizeof how);
  if (fd < 0) {
    int e = errno;
    die("%s: cannot open it: %s%s", source, strerror(e), e == ELOOP
        ? " (a symlink is on its path now; a hostPath is shared by the real path it had when its manifest"
          " was read, and no symlink put there since is followed)" : "");
  }
  return fd;
}

static void share(const char *source, const char *target, int read_only, unsigned vm_uid, unsigned vm_gid) {
  int at_source = open_no_symlinks(source);
  /* The whole tree, submounts included, as QEMU as root saw it; a clone, detached until moved. */
  int tree = (int)syscall(SYS_open_tree, at_source, "",
      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH | AT_NO_AUTOMOUNT);
  if (tree < 0) {
    die("%s: cannot clone the tree: %s", source, strerror(errno));
  }
  close(at_source);
  struct stat st;
  if (fstat(tree, &st) < 0) {
    die("%s: %s", source, strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    die("%s: not a directory", source);
  }
  int ns = idmap_userns(st.st_uid, st.st_gid, vm_uid, vm_gid);
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
      | (read_only ? MOUNT_ATTR_RDONLY : 0);
  attr.userns_fd = (unsigned)ns;
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
    int e = errno;
    die("%s: cannot make an idmapped mount of it (on %s): %s%s", source, fs_name(tree), strerror(e),
        e == EINVAL || e == EOPNOTSUPP || e == EPERM
            ? " (the filesystem, or one mounted below it, does not support idmapped mounts)" : "");
  }
  close(ns);
  /* The mount point is root's empty directory in the VM's run directory, whose directories are root's too
   * (the VM user may read them, never change them); a link in its place is not followed. */
  int at = open(target, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (at < 0) {
    die("%s: cannot open the mount point %s: %s", source, target, strerror(errno));
  }
  if (syscall(SYS_move_mount, tree, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    die("%s: cannot mount it on %s: %s", source, target, strerror(errno));
  }
  close(at);
  close(tree);
}

/*
 * No setuid or setgid bit from QEMU, anywhere. The idmapped mount makes QEMU the tree's owner, and an
 * owner may chmod u+s its own files: a QEMU a guest took over could otherwise leave, in a tree of
 * root's, a root-owned setuid program that anyone reaching the tree on the host could run (the
 * mount's nosuid covers only QEMU's own view). QEMU never needs those bits (with mapped-xattr a
 * guest's modes are xattrs; QEMU creates files 0600 and directories 0700), so every call that can
 * set them fails with EPERM when asked to: chmod and friends, and creat, open, openat and mknod
 * with such a mode. openat2 (its mode is behind a pointer the filter cannot read) and io_uring
 * (whose operations no filter sees) fail with ENOSYS, which QEMU and libc take as absent and do
 * without. Another ABI (i386, x32) gets EPERM for everything. Nor a user namespace: in one of its
 * own, the tree's owner could write a security.capability xattr (a file capability such as
 * cap_setuid) that the host honours for everyone who runs the file, which is a setuid bit by
 * another name; unshare and clone with CLONE_NEWUSER and setns fail with EPERM, clone3 (whose flags
 * the filter cannot read) with ENOSYS, after which libc makes its threads with clone. QEMU's own
 * -sandbox refuses these too; this holds whatever QEMU's filter does. Stacked under QEMU's own
 * filter; inherited by everything this executes.
 */
struct bpf_op {
  unsigned short code;
  unsigned char jt, jf;
  unsigned k;
};
struct bpf_prog {
  unsigned short len;
  struct bpf_op *ops;
};
#define LD_W_ABS 0x20
#define JMP_JEQ 0x15
#define JMP_JGE 0x35
#define JMP_JSET 0x45
#define RET_K 0x06
#define RET_ALLOW 0x7fff0000u
#define RET_ERRNO 0x00050000u
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARG(n) (16 + 8 * (n)) /* the low 32 bits, little-endian */
#if defined(__x86_64__)
#define ARCH 0xc000003eu /* AUDIT_ARCH_X86_64 */
#elif defined(__aarch64__)
#define ARCH 0xc00000b7u /* AUDIT_ARCH_AARCH64 */
#else
#error "peapod-vm-mounts: add this architecture's AUDIT_ARCH"
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

#define OP(c, t, f, kk) ((struct bpf_op){(unsigned short)(c), (unsigned char)(t), (unsigned char)(f), (unsigned)(kk)})

static void no_setuid_bits(void) {
  /* Syscall number, the argument checked and the bits refused in it: a mode's setuid and setgid bits, and
   * CLONE_NEWUSER in the flags of unshare and clone. */
  static const struct { int nr; int arg; unsigned bits; } moded[] = {
#ifdef SYS_chmod
      {SYS_chmod, 1, 06000},
#endif
#ifdef SYS_creat
      {SYS_creat, 1, 06000},
#endif
#ifdef SYS_open
      {SYS_open, 2, 06000},
#endif
#ifdef SYS_mknod
      {SYS_mknod, 1, 06000},
#endif
      {SYS_fchmod, 1, 06000}, {SYS_fchmodat, 2, 06000}, {SYS_fchmodat2, 2, 06000}, {SYS_openat, 3, 06000},
      {SYS_mknodat, 2, 06000}, {SYS_unshare, 0, CLONE_NEWUSER}, {SYS_clone, 0, CLONE_NEWUSER},
  };
  enum { MODED = sizeof moded / sizeof moded[0] };
  struct bpf_op ops[6 + 3 * MODED + 7];
  int n = 0;
  ops[n++] = OP(LD_W_ABS, 0, 0, OFF_ARCH);
  ops[n++] = OP(JMP_JEQ, 1, 0, ARCH);
  ops[n++] = OP(RET_K, 0, 0, RET_ERRNO | EPERM);
  ops[n++] = OP(LD_W_ABS, 0, 0, OFF_NR);
  ops[n++] = OP(JMP_JGE, 0, 1, 0x40000000u); /* the x32 ABI's numbers */
  ops[n++] = OP(RET_K, 0, 0, RET_ERRNO | EPERM);
  /* Per checked call: not this call, on to the next entry; else load the argument, and if it has a refused
   * bit, EPERM (the last instruction), else allow (the third from the end). */
  for (int i = 0; i < MODED; i++) {
    int after = 3 * (MODED - 1 - i); /* instructions of the entries after this one */
    ops[n++] = OP(JMP_JEQ, 0, 2, moded[i].nr);
    ops[n++] = OP(LD_W_ABS, 0, 0, OFF_ARG(moded[i].arg));
    ops[n++] = OP(JMP_JSET, after + 6, after + 4, moded[i].bits);
  }
  ops[n++] = OP(JMP_JEQ, 4, 0, SYS_openat2);
  ops[n++] = OP(JMP_JEQ, 3, 0, SYS_io_uring_setup);
  ops[n++] = OP(JMP_JEQ, 2, 0, SYS_clone3); /* its flags are behind a pointer; libc falls back to clone */
  ops[n++] = OP(JMP_JEQ, 2, 0, SYS_setns);
  ops[n++] = OP(RET_K, 0, 0, RET_ALLOW);
  ops[n++] = OP(RET_K, 0, 0, RET_ERRNO | ENOSYS);
  ops[n++] = OP(RET_K, 0, 0, RET_ERRNO | EPERM);
  struct bpf_prog prog = {(unsigned short)n, ops};
  if (prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &prog, 0, 0) < 0) {
    die("cannot install the filter against setuid and setgid bits: %s", strerror(errno));
  }
}

static void usage(void) {
  die("usage: peapod-vm-mounts UID:GID [--rw|--ro SOURCE TARGET]... -- COMMAND [ARG]...");
}

int main(int argc, char **argv) {
  if (argc < 4) {
    usage();
  }
  unsigned vm_uid, vm_gid;
  const char *end;
  if (parse_id(argv[1], &end, &vm_uid) < 0 || *end != ':' || parse_id(end + 1, &end, &vm_gid) < 0 || *end) {
    die("\"%s\" is not UID:GID", argv[1]);
  }
  if (vm_uid == 0 || vm_gid == 0) {
    die("the VM user must not be root");
  }
  int i = 2;
  for (; i < argc && strcmp(argv[i], "--") != 0; i += 3) {
    if (i + 2 >= argc || (strcmp(argv[i], "--rw") != 0 && strcmp(argv[i], "--ro") != 0)) {
      usage();
    }
  }
  if (i >= argc - 1) {
    usage();
  }
  if (unshare(CLONE_NEWNS) < 0) {
    die("cannot enter a mount namespace of its own: %s", strerror(errno));
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
    die("cannot make the mount namespace a slave of the host's: %s", strerror(errno));
  }
  for (int s = 2; s < i; s += 3) {
    share(argv[s + 1], argv[s + 2], strcmp(argv[s], "--ro") == 0, vm_uid, vm_gid);
  }
  no_setuid_bits();
  execvp(argv[i + 1], argv + i + 1);
  die("cannot run %s: %s", argv[i + 1], strerror(errno));
}
