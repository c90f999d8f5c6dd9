/*
 * test_voms_ac.c: the VOMS AC extension parser (src/cred/voms_ac.c, the
 * one AC reader, also behind cred_inspect) on ACs built here with a tiny
 * DER writer, and on malformed input: garbage, every truncation, every
 * single-byte corruption, huge and indefinite lengths, trailing bytes, too
 * many ACs, unprintable FQANs; an empty AC list is no AC.
 * Real ACs from a real voms-server are checked by the voms integration tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cred/voms_ac.c"

#define BUF_MAX 8192

struct der {
	unsigned char b[BUF_MAX];	/* encoded bytes */
	size_t n;			/* used */
};

/* Append tag, DER length and content. */
static void
put(struct der *d, int tag, const void *content, size_t n)
{
	unsigned char hdr[6];
	size_t h = 0;

	hdr[h++] = (unsigned char)tag;
	if (n < 0x80) {
		hdr[h++] = (unsigned char)n;
	} else if (n < 0x100) {
		hdr[h++] = 0x81;
		hdr[h++] = (unsigned char)n;
	} else {
		hdr[h++] = 0x82;
		hdr[h++] = (unsigned char)(n >> 8);
		hdr[h++] = (unsigned char)n;
	}
	assert_true(d->n + h + n <= BUF_MAX);
	memcpy(d->b + d->n, hdr, h);
	memcpy(d->b + d->n + h, content, n);
	d->n += h + n;
}

static void
wrap(struct der *out, int tag, const struct der *in)
{
	put(out, tag, in->b, in->n);
}

static const unsigned char sha256rsa[] = {	/* SEQ { OID, NULL } */
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0b, 0x05, 0x00
};

/* One AC with the given URI and FQANs, validity [nb, na] as GeneralizedTime. */
static void
make_ac(struct der *out, const char *uri, const char **fqans, int n,
    const char *nb, const char *na)
{
	struct der info = { .n = 0 }, tmp = { .n = 0 }, vals = { .n = 0 },
	    ietf = { .n = 0 }, set = { .n = 0 }, attr = { .n = 0 },
	    attrs = { .n = 0 }, ac = { .n = 0 }, pa = { .n = 0 };
	static const unsigned char v2 = 1, serial = 7, oid[] = {
		0x2b, 0x06, 0x01, 0x04, 0x01, 0xbe, 0x45, 0x64, 0x64, 0x04 };
	int i;

	put(&info, 0x02, &v2, 1);			/* version */
	put(&info, 0x30, "", 0);			/* holder */
	put(&info, 0xa0, "", 0);			/* issuer v2Form */
	memcpy(info.b + info.n, sha256rsa, sizeof(sha256rsa));
	info.n += sizeof(sha256rsa);
	put(&info, 0x02, &serial, 1);
	put(&tmp, 0x18, nb, strlen(nb));
	put(&tmp, 0x18, na, strlen(na));
	wrap(&info, 0x30, &tmp);			/* validity */
	if (uri != NULL) {
		put(&pa, 0x86, uri, strlen(uri));
		wrap(&ietf, 0xa0, &pa);
	}
	for (i = 0; i < n; i++)
		put(&vals, 0x04, fqans[i], strlen(fqans[i]));
	wrap(&ietf, 0x30, &vals);
	wrap(&set, 0x30, &ietf);
	put(&attr, 0x06, oid, sizeof(oid));
	wrap(&attr, 0x31, &set);
	wrap(&attrs, 0x30, &attr);
	wrap(&info, 0x30, &attrs);
	wrap(&ac, 0x30, &info);
	memcpy(ac.b + ac.n, sha256rsa, sizeof(sha256rsa));
	ac.n += sizeof(sha256rsa);
	put(&ac, 0x03, "\0\1\2\3", 4);			/* signature */
	wrap(out, 0x30, &ac);
}

static const char *two[] = {
	"/testvo/Role=production/Capability=NULL",
	"/testvo/sub/Role=NULL/Capability=NULL"
};

/* ext: the extension value SEQUENCE { SEQUENCE { acs } } */
static void
ext_of(struct der *ext, const struct der *acs)
{
	struct der seq = { .n = 0 };

	wrap(&seq, 0x30, acs);
	ext->n = 0;
	wrap(ext, 0x30, &seq);
}

/* The extension value of n_acs good ACs (the second ending first). */
static void
make_ext(struct der *ext, int n_acs)
{
	struct der acs = { .n = 0 };
	int i;

	for (i = 0; i < n_acs; i++)
		make_ac(&acs, "testvo://localhost:15000", two, 2,
		    "20260101000000Z", i == 1 ? "20260101010000Z" :
		    "20260101020000Z");
	ext_of(ext, &acs);
}

/* l parsed from the extension of make_ext with n_acs ACs. */
static void
parse_ext(struct voms_ac_list *l, int n_acs)
{
	struct der ext;
	struct pr_error e;

	make_ext(&ext, n_acs);
	assert_int_equal(voms_ac_parse_der(ext.b, ext.n, l, &e), 0);
	assert_int_equal(l->n_acs, n_acs);
}

static void
test_valid(void **state)
{
	struct voms_ac_list l;
	char *all;

	(void)state;
	parse_ext(&l, 1);
	assert_string_equal(l.acs[0].vo, "testvo");
	assert_string_equal(l.acs[0].uri, "localhost:15000");
	assert_int_equal(l.acs[0].n_fqans, 2);
	assert_string_equal(l.acs[0].fqans, "/testvo/Role=production/Capability=NULL\n"
	    "/testvo/sub/Role=NULL/Capability=NULL");
	assert_int_equal(l.acs[0].not_before, 1767225600);
	assert_int_equal(l.acs[0].not_after, 1767225600 + 7200);
	assert_int_equal(voms_ac_not_after(&l), 1767225600 + 7200);
	all = voms_ac_fqans(&l);
	assert_non_null(all);
	assert_string_equal(all, l.acs[0].fqans);
	free(all);
	voms_ac_list_free(&l);
	assert_int_equal(l.n_acs, 0);
}

static void
test_two_acs(void **state)
{
	struct voms_ac_list l;
	char *all;

	(void)state;
	parse_ext(&l, 2);
	assert_int_equal(voms_ac_not_after(&l), 1767225600 + 3600);
	all = voms_ac_fqans(&l);
	assert_non_null(all);
	assert_string_equal(all, "/testvo/Role=production/Capability=NULL\n"
	    "/testvo/sub/Role=NULL/Capability=NULL\n"
	    "/testvo/Role=production/Capability=NULL\n"
	    "/testvo/sub/Role=NULL/Capability=NULL");
	free(all);
	voms_ac_list_free(&l);
}

static void
expect_bad(const unsigned char *b, size_t n)
{
	struct voms_ac_list l;
	struct pr_error e;

	e.code = 0;
	assert_int_equal(voms_ac_parse_der(b, n, &l, &e), -1);
	assert_int_equal(e.code, PR_ERR_VOMS);
	assert_int_equal(l.n_acs, 0);
}

static void
test_garbage(void **state)
{
	static const unsigned char junk[] = "not DER at all, not even close";
	static const unsigned char huge[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00 };
	static const unsigned char huge2[] = { 0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const unsigned char indef[] = { 0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0 };
	static const unsigned char empty_seq[] = { 0x30, 0x00 };
	static const unsigned char inner_huge[] = { 0x30, 0x06, 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff };

	(void)state;
	expect_bad(junk, sizeof(junk));
	expect_bad(huge, sizeof(huge));
	expect_bad(huge2, sizeof(huge2));
	expect_bad(indef, sizeof(indef));
	expect_bad(empty_seq, sizeof(empty_seq));
	expect_bad(inner_huge, sizeof(inner_huge));
	expect_bad(junk, 0);
	expect_bad(NULL, 10);
}

/* An empty AC list is no AC (as cred_inspect always treated it). */
static void
test_empty_list(void **state)
{
	static const unsigned char empty_inner[] = { 0x30, 0x02, 0x30, 0x00 };
	struct voms_ac_list l;
	struct pr_error e;
	char *all;

	(void)state;
	assert_int_equal(voms_ac_parse_der(empty_inner, sizeof(empty_inner),
	    &l, &e), 0);
	assert_int_equal(l.n_acs, 0);
	assert_int_equal(voms_ac_not_after(&l), 0);
	assert_non_null(all = voms_ac_fqans(&l));
	assert_string_equal(all, "");
	free(all);
}

static void
test_truncated(void **state)
{
	struct der ext;
	size_t n;

	(void)state;
	make_ext(&ext, 2);
	for (n = 1; n < ext.n; n++)
		expect_bad(ext.b, n);
}

static void
test_trailing(void **state)
{
	struct der ext;

	(void)state;
	make_ext(&ext, 1);
	ext.b[ext.n++] = 0x00;
	expect_bad(ext.b, ext.n);
}

/* Every one-byte corruption either parses or fails cleanly (ASan/valgrind watch). */
static void
test_corrupt_every_byte(void **state)
{
	struct der ext;
	struct voms_ac_list l;
	struct pr_error e;
	static const unsigned char vals[] = { 0x00, 0x7f, 0x80, 0x84, 0xff };
	size_t i, v;
	unsigned char keep;

	(void)state;
	make_ext(&ext, 2);
	for (i = 0; i < ext.n; i++) {
		keep = ext.b[i];
		for (v = 0; v < sizeof(vals); v++) {
			ext.b[i] = vals[v];
			if (voms_ac_parse_der(ext.b, ext.n, &l, &e) == 0) {
				assert_true(l.n_acs > 0);
				voms_ac_list_free(&l);
			} else {
				assert_int_equal(l.n_acs, 0);
			}
		}
		ext.b[i] = keep;
	}
}

/* The extension of one AC made by make_ac(uri, ...) is refused. */
static void
expect_bad_ac(const char *uri, const char **fqans, int n, const char *nb,
    const char *na)
{
	struct der acs = { .n = 0 }, ext;

	make_ac(&acs, uri, fqans, n, nb, na);
	ext_of(&ext, &acs);
	expect_bad(ext.b, ext.n);
}

static void
test_bad_content(void **state)
{
	struct der acs = { .n = 0 }, ext;
	static const char *nl[] = { "/testvo\n/x" };
	static const char *rel[] = { "testvo" };
	static const char *none[] = { NULL };
	static const char t[] = "20260101000000Z";
	int i;

	(void)state;
	expect_bad_ac("testvo://localhost:1", nl, 1, t, t);
	expect_bad_ac("testvo://localhost:1", rel, 1, t, t);
	expect_bad_ac("testvo://localhost:1", none, 0, t, t);	/* no FQAN */
	expect_bad_ac(NULL, two, 2, t, t);			/* no URI */
	expect_bad_ac("localhost:1", two, 2, t, t);	/* URI without :// */
	expect_bad_ac("testvo://localhost:1", two, 2, "2026010100000Z",
	    "x");						/* bad time */
	for (i = 0; i < VOMS_AC_MAX + 1; i++)			/* too many ACs */
		make_ac(&acs, "v://h:1", two, 1, t, t);
	ext_of(&ext, &acs);
	expect_bad(ext.b, ext.n);
}

/* The extension found on a certificate, and none on a plain one. */
static void
test_chain(void **state)
{
	struct der ext;
	struct voms_ac_list l;
	struct pr_error e;
	X509 *x;
	ASN1_OBJECT *oid;
	ASN1_OCTET_STRING *os;
	X509_EXTENSION *xe;
	STACK_OF(X509) *chain;

	(void)state;
	make_ext(&ext, 1);
	assert_non_null(x = X509_new());
	assert_int_equal(voms_ac_parse_chain(x, NULL, &l, &e), 0);
	assert_int_equal(l.n_acs, 0);
	assert_non_null(oid = OBJ_txt2obj(VOMS_AC_EXT_OID, 1));
	assert_non_null(os = ASN1_OCTET_STRING_new());
	assert_int_equal(ASN1_OCTET_STRING_set(os, ext.b, (int)ext.n), 1);
	assert_non_null(xe = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os));
	assert_int_equal(X509_add_ext(x, xe, -1), 1);
	assert_non_null(chain = sk_X509_new_null());
	assert_true(sk_X509_push(chain, x) > 0);
	assert_int_equal(voms_ac_parse_chain(NULL, chain, &l, &e), 0);
	assert_int_equal(l.n_acs, 1);
	assert_string_equal(l.acs[0].uri, "localhost:15000");
	voms_ac_list_free(&l);
	sk_X509_free(chain);
	X509_EXTENSION_free(xe);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_two_acs),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_corrupt_every_byte),
		cmocka_unit_test(test_bad_content),
		cmocka_unit_test(test_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
