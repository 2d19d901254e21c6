/* bench/density's BENCH_QEMU_OWN_KSM=on (session 12, bench/RESULTS.md): what merging QEMU's own
 * memory between VMs, but not guest RAM, would save. Not Peapod's code path: bench/density builds
 * it and puts it in LD_PRELOAD, which the provider passes on to every QEMU after its own preload.
 *
 * In QEMU only (by /proc/self/exe), the constructor marks the process for same-page merging
 * (PR_SET_MEMORY_MERGE: every mapping, now and later), and every private mapping of a file made
 * afterwards is unmarked right after mmap returns, before anything runs in it: the template's RAM
 * (a restored VM's guest RAM, memory-backend-file share=off) and the kernel QEMU maps. So QEMU's
 * heap, malloc arenas, thread stacks, its libraries' written pages and the translation buffer are
 * merged, guest RAM is not (its VMA's VmFlags have no "mg": checked in smaps). Shared mappings
 * (a cold boot's memfd RAM) are never merged by the kernel anyway. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static int in_qemu;

__attribute__((constructor)) static void init(void) {
  char exe[512];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    return;
  }
  exe[n] = 0;
  if (!strstr(exe, "qemu-system")) {
    return;
  }
  in_qemu = 1;
  prctl(67 /* PR_SET_MEMORY_MERGE */, 1, 0, 0, 0);
}

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static void *unmark_files(mmap_fn real, void *a, size_t l, int p, int f, int fd, off_t o) {
  void *r = real(a, l, p, f, fd, o);
  if (in_qemu && r != MAP_FAILED && fd >= 0 && !(f & (MAP_SHARED | MAP_ANONYMOUS))) {
    madvise(r, l, MADV_UNMERGEABLE);
  }
  return r;
}

void *mmap(void *a, size_t l, int p, int f, int fd, off_t o) {
  static mmap_fn real;
  if (!real) {
    real = (mmap_fn) dlsym(RTLD_NEXT, "mmap");
  }
  return unmark_files(real, a, l, p, f, fd, o);
}

void *mmap64(void *a, size_t l, int p, int f, int fd, off_t o) {
  static mmap_fn real;
  if (!real) {
    real = (mmap_fn) dlsym(RTLD_NEXT, "mmap64");
  }
  return unmark_files(real, a, l, p, f, fd, o);
}
