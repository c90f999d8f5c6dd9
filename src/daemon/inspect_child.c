/*
 * inspect_child.c: the proxy inspector, `proxy-renewd --inspect-child`,
 * started by the master (inspector.c), never by hand.
 *
 * It parses what clients hand to REGISTER (untrusted PEM, with the
 * client's private key) with OpenSSL, outside the process that holds every
 * credential and the repository, and on the second core: parsing was most
 * of the master's CPU for a new identity. Protocol in inspect_wire.h, one
 * request at a time, answered in order; EOF on stdin: exit 0.
 *
 * Rules:
 *  (1) Narrowed like every helper before the first request (helper.h):
 *      no repository, no writes, not dumpable, dies with the master; then
 *      seccomp (confine_seccomp_parser): memory, its pipes, the clock.
 *  (2) A request's bytes are wiped once answered.
 *  (3) A request it cannot read ends it (exit 1): the master restarts it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "confine.h"
#include "cred.h"
#include "frame_io.h"
#include "helper.h"
#include "inspect_wire.h"

#define WHO	"proxy-renewd inspector"

/* One request answered; 0, or -1 when the master cannot be answered. */
static int
inspect_one(struct cred_decoder *dec, const char *body, size_t len)
{
	struct cred_info info;
	struct pr_error result, err;
	const char *pem;
	unsigned char *frame = NULL;
	size_t pem_len, frame_len = 0;
	int64_t now;
	int code, rc;

	pr_error_clear(&result);
	pr_error_clear(&err);
	memset(&info, 0, sizeof(info));
	if (inspect_request_parse(body, len, &now, &pem, &pem_len, &err) != 0) {
		fprintf(stderr, WHO ": %s\n", err.msg);
		return -1;
	}
	code = cred_inspect_with(dec, pem, pem_len, (time_t)now, &info,
	    &result);
	rc = inspect_reply_frame(code, &result, &info, &frame, &frame_len,
	    &err);
	if (rc == 0 && helper_write_all(1, frame, frame_len) != 0)
		rc = pr_error_set(&err, errno, "writing the answer: %s",
		    strerror(errno));
	if (rc != 0)
		fprintf(stderr, WHO ": %s\n", err.msg);
	free(frame);
	cred_info_free(&info);
	return rc == 0 ? 0 : -1;
}

int
inspect_child_main(void)
{
	struct cred_decoder *dec;
	struct frame_reader rd;
	struct pr_error err;
	enum frame_step step;
	char *body;
	size_t len;
	int rc = 0;

	if (helper_narrow(WHO) != 0)
		return 1;
	if ((dec = cred_decoder_new()) == NULL) {
		fprintf(stderr, WHO ": no OpenSSL key decoder\n");
		return 1;
	}
	tzset();		/* /etc/localtime read now, not mid-request */
	if (confine_seccomp_parser(&err) != 0) {
		fprintf(stderr, WHO ": %s\n", err.msg);
		cred_decoder_free(dec);
		return 1;
	}
	frame_reader_init(&rd, INSPECT_REQUEST_MAX);
	while (rc == 0) {
		pr_error_clear(&err);
		step = frame_reader_step(&rd, 0, &err);	/* stdin blocks */
		if (step == FRAME_CLOSED && frame_reader_got(&rd) == 0)
			break;		/* the master is gone or done */
		if (step != FRAME_COMPLETE) {
			fprintf(stderr, WHO ": %s\n", err.msg);
			rc = -1;
			break;
		}
		body = frame_reader_take(&rd, &len);
		rc = inspect_one(dec, body, len);
		OPENSSL_cleanse(body, len);	/* rule 2 */
		free(body);
	}
	frame_reader_free(&rd);
	cred_decoder_free(dec);
	return rc == 0 ? 0 : 1;
}
