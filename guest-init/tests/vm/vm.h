/*
 * Host side of the VM tests: boots QEMU the way the Java provider does,
 * talks the wire protocol over the control socket (reusing src/codec.c) and
 * reads the log port's file.
 */
#ifndef CHECK_VM_H
#define CHECK_VM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"

struct msg {
	struct msg *next;
	uint16_t type;
	uint32_t seq;
	uint64_t at_ms; /* when it arrived */
	size_t len;
	uint8_t payload[];
};

struct vm_opts {
	const char *kernel, *initrd, *images; /* images: dir with img0.erofs, img1.erofs */
	const char *run;                        /* parent dir for per-VM run dirs */
	const char *name;
	int guest_port;                         /* forwarded from a free host port, 0: none */
	const char *append;                     /* more kernel command line, NULL: none */
	int tb_size_mib, vcpus;                 /* 0: 8 MiB, 1 vCPU */
};

struct vm {
	pid_t pid;
	char dir[512];
	int ctl;
	struct pp_reader rd;
	uint8_t *rdbuf;
	struct msg *inbox;
	uint32_t seq;
	uint64_t max_event_seq; /* highest EVENT_SEQ received */
	int host_port;
	int exited, status;
	uint8_t scratch[PP_HEADER_SIZE + PP_MAX_PAYLOAD];
	struct pp_buf b;
};

uint64_t now_ms(void);

int vm_boot(struct vm *vm, const struct vm_opts *o);
int vm_connect(struct vm *vm, int timeout_ms);
void vm_disconnect(struct vm *vm);
/* Exit status of QEMU, or -1 if it still runs after timeout_ms. */
int vm_wait_exit(struct vm *vm, int timeout_ms);
void vm_kill(struct vm *vm);
int vm_qmp(struct vm *vm, const char *command);

/* A request frame with the next seq, in the VM's scratch buffer. */
struct pp_buf *vm_req(struct vm *vm, uint16_t type);
int vm_send(struct vm *vm, struct pp_buf *b);
int vm_send_raw(struct vm *vm, const void *data, size_t len);
/* Reads what arrives within timeout_ms into the inbox; -1 on EOF. */
int vm_pump(struct vm *vm, int timeout_ms);
/* First message in the inbox matching `match` (NULL: any), waiting up to
 * timeout_ms for it; removed from the inbox, caller frees. */
typedef int (*msg_match)(const struct msg *m, const void *arg);
struct msg *vm_take(struct vm *vm, msg_match match, const void *arg, int timeout_ms);
/* The reply (OK, ERROR, READY) for seq. */
struct msg *vm_reply(struct vm *vm, uint32_t seq, int timeout_ms);
/* vm_send + vm_reply. */
struct msg *vm_call(struct vm *vm, struct pp_buf *b, int timeout_ms);
void vm_clear_inbox(struct vm *vm);

int msg_field(const struct msg *m, uint16_t tag, struct pp_field *f);
/* "" when missing. */
const char *msg_str(const struct msg *m, uint16_t tag, char *buf, size_t cap);
int64_t msg_u32(const struct msg *m, uint16_t tag);   /* -1 when missing */
uint64_t msg_u64(const struct msg *m, uint16_t tag);  /* 0 when missing */

/* Concatenated DATA of the log port's records for container/stream
 * (stream 0: both). Returns the length. */
size_t vm_log(struct vm *vm, const char *container, uint32_t stream, char *out, size_t cap);

#endif
