/*
 * test_voms_assemble.c: proxy assembly and PEM credential loading
 * (src/renew/proxy_assemble.c) with a throwaway issuer made here: the new
 * proxy's names, validity cap, RFC 3820 extensions, AC extension bytes,
 * signature and key; and credential files that must be refused.
 * The real thing (voms-proxy-info -all on the result) is in the voms
 * integration tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "renew/proxy_assemble.c"

struct issuer {
	EVP_PKEY *key;
	X509 *cert;
	char *pem;		/* cert + key */
	size_t len;
};

static char *
bio_string(BIO *b, size_t *len)
{
	BUF_MEM *m;
	char *s;

	assert_int_equal(BIO_get_mem_ptr(b, &m), 1);
	assert_non_null(s = malloc(m->length + 1));
	memcpy(s, m->data, m->length);
	s[m->length] = '\0';
	*len = m->length;
	return s;
}

/*
 * Issuer key number i (0 or 1), made once per run and only 1024 bits (the
 * issuer's size does not matter here): RSA key generation is the slow part
 * of this test, most of all under valgrind.
 */
static EVP_PKEY *
issuer_key(int i)
{
	static EVP_PKEY *keys[2];

	if (keys[i] == NULL)
		assert_non_null(keys[i] = EVP_RSA_gen(1024));
	assert_int_equal(EVP_PKEY_up_ref(keys[i]), 1);
	return keys[i];
}

/* A self-signed "user" valid for `hours`, with keyUsage when asked. */
static void
make_issuer(struct issuer *is, int hours, int with_ku, int key)
{
	X509_NAME *n;
	BIO *b;

	is->key = issuer_key(key);
	assert_non_null(is->cert = X509_new());
	assert_int_equal(X509_set_version(is->cert, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(is->cert), 42), 1);
	n = X509_get_subject_name(is->cert);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
	    (const unsigned char *)"XX", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"alice", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(is->cert, n), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(is->cert), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(is->cert), hours * 3600L));
	assert_int_equal(X509_set_pubkey(is->cert, is->key), 1);
	if (with_ku) {
		ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();

		assert_int_equal(ASN1_BIT_STRING_set_bit(ku, 0, 1), 1);
		assert_int_equal(ASN1_BIT_STRING_set_bit(ku, 2, 1), 1);
		assert_int_equal(X509_add1_ext_i2d(is->cert, NID_key_usage, ku, 1, 0), 1);
		ASN1_BIT_STRING_free(ku);
	}
	assert_true(X509_sign(is->cert, is->key, EVP_sha256()) > 0);
	assert_non_null(b = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509(b, is->cert), 1);
	assert_int_equal(PEM_write_bio_PrivateKey(b, is->key, NULL, NULL, 0,
	    NULL, NULL), 1);
	is->pem = bio_string(b, &is->len);
	BIO_free(b);
}

static void
free_issuer(struct issuer *is)
{
	EVP_PKEY_free(is->key);
	X509_free(is->cert);
	free(is->pem);
}

static const unsigned char fake_ac[] = { 0x30, 0x03, 0x02, 0x01, 0x07 };

static void
test_assemble(void **state)
{
	struct issuer is;
	struct pem_cred c, out;
	struct proxy_assemble_in in;
	struct pr_error err;
	char *pem, *subj, *isubj;
	size_t len;
	ASN1_OBJECT *oid;
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *v;
	const unsigned char want[] = { 0x30, 0x07, 0x30, 0x05, 0x30, 0x03,
	    0x02, 0x01, 0x07 };
	int pos, crit;
	PROXY_CERT_INFO_EXTENSION *pci;
	BASIC_CONSTRAINTS *bc;

	(void)state;
	make_issuer(&is, 2, 0, 0);
	assert_int_equal(pem_cred_load(is.pem, is.len, 1, &c, &err), 0);
	memset(&in, 0, sizeof(in));
	in.issuer = &c;
	in.acs[0] = fake_ac;
	in.ac_lens[0] = sizeof(fake_ac);
	in.n_acs = 1;
	in.not_after = (int64_t)time(NULL) + 30 * 3600;	/* capped at 2 h */
	assert_int_equal(proxy_assemble(&in, &pem, &len, &err), 0);
	assert_int_equal(strlen(pem), len);

	assert_int_equal(pem_cred_load(pem, len, 1, &out, &err), 0);
	assert_int_equal(sk_X509_num(out.chain), 1);
	assert_int_equal(X509_cmp(sk_X509_value(out.chain, 0), is.cert), 0);
	assert_int_equal(X509_verify(out.cert, is.key), 1);
	assert_int_equal(EVP_PKEY_get_bits(out.key), PROXY_ASSEMBLE_BITS_DEFAULT);
	assert_int_equal(ASN1_TIME_compare(X509_get0_notAfter(out.cert),
	    X509_get0_notAfter(is.cert)), 0);
	assert_true(X509_cmp_time(X509_get0_notBefore(out.cert), NULL) < 0);
	assert_true(ASN1_TIME_compare(X509_get0_notBefore(out.cert),
	    X509_get0_notBefore(is.cert)) >= 0);

	subj = X509_NAME_oneline(X509_get_subject_name(out.cert), NULL, 0);
	isubj = X509_NAME_oneline(X509_get_subject_name(is.cert), NULL, 0);
	assert_int_equal(strncmp(subj, isubj, strlen(isubj)), 0);
	assert_int_equal(strncmp(subj + strlen(isubj), "/CN=", 4), 0);
	assert_true(strspn(subj + strlen(isubj) + 4, "0123456789") ==
	    strlen(subj + strlen(isubj) + 4));
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(out.cert),
	    X509_get_subject_name(is.cert)), 0);
	OPENSSL_free(subj);
	OPENSSL_free(isubj);

	assert_non_null(pci = X509_get_ext_d2i(out.cert, NID_proxyCertInfo, &crit, NULL));
	assert_int_equal(crit, 1);
	assert_int_equal(OBJ_obj2nid(pci->proxyPolicy->policyLanguage),
	    NID_id_ppl_inheritAll);
	assert_null(pci->pcPathLengthConstraint);
	PROXY_CERT_INFO_EXTENSION_free(pci);
	assert_non_null(bc = X509_get_ext_d2i(out.cert, NID_basic_constraints, &crit, NULL));
	assert_int_equal(crit, 1);
	assert_int_equal(bc->ca, 0);
	BASIC_CONSTRAINTS_free(bc);
	assert_true(X509_get_ext_by_NID(out.cert, NID_key_usage, -1) < 0);

	assert_non_null(oid = OBJ_txt2obj(VOMS_ACSEQ_OID, 1));
	assert_true((pos = X509_get_ext_by_OBJ(out.cert, oid, -1)) >= 0);
	ASN1_OBJECT_free(oid);
	ext = X509_get_ext(out.cert, pos);
	assert_int_equal(X509_EXTENSION_get_critical(ext), 0);
	v = X509_EXTENSION_get_data(ext);
	assert_int_equal(ASN1_STRING_length(v), sizeof(want));
	assert_memory_equal(ASN1_STRING_get0_data(v), want, sizeof(want));

	pem_cred_free(&out);
	free(pem);
	pem_cred_free(&c);
	free_issuer(&is);
}

/* keyUsage only as a subset of the issuer's; no AC extension without ACs. */
static void
test_keyusage_no_acs(void **state)
{
	struct issuer is;
	struct pem_cred c, out;
	struct proxy_assemble_in in;
	struct pr_error err;
	char *pem;
	size_t len;
	ASN1_OBJECT *oid;

	(void)state;
	make_issuer(&is, 1, 1, 0);
	assert_int_equal(pem_cred_load(is.pem, is.len, 1, &c, &err), 0);
	memset(&in, 0, sizeof(in));
	in.issuer = &c;
	in.bits = 1024;		/* the size is test_assemble's; faster here */
	in.not_after = (int64_t)time(NULL) + 600;
	assert_int_equal(proxy_assemble(&in, &pem, &len, &err), 0);
	assert_int_equal(pem_cred_load(pem, len, 1, &out, &err), 0);
	assert_true(X509_get_extension_flags(out.cert) & EXFLAG_KUSAGE);
	assert_int_equal(X509_get_key_usage(out.cert),
	    KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_true(X509_cmp_time(X509_get0_notAfter(out.cert), NULL) > 0);
	assert_non_null(oid = OBJ_txt2obj(VOMS_ACSEQ_OID, 1));
	assert_true(X509_get_ext_by_OBJ(out.cert, oid, -1) < 0);
	ASN1_OBJECT_free(oid);
	pem_cred_free(&out);
	free(pem);

	in.n_acs = PROXY_ASSEMBLE_ACS_MAX + 1;		/* refused */
	assert_int_equal(proxy_assemble(&in, &pem, &len, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_null(pem);
	in.n_acs = 1;					/* NULL AC bytes */
	assert_int_equal(proxy_assemble(&in, &pem, &len, &err), -1);
	assert_int_equal(err.code, PR_ERR_SSL);
	pem_cred_free(&c);
	free_issuer(&is);
}

static void
expect_load_fail(const char *pem, size_t len, int need_key)
{
	struct pem_cred c;
	struct pr_error err;

	err.code = 0;
	assert_int_equal(pem_cred_load(pem, len, need_key, &c, &err), -1);
	assert_int_equal(err.code, PR_ERR_SSL);
	assert_null(c.cert);
	assert_null(c.key);
}

static void
test_load_refused(void **state)
{
	struct issuer a, b;
	char buf[16384];
	const char *kb;
	size_t n;

	(void)state;
	make_issuer(&a, 1, 0, 0);
	make_issuer(&b, 1, 0, 1);
	expect_load_fail("garbage", 7, 0);
	expect_load_fail("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	    60, 0);
	/* certificate without key, key needed */
	kb = strstr(a.pem, "-----BEGIN PRIVATE KEY");
	assert_non_null(kb);
	expect_load_fail(a.pem, (size_t)(kb - a.pem), 1);
	/* a's certificate with b's key */
	n = (size_t)(kb - a.pem);
	memcpy(buf, a.pem, n);
	kb = strstr(b.pem, "-----BEGIN PRIVATE KEY");
	assert_true(n + strlen(kb) < sizeof(buf));
	memcpy(buf + n, kb, strlen(kb) + 1);
	expect_load_fail(buf, strlen(buf), 0);
	/* two keys */
	assert_true(a.len + strlen(kb) < sizeof(buf));
	memcpy(buf, a.pem, a.len);
	memcpy(buf + a.len, kb, strlen(kb) + 1);
	expect_load_fail(buf, strlen(buf), 0);
	/* truncated everywhere: never a crash, never a half credential */
	for (n = 1; n < a.len; n += 7) {
		struct pem_cred c;
		struct pr_error err;

		if (pem_cred_load(a.pem, n, 1, &c, &err) == 0)
			pem_cred_free(&c);
	}
	expect_load_fail(a.pem, 0, 0);
	free_issuer(&a);
	free_issuer(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assemble),
		cmocka_unit_test(test_keyusage_no_acs),
		cmocka_unit_test(test_load_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
