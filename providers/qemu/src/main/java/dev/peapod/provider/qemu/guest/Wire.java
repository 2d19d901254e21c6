package dev.peapod.provider.qemu.guest;

/**
 * The host ↔ guest wire protocol, version 1: a mirror of
 * {@code guest-init/src/proto.h}, which is the authority. Change both together
 * and bump {@link #VERSION} on any incompatible change.
 *
 * <p>A frame is a 16-byte big-endian header (magic, version, flags, type,
 * reserved, seq, length) followed by {@code length} bytes of TLV fields, each
 * a 2-byte tag, a 4-byte length and the value.
 */
public final class Wire {

  public static final int MAGIC = 0x5050;
  public static final int VERSION = 1;
  public static final int HEADER_SIZE = 16;
  public static final int MAX_PAYLOAD = 1 << 20;
  public static final int MAX_DATA_CHUNK = 32 * 1024;
  public static final int MAX_PENDING_EVENTS = 4096;
  /** Size of a field's tag and length, before its value. */
  public static final int FIELD_HEADER_SIZE = 6;

  public static final String CTL_PORT_NAME = "peapod.ctl";
  public static final String LOG_PORT_NAME = "peapod.log";
  /** Readiness notices, guest to host; on the host, the VM's lifeline socket. */
  public static final String EVT_PORT_NAME = "peapod.evt";

  // ---- Message types: guest -> host
  public static final int MSG_READY = 0x0001;
  public static final int MSG_OK = 0x0002;
  public static final int MSG_ERROR = 0x0003;
  public static final int MSG_EVENT_STARTED = 0x0010;
  public static final int MSG_EVENT_EXITED = 0x0011;
  /** On the evt port only: a running container's READY or STARTED changed (a hint, never acknowledged). */
  public static final int MSG_EVENT_READINESS = 0x0124;
  public static final int MSG_STDOUT = 0x0020;
  public static final int MSG_STDERR = 0x0021;
  public static final int MSG_LOG = 0x0030;

  // ---- Message types: host -> guest
  public static final int MSG_HELLO = 0x0100;
  public static final int MSG_START_POD = 0x0101;
  public static final int MSG_ADD_CONTAINER = 0x0102;
  public static final int MSG_SIGNAL = 0x0103;
  public static final int MSG_EXEC = 0x0104;
  public static final int MSG_STDIN = 0x0105;
  public static final int MSG_WINSIZE = 0x0106;
  public static final int MSG_REMOVE_CONTAINER = 0x0107;
  public static final int MSG_DESTROY_POD = 0x0108;
  public static final int MSG_SHUTDOWN = 0x0109;
  public static final int MSG_ACK_EVENTS = 0x010A;
  public static final int MSG_PING = 0x010B;
  public static final int MSG_STATUS = 0x010C;
  /** A VM restored from a template takes a fresh identity (proto.h, "Template restore"). */
  public static final int MSG_RESTORED = 0x010D;
  public static final int MSG_ATTACH = 0x0110;
  public static final int MSG_DETACH = 0x0111;
  /** Volumes of files (proto.h, "Volumes of files"): a revision begun, written, published. */
  public static final int MSG_FILES_BEGIN = 0x0118;
  public static final int MSG_FILES_WRITE = 0x0119;
  public static final int MSG_FILES_COMMIT = 0x011A;

  // ---- Field tags
  public static final int F_VERSION = 0x01;
  public static final int F_BOOT_ID = 0x02;
  public static final int F_KERNEL = 0x03;
  public static final int F_CODE = 0x04;
  public static final int F_MESSAGE = 0x05;
  public static final int F_CONTAINER = 0x06;
  public static final int F_PROCESS = 0x07;
  public static final int F_PID = 0x08;
  public static final int F_EXIT_CODE = 0x09;
  public static final int F_SIGNAL = 0x0A;
  public static final int F_EVENT_SEQ = 0x0B;
  public static final int F_DATA = 0x0C;
  public static final int F_STREAM = 0x0D;
  public static final int F_TIME_NS = 0x0E;
  public static final int F_HOSTNAME = 0x10;
  public static final int F_DNS_SERVER = 0x11;
  public static final int F_DNS_SEARCH = 0x12;
  public static final int F_DNS_OPTION = 0x13;
  public static final int F_HOSTS_LINE = 0x14;
  public static final int F_VOLUME = 0x15;
  public static final int F_NAME = 0x16;
  public static final int F_SIZE_LIMIT = 0x17;
  public static final int F_IMAGE = 0x20;
  public static final int F_ARGV = 0x21;
  public static final int F_ENV = 0x22;
  public static final int F_CWD = 0x23;
  public static final int F_USER = 0x24;
  public static final int F_RESTART = 0x25;
  public static final int F_BACKOFF_MS = 0x26;
  public static final int F_MOUNT = 0x27;
  public static final int F_PATH = 0x28;
  public static final int F_READONLY = 0x29;
  public static final int F_SUBPATH = 0x2A;
  public static final int F_GRACE_MS = 0x2B;
  public static final int F_TTY = 0x2C;
  public static final int F_ROWS = 0x2D;
  public static final int F_COLS = 0x2E;
  public static final int F_IMAGE_FILE = 0x2F;
  public static final int F_HOST_TAG = 0x33;
  public static final int F_HOST_FILE = 0x34;
  public static final int F_ENTROPY = 0x35;
  public static final int F_FREE_PAGE_REPORTING = 0x36;
  /** Kubernetes securityContext (0x48-0x57; proto.h says what each means). ADD_CONTAINER: */
  public static final int F_CAPS = 0x48;
  public static final int F_NO_NEW_PRIVS = 0x49;
  public static final int F_SECCOMP = 0x4A;
  public static final int F_READONLY_ROOT = 0x4B;
  public static final int F_RUN_AS_NON_ROOT = 0x4C;
  public static final int F_GROUP_ID = 0x4D;
  public static final int F_GROUPS_STRICT = 0x4E;
  /** Hardening (0x98-0x9F). ADD_CONTAINER: the seccomp program, with {@link #SECCOMP_FILTER}. */
  public static final int F_SECCOMP_FILTER = 0x98;
  /** START_POD: */
  public static final int F_FS_GROUP = 0x50;
  public static final int F_SYSCTL = 0x51;
  public static final int F_POD = 0x52;
  public static final int F_PIDS_MAX = 0x80;
  /** Volumes of files (0x70-0x7F): */
  public static final int F_FILES = 0x70;
  public static final int F_FILE = 0x71;
  public static final int F_FILE_PATH = 0x72;
  public static final int F_FILE_MODE = 0x73;
  public static final int F_FILE_OFFSET = 0x74;
  public static final int F_FILE_UID = 0x75;
  public static final int F_FILE_GID = 0x76;
  public static final int F_FILE_COUNT = 0x77;
  public static final int F_FILE_BYTES = 0x78;
  /** START_POD's VOLUME group: an emptyDir's permission bits (0-01777); absent means 0777. */
  public static final int F_VOLUME_MODE = 0x88;
  public static final int F_CONTAINER_STATUS = 0x30;
  public static final int F_STATE = 0x31;
  public static final int F_RESTARTS = 0x32;
  public static final int F_STDIN = 0x40;
  public static final int F_STDIN_ONCE = 0x41;
  public static final int F_OUTPUT = 0x42;

  // ---- Probes and lifecycle hooks (proto.h, "Probes and lifecycle hooks")
  public static final int F_PROBE = 0x58;
  public static final int F_HOOK = 0x59;
  public static final int F_PROBE_KIND = 0x5A;
  public static final int F_ACTION = 0x5B;
  public static final int F_HTTP_PATH = 0x5C;
  public static final int F_PORT = 0x5D;
  public static final int F_HOST = 0x5E;
  public static final int F_HTTP_HEADER = 0x5F;
  public static final int F_INITIAL_DELAY_MS = 0x60;
  public static final int F_PERIOD_MS = 0x61;
  public static final int F_TIMEOUT_MS = 0x62;
  public static final int F_SUCCESS_THRESHOLD = 0x63;
  public static final int F_FAILURE_THRESHOLD = 0x64;
  public static final int F_SLEEP_MS = 0x65;
  public static final int F_READY = 0x66;
  public static final int F_STARTED = 0x67;
  public static final int F_PROBE_MESSAGE = 0x68;
  // ---- grpc probes and HTTPS (proto.h, 0xA0-0xA7)
  public static final int F_HTTP_TLS = 0xA0;
  public static final int F_GRPC_SERVICE = 0xA1;

  public static final int PROBE_LIVENESS = 1;
  public static final int PROBE_READINESS = 2;
  public static final int PROBE_STARTUP = 3;
  public static final int HOOK_POST_START = 1;
  public static final int HOOK_PRE_STOP = 2;

  public static final int ACTION_EXEC = 1;
  public static final int ACTION_HTTP = 2;
  public static final int ACTION_TCP = 3;
  public static final int ACTION_SLEEP = 4;
  public static final int ACTION_GRPC = 5;

  public static final int RESTART_NEVER = 0;
  public static final int RESTART_ON_FAILURE = 1;
  public static final int RESTART_ALWAYS = 2;

  public static final int STATE_RUNNING = 1;
  public static final int STATE_EXITED = 2;
  public static final int STATE_WAITING = 3;

  public static final int SECCOMP_RUNTIME_DEFAULT = 0;
  public static final int SECCOMP_UNCONFINED = 1;
  /** The program in {@link #F_SECCOMP_FILTER} (a Localhost profile compiled here). */
  public static final int SECCOMP_FILTER = 2;

  public static final int STREAM_STDOUT = 1;
  public static final int STREAM_STDERR = 2;

  /** The 9p mount tag of the share holding the files {@link #F_IMAGE_FILE} names. */
  public static final String IMAGE_SHARE_TAG = "peapod.images";
  /** Longest name the guest accepts in {@link #F_IMAGE_FILE}. */
  public static final int MAX_IMAGE_FILE = 128;

  /** What all volumes of files of one pod may hold together (the guest refuses more with E2BIG). */
  public static final long MAX_POD_FILE_BYTES = 8L * 1024 * 1024;
  public static final int MAX_POD_FILES = 1024;

  /** Random bytes RESTORED carries (the guest accepts 32 to 512). */
  public static final int RESTORED_ENTROPY_BYTES = 64;

  /** Longest virtio-blk serial the guest accepts in {@link #F_IMAGE}. */
  public static final int MAX_IMAGE_SERIAL = 20;

  private Wire() {}

  /** How a field's value is encoded; fixed per tag so decoders can check lengths. */
  public enum Kind { STR, U32, U64, BYTES, GROUP }

  /** The value kind of a known tag, or {@link Kind#BYTES} for a tag this side does not know. */
  public static Kind kindOf(int tag) {
    switch (tag) {
      case F_VERSION: case F_CODE: case F_PID: case F_EXIT_CODE: case F_SIGNAL: case F_STREAM:
      case F_RESTART: case F_BACKOFF_MS: case F_READONLY: case F_GRACE_MS: case F_TTY:
      case F_ROWS: case F_COLS: case F_STATE: case F_RESTARTS: case F_FREE_PAGE_REPORTING:
      case F_NO_NEW_PRIVS: case F_SECCOMP: case F_READONLY_ROOT: case F_RUN_AS_NON_ROOT:
      case F_GROUP_ID: case F_GROUPS_STRICT: case F_FS_GROUP:
      case F_STDIN: case F_STDIN_ONCE: case F_OUTPUT:
      case F_PROBE_KIND: case F_ACTION: case F_PORT: case F_INITIAL_DELAY_MS: case F_PERIOD_MS:
      case F_TIMEOUT_MS: case F_SUCCESS_THRESHOLD: case F_FAILURE_THRESHOLD: case F_SLEEP_MS:
      case F_READY: case F_STARTED:
      case F_FILES: case F_FILE_MODE: case F_FILE_UID: case F_FILE_GID: case F_FILE_COUNT:
      case F_VOLUME_MODE:
        return Kind.U32;
      case F_EVENT_SEQ: case F_TIME_NS: case F_SIZE_LIMIT: case F_CAPS: case F_PIDS_MAX:
      case F_FILE_OFFSET: case F_FILE_BYTES:
        return Kind.U64;
      case F_VOLUME: case F_MOUNT: case F_CONTAINER_STATUS: case F_PROBE: case F_HOOK: case F_FILE:
        return Kind.GROUP;
      case F_BOOT_ID: case F_KERNEL: case F_MESSAGE: case F_CONTAINER: case F_PROCESS:
      case F_HOSTNAME: case F_DNS_SERVER: case F_DNS_SEARCH: case F_DNS_OPTION:
      case F_HOSTS_LINE: case F_NAME: case F_IMAGE: case F_ARGV: case F_ENV: case F_CWD:
      case F_USER: case F_PATH: case F_SUBPATH: case F_IMAGE_FILE: case F_HOST_TAG:
      case F_HOST_FILE: case F_SYSCTL: case F_POD:
      case F_HTTP_PATH: case F_HOST: case F_HTTP_HEADER: case F_PROBE_MESSAGE: case F_FILE_PATH:
        return Kind.STR;
      default:
        return Kind.BYTES;
    }
  }

  /** A readable name for a message type, for errors and logs. */
  public static String typeName(int type) {
    switch (type) {
      case MSG_READY: return "READY";
      case MSG_OK: return "OK";
      case MSG_ERROR: return "ERROR";
      case MSG_EVENT_STARTED: return "EVENT_STARTED";
      case MSG_EVENT_EXITED: return "EVENT_EXITED";
      case MSG_EVENT_READINESS: return "EVENT_READINESS";
      case MSG_STDOUT: return "STDOUT";
      case MSG_STDERR: return "STDERR";
      case MSG_LOG: return "LOG";
      case MSG_HELLO: return "HELLO";
      case MSG_START_POD: return "START_POD";
      case MSG_ADD_CONTAINER: return "ADD_CONTAINER";
      case MSG_SIGNAL: return "SIGNAL";
      case MSG_EXEC: return "EXEC";
      case MSG_STDIN: return "STDIN";
      case MSG_WINSIZE: return "WINSIZE";
      case MSG_REMOVE_CONTAINER: return "REMOVE_CONTAINER";
      case MSG_DESTROY_POD: return "DESTROY_POD";
      case MSG_SHUTDOWN: return "SHUTDOWN";
      case MSG_ACK_EVENTS: return "ACK_EVENTS";
      case MSG_PING: return "PING";
      case MSG_STATUS: return "STATUS";
      case MSG_RESTORED: return "RESTORED";
      case MSG_ATTACH: return "ATTACH";
      case MSG_DETACH: return "DETACH";
      case MSG_FILES_BEGIN: return "FILES_BEGIN";
      case MSG_FILES_WRITE: return "FILES_WRITE";
      case MSG_FILES_COMMIT: return "FILES_COMMIT";
      default: return String.format("0x%04x", type);
    }
  }
}
