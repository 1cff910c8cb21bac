/*
 * gzip decompression with ISA-L (libisal), for the JVM through FFM (dev.hako.kernel.compress.IsalGzip).
 * A small API in our own terms, so the Java side needs no knowledge of struct inflate_state's layout.
 * ISA-L's inflate is about 3x zlib's on layer tarballs; it checks the gzip header, the CRC-32 and the length.
 */
#include <isa-l/igzip_lib.h>
#include <stdint.h>
#include <stdlib.h>

void *hako_gunzip_new(void)
{
	struct inflate_state *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	isal_inflate_init(s);
	s->crc_flag = ISAL_GZIP;
	return s;
}

/* Ready for the next gzip member of a concatenated stream. */
void hako_gunzip_reset(void *state)
{
	struct inflate_state *s = state;
	isal_inflate_reset(s);
	s->crc_flag = ISAL_GZIP;
}

void hako_gunzip_free(void *state)
{
	free(state);
}

/*
 * Decompresses from in[0, in_len) into out[0, out_len); *used and *made tell how much of each it took.
 * Returns 1 once the member ended (trailer checked), 0 when it needs more input or output room, or ISA-L's
 * negative error (ISAL_INVALID_BLOCK, ISAL_INVALID_WRAPPER, ISAL_INCORRECT_CHECKSUM, ...).
 */
int hako_gunzip(void *state, const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t out_len,
		uint32_t *used, uint32_t *made)
{
	struct inflate_state *s = state;
	s->next_in = (uint8_t *)in;
	s->avail_in = in_len;
	s->next_out = out;
	s->avail_out = out_len;
	int r = isal_inflate(s);
	*used = in_len - s->avail_in;
	*made = out_len - s->avail_out;
	if (r < 0)
		return r;
	return s->block_state == ISAL_BLOCK_FINISH ? 1 : 0;
}
