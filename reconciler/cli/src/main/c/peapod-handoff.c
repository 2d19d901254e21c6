/*
 * peapod-handoff: `peapod run -f FILE` handed to the controller without starting a JVM.
 *
 * The launcher (./peapod) execs this for `run` command lines:
 *
 *     peapod-handoff N ARG1 ... ARGN JAVA [JVM-OPTIONS...] dev.peapod.cli.Main ARG1 ... ARGN
 *
 * N peapod arguments, then the command that runs the CLI. When the arguments are exactly
 * `run -f FILE` (options in any order, `--file`, `-o table`), a warm JVM listens (the controller on
 * $PEAPOD_HOME/peapod.sock, else the home's run server, the CLI's RunServer, on run.sock) and
 * nothing calls for the command's own judgement, the file is sent to POST /v1/cli/run as the CLI's
 * ControllerRun sends it (to the run server with the command's settings too: the variables it compares,
 * umask and groups),
 * with "text": true, and a run that ended well
 * is printed from the controller's answer (its "stdout" and "stderr", worded by the engine's
 * RunText, which the CLI words the same outcome with) and exits 0. That is the race's common case,
 * and it costs no JVM start (~0.3-0.5 s of CPU on these machines).
 *
 * Every other case execs the CLI, so its output and exit code come from the one implementation:
 *   - before anything is sent (other arguments, no controller, PEAPOD_HOSTPATHS set, a file that is
 *     not a regular file or not UTF-8, Peapod settings passed as JVM properties), plainly: the CLI
 *     decides as ever;
 *   - once the controller answered anything else (a run given back, a failure, a status not 200),
 *     with the response in PEAPOD_HANDED_RESPONSE ("http " and the HTTP response as read), which
 *     the CLI takes as its own request's answer (it asks nothing again: the controller may have acted);
 *   - when the exchange broke after the request was sent, with "error MESSAGE" there.
 * Nothing here interprets a failure: only text the controller worded for a success is printed,
 * and only when it is ASCII (the JVM encodes output in the locale's charset, this would not).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

/* What a buffer holds: bytes and their count (always NUL-terminated). */
struct buf {
	char *data;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (!data)
			abort();
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* The CLI's own command line: argv after N and the N peapod arguments. */
static char **cli;

/* Runs the CLI instead of this process (the plain path, or with an answer to carry on from). */
static void run_cli(const char *relayed)
{
	/* a CLI started by this client may start the home's run server after a run it did itself */
	setenv("PEAPOD_HANDOFF_CLIENT", "1", 1);
	/* the CLI takes this as its own request's answer: only ever the one this client read (the launcher
	   also drops one the caller's environment brought) */
	if (relayed)
		setenv("PEAPOD_HANDED_RESPONSE", relayed, 1);
	else
		unsetenv("PEAPOD_HANDED_RESPONSE");
	execv(cli[0], cli);
	fprintf(stderr, "peapod: cannot run %s: %s\n", cli[0], strerror(errno));
	exit(1);
}

/* Whether s is well-formed UTF-8 with no NUL: text Java decodes without replacing a byte. */
static int utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], more, min, cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			more = 1, min = 0x80, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			more = 2, min = 0x800, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			more = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if (n - i <= more)
			return 0;
		for (unsigned k = 1; k <= more; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) /* overlong, too large, surrogate */
			return 0;
		i += more + 1;
	}
	return 1;
}

/* Printable ASCII, newlines and tabs: no byte of a terminal's escape or control sequences. */
static int ascii(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x7f || (c < 0x20 && c != '\n' && c != '\t'))
			return 0;
	}
	return 1;
}

static void base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		char o[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], i + 1 < n ? alphabet[(v >> 6) & 63] : '=',
			     i + 2 < n ? alphabet[v & 63] : '='};
		put(b, o, 4);
	}
}

/* s as a JSON string (s is UTF-8 with no NUL). */
static void json_string(struct buf *b, const char *s, size_t n)
{
	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(b, esc, 2);
		} else if (c < 0x20) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\u%04x", c);
			puts_(b, esc);
		} else {
			put(b, (const char *)&c, 1);
		}
	}
	put(b, "\"", 1);
}

/*
 * A small reader of the controller's answer: the top-level object's string members, the rest
 * skipped. Returns the decoded value of member `key` (malloc'd), or NULL when absent, not a
 * string or the text is not JSON as expected.
 */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static void utf8_put(struct buf *b, unsigned cp)
{
	char o[4];
	if (cp < 0x80) {
		o[0] = (char)cp;
		put(b, o, 1);
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F));
		put(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[2] = (char)(0x80 | (cp & 0x3F));
		put(b, o, 3);
	} else {
		o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
		put(b, o, 4);
	}
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return 0;
		*v = *v << 4 | (unsigned)d;
	}
	return 1;
}

/* Reads a string at p (at its quote) into out (may be NULL); returns what follows it, NULL if malformed. */
static const char *read_string(const char *p, struct buf *out)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\') {
			if (out)
				put(out, p, 1);
			p++;
			continue;
		}
		p++;
		const char *plain = strchr("\"\\/bfnrt", *p);
		if (*p && plain) {
			static const char decoded[] = "\"\\/\b\f\n\r\t";
			if (out)
				put(out, &decoded[plain - "\"\\/bfnrt"], 1);
			p++;
		} else if (*p == 'u') {
			unsigned cp, low;
			if (!hex4(p + 1, &cp))
				return NULL;
			p += 5;
			if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &low) && low >= 0xDC00 &&
			    low <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
				p += 6;
			}
			if (out)
				utf8_put(out, cp);
		} else {
			return NULL;
		}
	}
	return p + 1;
}

/* Skips one value at p; returns what follows it, NULL if malformed. */
static const char *skip_value(const char *p, int depth)
{
	p = skip_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '"')
		return read_string(p, NULL);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		p = skip_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = read_string(skip_ws(p), NULL);
				if (!p || *(p = skip_ws(p)) != ':')
					return NULL;
				p++;
			}
			p = skip_value(p, depth + 1);
			if (!p)
				return NULL;
			p = skip_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	const char *start = p;
	while (*p && strchr("+-.0123456789eEtruefalsn", *p))
		p++;
	return p == start ? NULL : p;
}

static char *member(const char *json, const char *key)
{
	const char *p = skip_ws(json);
	if (*p++ != '{')
		return NULL;
	p = skip_ws(p);
	if (*p == '}')
		return NULL;
	for (;;) {
		struct buf name = {0};
		p = read_string(skip_ws(p), &name);
		if (!p || *(p = skip_ws(p)) != ':') {
			free(name.data);
			return NULL;
		}
		p = skip_ws(p + 1);
		int wanted = name.data && strcmp(name.data, key) == 0;
		free(name.data);
		if (wanted) {
			struct buf value = {0};
			put(&value, "", 0);
			if (*p != '"' || !read_string(p, &value)) {
				free(value.data);
				return NULL;
			}
			return value.data;
		}
		p = skip_value(p, 0);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p++ != ',')
			return NULL;
	}
}

/* path made absolute against the working directory and normalized as Java's Path.toAbsolutePath().normalize()
   (no ".." in it): "." components and doubled or trailing slashes dropped. */
static char *absolute(const char *path)
{
	struct buf out = {0};
	char cwd[4096];
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof cwd))
			return NULL;
		puts_(&out, cwd);
	}
	puts_(&out, "/");
	puts_(&out, path);
	char *normal = malloc(out.len + 2), *w = normal;
	for (const char *r = out.data; *r;) {
		while (*r == '/')
			r++;
		const char *end = r;
		while (*end && *end != '/')
			end++;
		if (end > r && !(end - r == 1 && *r == '.')) {
			*w++ = '/';
			memcpy(w, r, (size_t)(end - r));
			w += end - r;
		}
		r = end;
	}
	if (w == normal)
		*w++ = '/';
	*w = 0;
	free(out.data);
	return normal;
}

/* $PEAPOD_HOME as the CLI finds it (QemuConfig.fromEnvironment); NULL when only the CLI can tell. */
static char *peapod_home(void)
{
	/* -Dpeapod.home and the other settings as JVM properties win over the environment in the CLI */
	const char *opts[] = {"PEAPOD_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"};
	for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
		const char *v = getenv(opts[i]);
		if (v && strstr(v, "-Dpeapod."))
			return NULL;
	}
	const char *home = getenv("PEAPOD_HOME");
	while (home && (*home == ' ' || *home == '\t'))
		home++;
	if (home && *home) {
		/* Java trims it and normalizes ".." lexically, where the kernel follows symlinks: no ".." */
		if (home[strlen(home) - 1] == ' ' || strstr(home, ".."))
			return NULL;
		return absolute(home);
	}
	if (geteuid() == 0)
		return strdup("/var/lib/peapod");
	struct passwd *pw = getpwuid(getuid()); /* the JVM's user.home */
	if (!pw || !pw->pw_dir)
		return NULL;
	char *path;
	if (asprintf(&path, "%s/.local/share/peapod", pw->pw_dir) < 0)
		return NULL;
	return absolute(path);
}

static int read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		put(out, chunk, n);
	int ok = !ferror(f);
	fclose(f);
	if (!out->data)
		put(out, "", 0);
	return ok;
}

/*
 * Whether the home is this user's own: a directory it owns that nobody else may write. Anyone who can
 * write the home can put a socket of theirs there, and would then be sent the manifest (Secrets
 * included) and word the answer this prints; such a home is left to the CLI.
 */
static int own_home(const char *home)
{
	struct stat st;
	return lstat(home, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 022);
}

/* Whether the peer of fd runs as this user (or root, who may serve anyone): the server the home's owner runs. */
static pid_t server_pid;

static int peer_is_trusted(int fd)
{
	struct ucred peer;
	socklen_t len = sizeof peer;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || len != sizeof peer ||
	    (peer.uid != geteuid() && peer.uid != 0))
		return 0;
	server_pid = peer.pid;
	return 1;
}

/* Whether the server that accepted the connection still runs (root's may be another user's: EPERM is alive). */
static int server_alive(void)
{
	return server_pid > 0 && (kill(server_pid, 0) == 0 || errno == EPERM);
}

/*
 * Whether the variable NAME (n bytes) is one of the settings the run server compares with its own
 * (the CLI's RunServer.relevant: PEAPOD_*, LC_* and RunServer.SETTINGS, which RunServerSettingsTest
 * compares with the names here); the server gives back a run whose settings differ, so these are sent,
 * and nothing else of the environment.
 */
static int setting(const char *name, size_t n)
{
	static const char *const names[] = {"PATH", "HOME", "TMPDIR", "TZ", "LANG", "LANGUAGE", "XDG_RUNTIME_DIR",
					    "XDG_CONFIG_HOME", "DOCKER_CONFIG", "LD_PRELOAD", "LD_LIBRARY_PATH",
					    "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "JAVA_HOME",
					    "NODE_NAME"};
	if ((n > 7 && strncmp(name, "PEAPOD_", 7) == 0) || (n > 3 && strncmp(name, "LC_", 3) == 0))
		return 1;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == n && strncmp(name, names[i], n) == 0)
			return 1;
	return 0;
}

/* Appends the content of a small /proc file as a JSON string, lines joined by single spaces; lines that
   start with skip (if not NULL) are left out. An unreadable file is sent as "?", which differs from any. */
static void json_proc_file(struct buf *b, const char *path, const char *skip)
{
	struct buf text = {0};
	FILE *f = fopen(path, "r");
	char line[4096];
	while (f && fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\n");
		line[n] = 0;
		if (skip && !strncmp(line, skip, strlen(skip)))
			continue;
		if (text.len)
			puts_(&text, " ");
		puts_(&text, line);
	}
	if (!f || ferror(f) || !text.len) {
		text.len = 0;
		puts_(&text, "?");
	}
	if (f)
		fclose(f);
	json_string(b, text.data, text.len);
	free(text.data);
}

/* Appends "name":"value" for the lines of /proc/self/status the run server compares (RunServer.ProcStatus). */
static void json_status_fields(struct buf *b)
{
	static const char *const names[] = {"NoNewPrivs", "CapBnd", "Cpus_allowed_list", "Mems_allowed_list"};
	char found[4][256] = {{0}};
	FILE *f = fopen("/proc/self/status", "r");
	char line[4096];
	while (f && fgets(line, sizeof line, f)) {
		for (int i = 0; i < 4; i++) {
			size_t len = strlen(names[i]);
			if (!strncmp(line, names[i], len) && line[len] == ':') {
				char *v = line + len + 1;
				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = 0;
				snprintf(found[i], sizeof found[i], "%s", v);
			}
		}
	}
	if (f)
		fclose(f);
	for (int i = 0; i < 4; i++) {
		puts_(b, ",");
		json_string(b, names[i], strlen(names[i]));
		puts_(b, ":");
		json_string(b, found[i][0] ? found[i] : "?", found[i][0] ? strlen(found[i]) : 1);
	}
}

static int by_id(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * How often a wait for the reply looks whether the server still runs. There is no bound on the reply itself:
 * the command run by the CLI waits for its pod as long as the pod takes (an init container of minutes, a
 * startup probe's allowance), and one handed over waits as long, while the server that took it lives. A server
 * that ended closes the connection; this also catches one whose socket a child of its kept open.
 */
#define ALIVE_SECONDS 5
#define SEND_SECONDS 30

/* A connection to $home/NAME, or -1 when nobody accepts one there or another user does. */
static int connect_to(const char *home, const char *name)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	if (snprintf(address.sun_path, sizeof address.sun_path, "%s/%s", home, name) >= (int)sizeof address.sun_path)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0 || !peer_is_trusted(fd)) {
		close(fd);
		return -1;
	}
	struct timeval reply = {.tv_sec = ALIVE_SECONDS}, send = {.tv_sec = SEND_SECONDS};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &reply, sizeof reply);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send, sizeof send);
	return fd;
}

/* The body of an HTTP response, its chunked transfer decoded; NULL if it is not one. */
static char *http_body(char *raw, int *status)
{
	if (strncmp(raw, "HTTP/1.", 7) != 0)
		return NULL;
	char *space = strchr(raw, ' ');
	char *end = strstr(raw, "\r\n\r\n");
	if (!space || !end)
		return NULL;
	*status = atoi(space + 1);
	*end = 0;
	int chunked = 0;
	for (char *line = strstr(raw, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		char header[64];
		size_t k = 0;
		for (const char *c = line + 2; *c && *c != '\r' && k + 1 < sizeof header; c++)
			if (*c != ' ')
				header[k++] = *c;
		header[k] = 0;
		if (strcasecmp(header, "transfer-encoding:chunked") == 0)
			chunked = 1;
	}
	char *body = end + 4;
	if (!chunked)
		return strdup(body);
	struct buf out = {0};
	put(&out, "", 0);
	for (char *at = body;;) {
		char *line_end = strstr(at, "\r\n");
		if (!line_end)
			break;
		size_t size = strtoul(at, NULL, 16);
		/* the chunk and the CRLF after it must be there: nothing is read past the response's end */
		if (size == 0 || strlen(line_end + 2) < size + 2 || strncmp(line_end + 2 + size, "\r\n", 2) != 0)
			break;
		put(&out, line_end + 2, size);
		at = line_end + 2 + size + 2;
	}
	return out.data;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: peapod-handoff N ARGS... CLI-COMMAND...\n"), 2;
	int n = atoi(argv[1]);
	if (n < 0 || 2 + n >= argc)
		return fprintf(stderr, "peapod-handoff: no CLI command after the %d arguments\n", n), 2;
	char **args = argv + 2;
	cli = argv + 2 + n;

	/* run -f FILE [-o table], as the CLI's HandedRun takes them (-o json|yaml: the CLI prints the data) */
	const char *file = NULL;
	int format_given = 0;
	if (n < 3 || strcmp(args[0], "run") != 0)
		run_cli(NULL);
	for (int i = 1; i < n; i += 2) {
		if (i + 1 >= n || args[i + 1][0] == '-')
			run_cli(NULL);
		if ((!strcmp(args[i], "-f") || !strcmp(args[i], "--file")) && !file)
			file = args[i + 1];
		else if ((!strcmp(args[i], "-o") || !strcmp(args[i], "--output")) && !format_given &&
			 !strcasecmp(args[i + 1], "table"))
			format_given = 1;
		else
			run_cli(NULL);
	}
	/* ControllerRun's own conditions: the controller's allow-list is the home's alone; a file to read */
	struct stat st;
	if (!file || getenv("PEAPOD_HOSTPATHS") || stat(file, &st) != 0 || !S_ISREG(st.st_mode))
		run_cli(NULL);
	const char *seccomp_dir = getenv("PEAPOD_SECCOMP_DIR");
	if (seccomp_dir && seccomp_dir[strspn(seccomp_dir, " \t\n\r\f\v")])
		run_cli(NULL);
	char *home = peapod_home();
	if (!home || !own_home(home))
		run_cli(NULL);
	/* a server that closes early must not kill this with SIGPIPE: the CLI then runs the command */
	signal(SIGPIPE, SIG_IGN);
	struct buf content = {0};
	if (!read_file(file, &content) || !utf8((unsigned char *)content.data, content.len) ||
	    !utf8((const unsigned char *)file, strlen(file)))
		run_cli(NULL);
	for (int i = 0; i < n; i++)
		if (!utf8((const unsigned char *)args[i], strlen(args[i])))
			run_cli(NULL);

	/* the file's name as Path.of(file).toString() gives it, which the records keep */
	char *typed = strdup(file), *w = typed;
	for (const char *r = file; *r; r++)
		if (!(*r == '/' && (r[1] == '/' || (r[1] == 0 && w != typed))))
			*w++ = *r;
	*w = 0;
	file = typed;

	struct buf body = {0}, command = {0};
	puts_(&command, "peapod");
	for (int i = 0; i < n; i++) {
		puts_(&command, " ");
		puts_(&command, args[i]);
	}
	puts_(&body, "{\"file\":");
	json_string(&body, file, strlen(file));
	puts_(&body, ",\"content\":");
	json_string(&body, content.data, content.len);
	puts_(&body, ",\"command\":");
	json_string(&body, command.data, command.len);
	/* where the command reads Localhost seccomp profiles (ControllerRun): its home's; one of its own
	   (PEAPOD_SECCOMP_DIR) is left to the CLI, which sends it as it reads it */
	char seccomp[8192];
	snprintf(seccomp, sizeof seccomp, "%s/seccomp", strcmp(home, "/") ? home : "");
	puts_(&body, ",\"hostPathsFromEnvironment\":false,\"seccompDir\":");
	json_string(&body, seccomp, strlen(seccomp));
	puts_(&body, ",\"text\":true");

	/* The controller when one listens; else the home's run server (the CLI's RunServer), which also
	   wants the settings this command would run with, to give the run back when they differ from its own. */
	int fd = connect_to(home, "peapod.sock");
	if (fd < 0) {
		fd = connect_to(home, "run.sock");
		if (fd < 0)
			run_cli(NULL); /* none listens (or a socket one that ended left): the CLI runs it */
		puts_(&body, ",\"environment\":{");
		int first = 1;
		for (char **e = environ; *e; e++) {
			char *eq = strchr(*e, '=');
			if (!eq || !setting(*e, (size_t)(eq - *e)))
				continue;
			/* JSON carries UTF-8 alone: a setting that is not cannot be compared exactly (skipping it would
			   take it for unset), so the CLI runs the command */
			if (!utf8((const unsigned char *)*e, strlen(*e)))
				run_cli(NULL);
			if (!first)
				puts_(&body, ",");
			first = 0;
			json_string(&body, *e, (size_t)(eq - *e));
			puts_(&body, ":");
			json_string(&body, eq + 1, strlen(eq + 1));
		}
		puts_(&body, "}");
		/* and how its files would be made and what it may open: umask, supplementary groups */
		mode_t mask = umask(0);
		umask(mask);
		char ids[64];
		snprintf(ids, sizeof ids, ",\"process\":{\"umask\":\"%04o\",\"groups\":\"", (unsigned)mask);
		puts_(&body, ids);
		int count = getgroups(0, NULL);
		gid_t *groups = calloc(count > 0 ? (size_t)count : 1, sizeof *groups);
		if (!groups || (count = getgroups(count, groups)) < 0)
			run_cli(NULL);
		qsort(groups, (size_t)count, sizeof *groups, by_id);
		for (int i = 0; i < count; i++) {
			snprintf(ids, sizeof ids, i ? " %u" : "%u", (unsigned)groups[i]);
			puts_(&body, ids);
		}
		puts_(&body, "\"");
		/* what the VM would live in and be bounded by: namespaces (a pod's host port is bound in the network
		   namespace of whoever starts passt), cgroup, resource limits (the JVM raises its open files limit, so
		   that one is not compared), CPU and memory affinity, no_new_privs and the capability bounding set */
		static const char *const spaces[] = {"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"};
		struct buf ns = {0};
		for (int i = 0; i < 7; i++) {
			char path[64], link[256];
			snprintf(path, sizeof path, "/proc/self/ns/%s", spaces[i]);
			ssize_t n = readlink(path, link, sizeof link - 1);
			link[n > 0 ? n : 0] = 0;
			if (i)
				puts_(&ns, " ");
			puts_(&ns, n > 0 ? link : "?");
		}
		puts_(&body, ",\"namespaces\":");
		json_string(&body, ns.data, ns.len);
		puts_(&body, ",\"cgroup\":");
		json_proc_file(&body, "/proc/self/cgroup", NULL);
		puts_(&body, ",\"limits\":");
		json_proc_file(&body, "/proc/self/limits", "Max open files");
		json_status_fields(&body);
		/* which Peapod: the jar the CLI would run (after -cp in its command line), as the server knows its own */
		const char *jar = NULL;
		for (char **a = cli; *a; a++)
			if (!strcmp(*a, "-cp") && a[1])
				jar = a[1];
		char *real = jar ? realpath(jar, NULL) : NULL;
		struct stat js;
		char build[8192] = "?";
		if (real && !stat(real, &js))
			snprintf(build, sizeof build, "%s %lld %lld.%09ld", real, (long long)js.st_size,
				 (long long)js.st_mtim.tv_sec, (long)js.st_mtim.tv_nsec);
		free(real);
		puts_(&body, ",\"build\":");
		json_string(&body, build, strlen(build));
		puts_(&body, "}");
	}
	puts_(&body, "}");

	struct buf request = {0};
	char head[256];
	snprintf(head, sizeof head,
		 "POST /v1/cli/run HTTP/1.1\r\nHost: peapod\r\nAccept: application/json\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 body.len);
	puts_(&request, head);
	put(&request, body.data, body.len);
	struct buf response = {0};
	const char *broken = NULL;
	for (size_t sent = 0; sent < request.len;) {
		ssize_t w = write(fd, request.data + sent, request.len - sent);
		if (w < 0 && errno != EINTR) {
			/* the server took no whole request (it refused it, or ended): nothing was done; the CLI does it */
			close(fd);
			run_cli(NULL);
		} else if (w > 0) {
			sent += (size_t)w;
		}
	}
	while (!broken) {
		char chunk[16384];
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r == 0)
			break;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !server_alive())
			break; /* as when it closed the connection: the CLI finishes what the server began */
		else if (r < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			broken = strerror(errno);
		else if (r > 0)
			put(&response, chunk, (size_t)r);
	}
	close(fd);
	if (broken) {
		char *relayed;
		if (asprintf(&relayed, "error %s", broken) < 0)
			abort();
		run_cli(relayed);
	}

	if (!response.data)
		put(&response, "", 0);
	/* the response as read, should the CLI carry on from it: in base64, since the JVM decodes its
	   environment in the locale's charset */
	struct buf relayed = {0};
	puts_(&relayed, "http ");
	base64(&relayed, (const unsigned char *)response.data, response.len);
	int status = 0;
	char *answer = http_body(response.data, &status);
	char *out = answer && status == 200 ? member(answer, "stdout") : NULL;
	char *err = out ? member(answer, "stderr") : NULL;
	if (!out || !err || !ascii(out) || !ascii(err))
		run_cli(relayed.data);
	/* as the CLI: warnings on stderr first, then the lines */
	if (fputs(err, stderr) == EOF || fflush(stderr) == EOF)
		return 1;
	if (fputs(out, stdout) == EOF || fflush(stdout) == EOF)
		return 1;
	return 0;
}
