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
 */
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
