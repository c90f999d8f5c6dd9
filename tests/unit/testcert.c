/*
 * testcert.c: throwaway credentials for unit tests (see testcert.h).
 * Included by test programs (#include "testcert.c"): tests/unit/CMakeLists.txt
 * builds every test_*.c as its own program, so this helper is not one.
 * Test code: every failure aborts with a message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "testcert.h"

static void
tc_die(const char *what)
{
	fprintf(stderr, "testcert: %s failed\n", what);
	abort();
}

#define TC_CHECK(expr) do { if (!(expr)) { ERR_print_errors_fp(stderr); tc_die(#expr); } } while (0)

/* Set by tc_share_key: every new credential gets this key (benchmarks). */
static EVP_PKEY *tc_shared_key;

void
tc_share_key(EVP_PKEY *key)
{
	tc_shared_key = key;
}

static EVP_PKEY *
tc_key(void)
{
	EVP_PKEY *k;

	if (tc_shared_key != NULL) {
		TC_CHECK(EVP_PKEY_up_ref(tc_shared_key) == 1);
		return tc_shared_key;
	}
	k = EVP_EC_gen("P-256");

	TC_CHECK(k != NULL);
	return k;
}

/* "/C=XX/O=Test/CN=name" into a new X509_NAME. */
static X509_NAME *
tc_name(const char *dn)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(dn), *p, *next, *eq;

	TC_CHECK(n != NULL && copy != NULL && copy[0] == '/');
	for (p = copy + 1; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next++ = '\0';
		TC_CHECK((eq = strchr(p, '=')) != NULL);
		*eq = '\0';
		TC_CHECK(X509_NAME_add_entry_by_txt(n, p, MBSTRING_ASC,
		    (unsigned char *)eq + 1, -1, -1, 0) == 1);
	}
	free(copy);
	return n;
}

static void
tc_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	CONF *conf = NCONF_new(NULL);	/* proxyCertInfo wants a database */

	TC_CHECK(conf != NULL);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	TC_CHECK((ext = X509V3_EXT_nconf_nid(conf, &ctx, nid, value)) != NULL);
	TC_CHECK(X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
	NCONF_free(conf);
}

static X509 *
tc_cert(const X509_NAME *subject, X509 *issuer, EVP_PKEY *key,
    uint32_t serial, int64_t nb, int64_t na)
{
	X509 *x = X509_new();

	TC_CHECK(x != NULL);
	TC_CHECK(X509_set_version(x, 2) == 1);
	TC_CHECK(ASN1_INTEGER_set_int64(X509_get_serialNumber(x), serial) == 1);
	TC_CHECK(X509_set_subject_name(x, subject) == 1);
	TC_CHECK(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : subject) == 1);
	TC_CHECK(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
	TC_CHECK(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
	TC_CHECK(X509_set_pubkey(x, key) == 1);
	return x;
}

static uint32_t
tc_serial(void)
{
	uint32_t s;

	TC_CHECK(RAND_bytes((unsigned char *)&s, sizeof(s)) == 1);
	return (s & 0x7fffffff) | 1;
}

void
tc_ca(struct tc_cred *out, const char *dn, int64_t nb, int64_t na)
{
	X509_NAME *n = tc_name(dn);

	out->key = tc_key();
	out->cert = tc_cert(n, NULL, out->key, tc_serial(), nb, na);
	tc_ext(out->cert, out->cert, NID_basic_constraints, "critical,CA:TRUE");
	tc_ext(out->cert, out->cert, NID_key_usage,
	    "critical,keyCertSign,cRLSign");
	tc_ext(out->cert, out->cert, NID_subject_key_identifier, "hash");
	TC_CHECK(X509_sign(out->cert, out->key, EVP_sha256()) > 0);
	X509_NAME_free(n);
}

void
tc_user(struct tc_cred *out, const struct tc_cred *ca, const char *dn,
    int64_t nb, int64_t na)
{
	X509_NAME *n = tc_name(dn);

	out->key = tc_key();
	out->cert = tc_cert(n, ca->cert, out->key, tc_serial(), nb,
	    na);
	tc_ext(out->cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE");
	TC_CHECK(X509_sign(out->cert, ca->key, EVP_sha256()) > 0);
	X509_NAME_free(n);
}

static void
tc_proxy_build(struct tc_cred *out, const struct tc_cred *issuer,
    enum tc_proxy_kind kind, int64_t nb, int64_t na, const char *oid,
    const unsigned char *der, size_t der_len)
{
	X509_NAME *n;
	ASN1_OBJECT *obj;
	ASN1_OCTET_STRING *os;
	X509_EXTENSION *ext;
	uint32_t serial = tc_serial();
	char cn[32];

	TC_CHECK((n = X509_NAME_dup(X509_get_subject_name(issuer->cert))) !=
	    NULL);
	if (kind == TC_PROXY_RFC)
		snprintf(cn, sizeof(cn), "%u", serial);
	else
		snprintf(cn, sizeof(cn), "%s", kind == TC_PROXY_LEGACY ?
		    "proxy" : "limited proxy");
	TC_CHECK(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (unsigned char *)cn, -1, -1, 0) == 1);
	out->key = tc_key();
	out->cert = tc_cert(n, issuer->cert, out->key, serial, nb, na);
	if (kind == TC_PROXY_RFC)
		tc_ext(out->cert, issuer->cert, NID_proxyCertInfo,
		    "critical,language:id-ppl-inheritAll");
	if (oid != NULL) {
		TC_CHECK((obj = OBJ_txt2obj(oid, 1)) != NULL);
		TC_CHECK((os = ASN1_OCTET_STRING_new()) != NULL);
		TC_CHECK(ASN1_OCTET_STRING_set(os, der, (int)der_len) == 1);
		TC_CHECK((ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0,
		    os)) != NULL);
		TC_CHECK(X509_add_ext(out->cert, ext, -1) == 1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(obj);
	}
	TC_CHECK(X509_sign(out->cert, issuer->key, EVP_sha256()) > 0);
	X509_NAME_free(n);
}

void
tc_proxy(struct tc_cred *out, const struct tc_cred *issuer,
    enum tc_proxy_kind kind, int64_t nb, int64_t na)
{
	tc_proxy_build(out, issuer, kind, nb, na, NULL, NULL, 0);
}

void
tc_proxy_ext(struct tc_cred *out, const struct tc_cred *issuer,
    const char *oid, const unsigned char *der, size_t der_len, int64_t nb,
    int64_t na)
{
	tc_proxy_build(out, issuer, TC_PROXY_RFC, nb, na, oid, der, der_len);
}

char *
tc_pem(X509 *first, EVP_PKEY *key, int traditional, X509 *const *chain,
    int n_chain, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;
	int i;

	TC_CHECK(b != NULL);
	if (first != NULL)
		TC_CHECK(PEM_write_bio_X509(b, first) == 1);
	if (key != NULL && traditional)
		TC_CHECK(PEM_write_bio_PrivateKey_traditional(b, key, NULL,
		    NULL, 0, NULL, NULL) == 1);
	else if (key != NULL)
		TC_CHECK(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
		    NULL) == 1);
	for (i = 0; i < n_chain; i++)
		TC_CHECK(PEM_write_bio_X509(b, chain[i]) == 1);
	n = BIO_get_mem_data(b, &data);
	TC_CHECK(n >= 0 && (out = malloc((size_t)n + 1)) != NULL);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	if (len != NULL)
		*len = (size_t)n;
	return out;
}

void
tc_write_file(const char *path, const void *data, size_t len)
{
	int fd;

	(void)unlink(path);	/* may not exist */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	TC_CHECK(fd != -1);
	TC_CHECK(write(fd, data, len) == (ssize_t)len);
	TC_CHECK(close(fd) == 0);
}

void
tc_cred_free(struct tc_cred *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	c->cert = NULL;
	c->key = NULL;
}

/*
 * A real VOMS proxy made by voms-proxy-fake (voms-clients) with a throwaway
 * CA: RFC 3820 proxy of /C=XX/O=Test/CN=Alice, cert, key, user cert; one AC
 * of VO testvo from /C=XX/O=Test/CN=voms.example.org (uri
 * voms.example.org:15000) with two FQANs. Times (Unix): proxy notBefore
 * TC_VOMS_NOT_BEFORE, notAfter TC_VOMS_NOT_AFTER; AC notAfter
 * TC_VOMS_AC_NOT_AFTER (12 h, shorter than the proxy); user cert 2036.
 * Inspect it with now = TC_VOMS_NOW.
 */
const char tc_voms_proxy_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIII0zCCB7ugAwIBAgIEVNXJNTANBgkqhkiG9w0BAQsFADAsMQswCQYDVQQGEwJY\n"
	"WDENMAsGA1UECgwEVGVzdDEOMAwGA1UEAwwFQWxpY2UwHhcNMjYxMTIzMjAyNDEx\n"
	"WhcNMjYxMTI0MjAyOTExWjBBMQswCQYDVQQGEwJYWDENMAsGA1UECgwEVGVzdDEO\n"
	"MAwGA1UEAwwFQWxpY2UxEzARBgNVBAMTCjE0MjMyOTY4MjEwgZ8wDQYJKoZIhvcN\n"
	"AQEBBQADgY0AMIGJAoGBALS+7q+J1ufLBIXooTJ8XiAcL3TLxpou1Swcf2zP8uvF\n"
	"kkGsEKpPpYDGQ8kMNR6MsPAPasiDywseSTQ2YxSe88UYnvCMnmufkHgJEdmsZxuA\n"
	"oJKmwEImP+Uf0O1B1IUkKaEaOz3BAHjUCer15YxtrAxLUGS+nXg/mHBSB+1qNwjL\n"
	"AgMBAAGjggZqMIIGZjCCBhEGCisGAQQBvkVkZAUEggYBMIIF/TCCBfkwggX1MIIE\n"
	"3QIBATBKoEgwMKQuMCwxCzAJBgNVBAYTAlhYMQ0wCwYDVQQKDARUZXN0MQ4wDAYD\n"
	"VQQDDAVBbGljZQIULS6M1+MY8IYuoUiONXiSVHMmZE2gPTA7pDkwNzELMAkGA1UE\n"
	"BhMCWFgxDTALBgNVBAoMBFRlc3QxGTAXBgNVBAMMEHZvbXMuZXhhbXBsZS5vcmcw\n"
	"DQYJKoZIhvcNAQELBQACAQEwIhgPMjAyNjExMjMyMDI5MTFaGA8yMDI2MTEyNDA4\n"
	"MjkxMVowgYMwgYAGCisGAQQBvkVkZAQxcjBwoCGGH3Rlc3R2bzovL3ZvbXMuZXhh\n"
	"bXBsZS5vcmc6MTUwMDAwSwQhL3Rlc3R2by9Sb2xlPU5VTEwvQ2FwYWJpbGl0eT1O\n"
	"VUxMBCYvdGVzdHZvL3N1Yi9Sb2xlPWFkbWluL0NhcGFiaWxpdHk9TlVMTDCCA48w\n"
	"ggNfBgorBgEEAb5FZGQKBIIDTzCCA0swggNHMIIDQzCCAiugAwIBAgIULS6M1+MY\n"
	"8IYuoUiONXiSVHMmZE4wDQYJKoZIhvcNAQELBQAwLjELMAkGA1UEBhMCWFgxDTAL\n"
	"BgNVBAoMBFRlc3QxEDAOBgNVBAMMB1Rlc3QgQ0EwHhcNMjYxMTIzMjAyOTA4WhcN\n"
	"MzYxMTIwMjAyOTA4WjA3MQswCQYDVQQGEwJYWDENMAsGA1UECgwEVGVzdDEZMBcG\n"
	"A1UEAwwQdm9tcy5leGFtcGxlLm9yZzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCC\n"
	"AQoCggEBALaBombJsGRBpVpDJC37hLE9mXdbFefc8HXUGmrmHcgtuDyfKHy9oooo\n"
	"X9tCvUVHYpu9Bh2sH+TINv0zfgS7RmL2MHrxpke7O3uOQfsqmOWDY8UcuVTUziR2\n"
	"FYSmqu0dgKYuWZH/1ShohSN0hkpNuLYCws3gZnSiqkC+FXWpvBNZCvUJ/CXBfgNg\n"
	"gUlY0nBuvhjHltNzPTfenS+zFxuAHtgW322bG7/TREm8cTepe6Vz+UwebJvhFo3t\n"
	"RknFIYZJ5RgLSSDMWgf7cGhbDaMlX3gGmligQpSmFsCb5eCkrIIXTS4nVCnbar3j\n"
	"/Rx6MyLyhjewGTPbmvmzRTxMjQ29rFUCAwEAAaNQME4wDAYDVR0TAQH/BAIwADAd\n"
	"BgNVHQ4EFgQUMXa/uFq9/mHtfvMWHdroKnrdefAwHwYDVR0jBBgwFoAUoTeD+ePK\n"
	"Q/AiGxB89H4j/IPf2jEwDQYJKoZIhvcNAQELBQADggEBADSL22/lai+Cbuk2gjDe\n"
	"eYg4Z7kGmEYEkMbEVB5qoW6jsiGrm6EroLIhRaVl3DrQoRCK1740cVe+mmBbChlx\n"
	"A99krLLS7ngla39WN4Qe7UtK+MUxwJuPXdeu8cSbrAa10r5JvB4FCOBy4INZSLMW\n"
	"OF+QlLLlXab3xHXhKSoTls9nQjjdIrhN56PuloMdYk7MrtAf2F4pIO8cUiXvnWm3\n"
	"SoO52foA7z7p8TIyD4RCVDgz6Ti1M0a6R9Xql3xzxhN44Y1fdskjack14VuzsgmV\n"
	"GVvd9lQ8yHQuKDob0ly/6bGC6CQhXQ2YDV7xmp2zV3sfMXqIxDGAiEimBTN/2udx\n"
	"LX4wCQYDVR04BAIFADAfBgNVHSMEGDAWgBQxdr+4Wr3+Ye1+8xYd2ugqet158DAN\n"
	"BgkqhkiG9w0BAQsFAAOCAQEAPxHMxqkFoBZNpL2YIdF1Lx6pTmPu3rf1DNY9cev1\n"
	"LrwJ9Sf9j8mxzgf338rJ3haoj5w/YPktQmOBj4hHbX0h/ToNABEScIBz4/32f47c\n"
	"GhmWGbAZv+mMjE6fhf/z/WmlLyHcv7RPEJaNPpfdJxM2sCOB7LDtOfkTEFZcale/\n"
	"+Jx2dAaDjsFi7V1NpyXVq1t7Y4yktpSWEfd+8SKnRR07SiLOeiV4F3l3Hj3nhBnA\n"
	"EabRJKQVlLwifktcfdlIYv++M9sdCktG/QNAt7grSyDPz284BW9/mqkkdIxCjKYc\n"
	"GKj/EiXQM+UUEXYVZR8mU5D3PegFhwwGH2cHPttKMVaFrDAMBgNVHRMBAf8EAjAA\n"
	"MB8GA1UdIwQYMBaAFCmQod7vJXQap4z1mHgsZ35l9vf0MCAGCCsGAQUFBwEOAQH/\n"
	"BBEwDwIBATAKBggrBgEFBQcVATANBgkqhkiG9w0BAQsFAAOCAQEAjBUGREtLZmtn\n"
	"Em3nyjS0tJ4vccEXw6iNAhBXVmejxhdujcYnJDZLHSJ6PGqaQpHbHW3gu32jKJes\n"
	"gMTHUJvu28KNl7gGwALydnCwORsM4jRzJO2hkCWq2Wl/o6EJmbJBroxtxGMAk0Xb\n"
	"Q0H5WwsXZzJLgOW7bBrwgzL2cGW+DkEe6Zd5gl1trOte5PSnV8e3nJTFHsEpkVJH\n"
	"wkFJ8KPrldPIgGhy4GGzMYakk8fMiwsxcmxOYuDoRIxmYESL0uQw7RzU3WgD8p24\n"
	"i+cTStpRhltgBadakzn35MelohNOxVsMZEF70HGA1j4T3FVVZWUn6+0fF9vTLMh/\n"
	"L2L82GtIBQ==\n"
	"-----END CERTIFICATE-----\n"
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICXQIBAAKBgQC0vu6vidbnywSF6KEyfF4gHC90y8aaLtUsHH9sz/LrxZJBrBCq\n"
	"T6WAxkPJDDUejLDwD2rIg8sLHkk0NmMUnvPFGJ7wjJ5rn5B4CRHZrGcbgKCSpsBC\n"
	"Jj/lH9DtQdSFJCmhGjs9wQB41Anq9eWMbawMS1Bkvp14P5hwUgftajcIywIDAQAB\n"
	"AoGBAJ4ZCJTY//beeQVcl2uep4J0xPnnqL+CyYn9H2ShfH3I4oa5KBag9kZupio8\n"
	"mFYxgC9rfN8JkNgX1LZsADywUM6Ubc+Xv8QoItYXWuHZM/zJ/oNYKD61CVOM+p3g\n"
	"F7Z07vN7KQtbb7zMFCS9ocEk0lbqMT+oytDDZ2SVpKsac4ZhAkEA4NGCn8I1Cq00\n"
	"qCeQn9cbKSp5Tul8ApB5oYPq4YqQUxHIVKyFdwYzH1RrfRTGD6hTXqo/tpYrgi5U\n"
	"eTh/Kk4esQJBAM3QkHO4YoHeOrEaQpmh3nAI+yEU4mt6Ct3BfGwdt0si4BcxnYO6\n"
	"fb4+X9wa6qBuhJHi1KJOIPhO7PumqxTu1jsCQQDI0b0Z0dOphtBriHQCo5XqbrtP\n"
	"hva0H7PWV8z+zNRgr5jAMh9CE7KkwLcHUwAcymI2RGOHSJryvUnNwm6tLnzxAkAm\n"
	"AWuLUvMt1CG2boj54cA3pBDrrPWarzCufnpBZMNiJpCG9+yEVL2/kbkV5gqJkZ79\n"
	"aYumZRMFh12PotlYxjndAkAy4fFjPuNNdZSPWly80ofhhLuJaBkJ2Hd6TJTVN1sX\n"
	"fUY1SDMkMutbWN6LZ22sw7SjFB79sfkzLueok4u31ID7\n"
	"-----END RSA PRIVATE KEY-----\n"
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDODCCAiCgAwIBAgIULS6M1+MY8IYuoUiONXiSVHMmZE0wDQYJKoZIhvcNAQEL\n"
	"BQAwLjELMAkGA1UEBhMCWFgxDTALBgNVBAoMBFRlc3QxEDAOBgNVBAMMB1Rlc3Qg\n"
	"Q0EwHhcNMjYxMTIzMjAyOTA4WhcNMzYxMTIwMjAyOTA4WjAsMQswCQYDVQQGEwJY\n"
	"WDENMAsGA1UECgwEVGVzdDEOMAwGA1UEAwwFQWxpY2UwggEiMA0GCSqGSIb3DQEB\n"
	"AQUAA4IBDwAwggEKAoIBAQCfnXa78ir6rjIrYVvJYOxOaqx7Pl/FO0d7e67yPZid\n"
	"oVnSpV5Uwgg/7XHHzLVha2vUsGQU+JPOrjtEbQwZBOhPU324J5bKPl31JsB+eKrD\n"
	"IDIiWOm555s3oQsPcfmNFovmS3rTPyeTmjqSlycJcsHK3YF4AtH60DHQ14cnBTGM\n"
	"ZPlrQQyeTAb34i+hJeY1Uk0QQyxAKi/A3P54zBSLpz4HGOwkeN4WdltnA+PzNYSm\n"
	"+auP6pYWX7x/0j5wjX0jkAiLV8OIpRVQ0S46jhZcMRtMRpHAQ1ldcoLD3KH8Tsoz\n"
	"UwjO5z0zSTvkOG2BIVGdUlas6QAOeBHHYSMo6+wE6CETAgMBAAGjUDBOMAwGA1Ud\n"
	"EwEB/wQCMAAwHQYDVR0OBBYEFCmQod7vJXQap4z1mHgsZ35l9vf0MB8GA1UdIwQY\n"
	"MBaAFKE3g/njykPwIhsQfPR+I/yD39oxMA0GCSqGSIb3DQEBCwUAA4IBAQBinZEh\n"
	"QcQbR43vVbHQhNxFNPezGaYwvaICRWwLs+hGd5HqMpYVM4HMjcQX8vjqDalYlkNi\n"
	"pv/QVbZxPwriDUnYxwu+4vzbT6hXeSWyTPe/txFqR4N9W2oFSqlPwrA0yfCxkqAb\n"
	"J4NljX4xi2ZJQVLADxB50Zzf3ncg3azwHB8ObwcLld/RdHr+jJFfl2agxSo0t30a\n"
	"/sMsMWFqR72wuOq8kgWjopsLvkSaySGLwpHZxPuv6i96aJmR811fW3AtANDOSW/r\n"
	"ON48LxmBiSnvwoTzr3W3Qp1yRgdqZzrMopV1vgvnqZjXD10nrxAAqsNXKV52n6Rc\n"
	"g9K7FlweDJeMj3wh\n"
	"-----END CERTIFICATE-----\n";
