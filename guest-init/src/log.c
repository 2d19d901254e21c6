/*
 * Log records. See log.h.
 */
#include "channel.h"
#include "codec.h"
#include "log.h"
#include "util.h"

static struct channel *log_port;
static uint64_t dropped;
static uint8_t frame[PP_HEADER_SIZE + PP_MAX_DATA_CHUNK + 256];

void log_init(struct channel *port)
{
	log_port = port;
}

void log_record(const char *container, uint32_t stream, const void *data, size_t len)
{
	struct pp_buf b;
	size_t n;

	if (len > PP_MAX_DATA_CHUNK)
		len = PP_MAX_DATA_CHUNK;
	pp_buf_init(&b, frame, sizeof(frame));
	pp_frame_begin(&b, PP_MSG_LOG, 0);
	pp_put_str(&b, PP_F_CONTAINER, container);
	pp_put_u32(&b, PP_F_STREAM, stream);
	pp_put_u64(&b, PP_F_TIME_NS, real_ns());
	pp_put_bytes(&b, PP_F_DATA, data, len);
	n = pp_frame_end(&b);
	if (n == 0 || channel_send(log_port, frame, n) < 0) {
		/* Say so on the console the first time, then every 1000. */
		if (dropped++ % 1000 == 0)
			say("log port full or detached: %llu records dropped so far",
			    (unsigned long long)dropped);
	}
}

uint64_t log_dropped(void)
{
	return dropped;
}
