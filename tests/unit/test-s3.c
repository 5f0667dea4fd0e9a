/* Unit tests of SigV4 against AWS's published S3 examples, key encoding, presign, digests. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/s3.h"
#include "core/digest.h"
#include "tests/unit/tap.h"

#define AK	"AKIAIOSFODNN7EXAMPLE"
#define SK	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Hex of a digest of a string. */
static const char *
sha(const char *s)
{
	static char hex[65];
	unsigned char d[32];

	digest_sha256(s, strlen(s), d);
	digest_hex(d, 32, hex);
	return (hex);
}

/* The decoded form of an encoding-type=url key. */
static int
decodes(const char *in, const char *want, size_t wantlen)
{
	size_t n;
	char *d = s3_decode(in, strlen(in), &n);
	int r = n == wantlen && memcmp(d, want, n) == 0;

	free(d);
	return (r);
}

int
main(void)
{
	unsigned char		 d[32];
	char			 hex[65], b64[32], *s, *cause = NULL, *b, *k;
	struct digest_md5	 m;
	struct digest_sha256	 st;
	struct s3_sign		 sg;
	struct s3_target	 t;
	struct s3		*s3;
	const char		*get_hdrs[] = {
		"host:examplebucket.s3.amazonaws.com", "range:bytes=0-9",
		"x-amz-content-sha256:" EMPTY, "x-amz-date:20130524T000000Z" };
	const char		*put_hdrs[] = {
		"date:Fri, 24 May 2013 00:00:00 GMT",
		"host:examplebucket.s3.amazonaws.com",
		"x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
		"x-amz-date:20130524T000000Z", "x-amz-storage-class:REDUCED_REDUNDANCY" };
	const char		*list_hdrs[] = {
		"host:examplebucket.s3.amazonaws.com",
		"x-amz-content-sha256:" EMPTY, "x-amz-date:20130524T000000Z" };
	char			 mil[1000];
	int			 i;

	/* Digests: FIPS 180-2, RFC 1321, RFC 4231 case 2. */
	is_str(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256 abc");
	is_str(sha(""), EMPTY, "sha256 of nothing");
	is_str(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "sha256 of two blocks");
	digest_sha256_init(&st);
	memset(mil, 'a', sizeof mil);
	for (i = 0; i < 1000; i++)
		digest_sha256_update(&st, mil, 1000);
	digest_sha256_final(&st, d);
	digest_hex(d, 32, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "sha256 of a million a's fed unevenly");
	digest_md5_init(&m);
	digest_md5_update(&m, "abc", 3);
	digest_md5_final(&m, d);
	digest_hex(d, 16, hex);
	is_str(hex, "900150983cd24fb0d6963f7d28e17f72", "md5 abc");
	digest_base64(d, 16, b64);
	is_str(b64, "kAFQmDzST7DWlj99KOF/cg==", "md5 abc in base64");
	digest_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	digest_hex(d, 32, hex);
	is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "hmac-sha256 RFC 4231 case 2");

	/* AWS: GET Object with a Range header. */
	memset(&sg, 0, sizeof sg);
	sg.method = "GET";
	sg.path = "/test.txt";
	sg.query = "";
	sg.headers = get_hdrs;
	sg.nheaders = 4;
	sg.payload_hash = EMPTY;
	sg.amz_date = "20130524T000000Z";
	sg.region = "us-east-1";
	sg.service = "s3";
	sg.access_key = AK;
	sg.secret_key = SK;
	s = s3_sign_canonical(&sg);
	is_str(s, "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
	    "x-amz-content-sha256:" EMPTY "\nx-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY, "GET canonical request");
	free(s);
	s = s3_sign_string_to_sign(&sg);
	is_str(s, "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
	    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
	    "GET string to sign");
	free(s);
	s = s3_sign_signature(&sg);
	is_str(s, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
	    "GET signature");
	free(s);

	/* AWS: PUT Object, a key with '$' encoded. */
	k = s3_encode("test$file.text", 14, 1);
	is_str(k, "test%24file.text", "'$' is encoded");
	b = malloc(strlen(k) + 2);
	b[0] = '/';
	strcpy(b + 1, k);
	sg.method = "PUT";
	sg.path = b;
	sg.headers = put_hdrs;
	sg.nheaders = 5;
	sg.payload_hash = sha("Welcome to Amazon S3.");
	is_str(sg.payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
	    "PUT payload hash");
	s = s3_sign_signature(&sg);
	is_str(s, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
	    "PUT signature");
	free(s);
	free(b);
	free(k);

	/* AWS: GET Bucket (list) with a sorted query. */
	sg.method = "GET";
	sg.path = "/";
	sg.query = "max-keys=2&prefix=J";
	sg.headers = list_hdrs;
	sg.nheaders = 3;
	sg.payload_hash = EMPTY;
	s = s3_sign_signature(&sg);
	is_str(s, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
	    "list signature with a query");
	free(s);

	/* Key encoding: RFC 3986, '/' kept in paths only. */
	k = s3_encode("a b+c%d=e?f#g&h/\xc3\xa9~._-", 22, 1);
	is_str(k, "a%20b%2Bc%25d%3De%3Ff%23g%26h/%C3%A9~._-", "hostile key in a path");
	free(k);
	k = s3_encode("a/b", 3, 0);
	is_str(k, "a%2Fb", "'/' encoded in a query");
	free(k);
	ok(decodes("a+b%20c%2Bd", "a b c+d", 7), "'+' decodes to a space, %%2B to '+'");
	ok(decodes("x%0Ay%1B%5B", "x\ny\x1b[", 5), "control bytes decode");
	ok(decodes("bad%zz%4", "bad%zz%4", 8), "broken escapes stay");
	ok(decodes("nul%00x", "nul\0x", 5), "NUL in a key decodes (its length says so)");

	/* AWS: presigned GET, 24 hours, virtual-host style. */
	memset(&t, 0, sizeof t);
	t.url = "https://examplebucket.s3.amazonaws.com";
	t.access_key = AK;
	t.secret_key = SK;
	s3 = s3_new(NULL, NULL, &t);
	is_str(s3_region(s3), "us-east-1", "default region");
	s = s3_presign(s3, "GET", "", "test.txt", 8, 86400, 1369353600, &cause);
	is_str(s, "https://examplebucket.s3.amazonaws.com/test.txt"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	    "presigned GET");
	free(s);
	ok(s3_presign(s3, "GET", "", "x", 1, 604801, 0, &cause) == NULL && cause != NULL,
	    "more than 7 days refused");
	free(cause);
	cause = NULL;
	ok(s3_presign(s3, "GET", "", "x", 1, 0, 0, &cause) == NULL, "0 s refused");
	free(cause);
	s3_free(s3);

	ok(s3_parse_uri("s3://b/k/x y", &b, &k, &cause) == 0 && strcmp(b, "b") == 0 &&
	    strcmp(k, "k/x y") == 0, "s3 URI split");
	free(b);
	free(k);
	ok(s3_parse_uri("s3://b", &b, &k, &cause) == 0 && *k == '\0', "bucket alone");
	free(b);
	free(k);
	ok(s3_parse_uri("/tmp/x", &b, &k, &cause) != 0, "not s3:// refused");
	free(cause);
	return (tap_done());
}
