/*
 * peapod-no-disassembler.so: a libcapstone.so.4 that disassembles nothing, preloaded into QEMU.
 *
 * Why: Debian's QEMU links capstone only to disassemble for its debug log (-d in_asm) and the
 * monitor's x/i, which Peapod never uses, and the real library's relocated tables cost every QEMU
 * 1.3 MiB of memory of its own (bench/RESULTS.md, sessions 10 and 11). Preloaded under the real
 * library's soname, this object is what the dynamic loader binds QEMU's libcapstone.so.4 to, so
 * the real one is never mapped. Every architecture is refused: QEMU then disassembles with its own
 * code or prints the bytes, as it does for architectures capstone lacks.
 *
 * Only the five functions QEMU 7.2 imports (nm -D --undefined-only qemu-system-x86_64 | grep cs_).
 *
 * Also, as this object is preloaded into every QEMU anyway: libfdt's fdt_create without its 1 MiB
 * of zeros. The microvm machine builds a device tree for firmware (etc/fdt in fw_cfg, which Peapod's
 * guests never read) in a 1 MiB buffer that QEMU allocates zeroed (g_malloc0: fresh pages, not yet
 * touched), and fdt_create then writes zeros over all of it (memset of the whole buffer), so each
 * QEMU held 256 pages of zeros for as long as it ran (bench/RESULTS.md, sessions 11 and 12).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef size_t csh;

/* capstone 4's cs_err values */
enum { CS_ERR_OK = 0, CS_ERR_ARCH = 2, CS_ERR_HANDLE = 3 };

int cs_open(int arch, int mode, csh *handle) {
  (void)arch;
  (void)mode;
  if (handle) {
    *handle = 0;
  }
  return CS_ERR_ARCH;
}

int cs_option(csh handle, int type, size_t value) {
  (void)handle;
  (void)type;
  (void)value;
  return CS_ERR_HANDLE;
}

int cs_close(csh *handle) {
  if (handle) {
    *handle = 0;
  }
  return CS_ERR_OK;
}

void *cs_malloc(csh handle) {
  (void)handle;
  return NULL;
}

bool cs_disasm_iter(csh handle, const uint8_t **code, size_t *size, uint64_t *address, void *insn) {
  (void)handle;
  (void)code;
  (void)size;
  (void)address;
  (void)insn;
  return false;
}

/*
 * libfdt's fdt_create (QEMU imports it, fdt_create@LIBFDT_1.2; an unversioned definition in a
 * preloaded object satisfies a versioned reference). A buffer that reads as zeros already (reading a
 * page never touched maps the kernel's zero page, which costs nothing) is set up as libfdt's own
 * fdt_create would set up a small one, then grown with libfdt's fdt_resize, which moves the (empty)
 * strings block to the buffer's end and records the size: the same tree in the same buffer, whose
 * zeros are the fresh pages' own. Any other buffer goes to libfdt's fdt_create as it is.
 */
typedef int (*fdt_create_fn)(void *buf, int bufsize);
typedef int (*fdt_resize_fn)(void *fdt, void *buf, int bufsize);

/* What libfdt's fdt_create writes into for the header and the empty reservation map, with room to spare. */
#define FDT_SMALL 256

static bool all_zero(const void *buf, size_t size) {
  const unsigned char *p = buf;
  for (size_t i = 0; i < size; i++) {
    if (p[i]) {
      return false;
    }
  }
  return true;
}

int fdt_create(void *buf, int bufsize) {
  static fdt_create_fn create;
  static fdt_resize_fn resize;
  if (!create) {
    create = (fdt_create_fn) dlsym(RTLD_NEXT, "fdt_create");
    resize = (fdt_resize_fn) dlsym(RTLD_NEXT, "fdt_resize");
  }
  if (!create) {
    return -13; /* FDT_ERR_INTERNAL: no libfdt behind this one (QEMU always links it) */
  }
  if (!resize || buf == NULL || bufsize <= FDT_SMALL || !all_zero(buf, (size_t) bufsize)) {
    return create(buf, bufsize);
  }
  int err = create(buf, FDT_SMALL);
  return err ? err : resize(buf, buf, bufsize);
}
