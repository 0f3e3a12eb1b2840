/*
 * Sessions: JWT access tokens, refresh tokens, cookies and CSRF.
 *
 * Access tokens are HS256 JWTs made by libjwt, 15 minutes long, naming the
 * user (sub), their role, and the session (sid) they belong to. The
 * algorithm is the server's, never the token's: the header is read first,
 * anything but HS256 with a known kid is refused before libjwt sees it, and
 * libjwt 1.10 has no claim checks, so iss, aud, exp, nbf and iat are checked
 * here (the times by token_time.c). The session behind the token is checked by the SQL function the
 * request calls anyway (auth.check), so a logout ends every token at once.
 *
 * API clients send "Authorization: Bearer"; browsers get HttpOnly,
 * SameSite=Strict cookies and, for every state-changing request, must pass
 * an Origin check and a double-submit token (header X-CSRF-Token equal to
 * the sg_csrf cookie).
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jwt.h>
#include <sodium.h>

#include "platform.h"
#include "handlers.h"
#include "jwt_header.h"
#include "session.h"
#include "token_time.h"
#include "validate.h"

#define JWT_KEYS_MAX		8
#define JWT_KEY_MAX		64
#define JWT_KID_MAX		32
#define CLOCK_SKEW		30

struct jwt_key {
	char		kid[JWT_KID_MAX];
	u_int8_t	key[JWT_KEY_MAX];
	size_t		len;
};

static struct jwt_key	jwt_keys[JWT_KEYS_MAX];
static int		jwt_nkeys;
static int		jwt_signer;

static const char	*role_names[] = { "", "learner", "instructor", "admin" };

int	session_keys_load(void);

static int	keys_from_env(const char *);
static int	keys_from_dir(const char *);
static int	key_add(const char *, const char *, size_t);
static const struct jwt_key	*key_lookup(const char *);
static int	token_verify(const char *, struct session *);
static int	token_claims(jwt_t *, struct session *);
static int	csrf_ok(struct http_request *);
static const char	*bearer_token(struct http_request *);

/*
 * Keys come from SG_JWT_KEYS ("kid:base64,kid:base64", the first signs) or
 * from SG_VAR_DIR/keys/jwt/KID.key files (the last by name signs).
 */
int
session_keys_load(void)
{
	const char	*env;
	char		dir[PATH_MAX];

	jwt_nkeys = 0;
	if ((env = getenv("SG_JWT_KEYS")) != NULL && *env != '\0')
		return (keys_from_env(env));

	(void)snprintf(dir, sizeof(dir), "%s/keys/jwt", app_config.var_dir);
	return (keys_from_dir(dir));
}

static int
keys_from_env(const char *env)
{
	char		*copy, *item, *save, *colon;

	copy = kore_strdup(env);
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((colon = strchr(item, ':')) == NULL) {
			kore_free(copy);
			return (0);
		}
		*colon++ = '\0';
		if (!key_add(item, colon, strlen(colon))) {
			kore_free(copy);
			return (0);
		}
	}
	kore_free(copy);
	jwt_signer = 0;
	return (jwt_nkeys > 0);
}

static int
keys_from_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	FILE		*fp;
	char		path[PATH_MAX], kid[JWT_KID_MAX], b64[256], *dot;
	size_t		len;

	if ((d = opendir(dir)) == NULL)
		return (0);

	while ((de = readdir(d)) != NULL) {
		if ((dot = strrchr(de->d_name, '.')) == NULL ||
		    strcmp(dot, ".key") || (size_t)(dot - de->d_name) >= sizeof(kid))
			continue;
		memcpy(kid, de->d_name, dot - de->d_name);
		kid[dot - de->d_name] = '\0';

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		len = fread(b64, 1, sizeof(b64) - 1, fp);
		fclose(fp);
		b64[len] = '\0';
		len = strcspn(b64, "\r\n");
		if (!key_add(kid, b64, len)) {
			closedir(d);
			return (0);
		}
	}
	closedir(d);

	/* The newest key (largest name) signs. */
	jwt_signer = 0;
	for (int i = 1; i < jwt_nkeys; i++) {
		if (strcmp(jwt_keys[i].kid, jwt_keys[jwt_signer].kid) > 0)
			jwt_signer = i;
	}
	return (jwt_nkeys > 0);
}

static int
key_add(const char *kid, const char *b64, size_t len)
{
	struct jwt_key	*k;

	if (jwt_nkeys >= JWT_KEYS_MAX || strlen(kid) == 0 ||
	    strlen(kid) >= JWT_KID_MAX)
		return (0);
	k = &jwt_keys[jwt_nkeys];
	if (sodium_base642bin(k->key, sizeof(k->key), b64, len, NULL, &k->len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || k->len < 32)
		return (0);
	(void)kore_strlcpy(k->kid, kid, sizeof(k->kid));
	jwt_nkeys++;
	return (1);
}

static const struct jwt_key *
key_lookup(const char *kid)
{
	int	i;

	for (i = 0; i < jwt_nkeys; i++) {
		if (!strcmp(jwt_keys[i].kid, kid))
			return (&jwt_keys[i]);
	}
	return (NULL);
}

/* Random 128-bit id formatted as a UUID (version 4). */
void
session_new_uuid(char *out)
{
	u_int8_t	b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	(void)snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Signs an access token; the caller frees it with free(). */
char *
session_access_token(const char *uid, const char *sid, const char *role)
{
	jwt_t			*jwt;
	char			*token, jti[37];
	const struct jwt_key	*k;
	time_t			now;

	if (jwt_new(&jwt) != 0)
		return (NULL);

	k = &jwt_keys[jwt_signer];
	now = time(NULL);
	session_new_uuid(jti);
	token = NULL;

	if (jwt_add_header(jwt, "kid", k->kid) == 0 &&
	    jwt_add_grant(jwt, "iss", SESSION_ISSUER) == 0 &&
	    jwt_add_grant(jwt, "aud", SESSION_AUDIENCE) == 0 &&
	    jwt_add_grant(jwt, "sub", uid) == 0 &&
	    jwt_add_grant(jwt, "sid", sid) == 0 &&
	    jwt_add_grant(jwt, "role", role) == 0 &&
	    jwt_add_grant(jwt, "jti", jti) == 0 &&
	    jwt_add_grant_int(jwt, "iat", now) == 0 &&
	    jwt_add_grant_int(jwt, "nbf", now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", now + ACCESS_TOKEN_SECONDS) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, k->key, k->len) == 0)
		token = jwt_encode_str(jwt);

	jwt_free(jwt);
	return (token);
}

/*
 * Reads the header before libjwt touches the token (jwt_header.c): the
 * algorithm must be HS256 and the kid one of ours, or the token is refused.
 */
static int
token_verify(const char *token, struct session *s)
{
	const struct jwt_key	*k;
	char			kid[JWT_KID_MAX];
	jwt_t			*jwt;
	int			ok;

	if (!jwt_header_kid(token, kid, sizeof(kid)) ||
	    (k = key_lookup(kid)) == NULL)
		return (0);

	if (jwt_decode(&jwt, token, k->key, k->len) != 0)
		return (0);
	ok = jwt_get_alg(jwt) == JWT_ALG_HS256 && token_claims(jwt, s);
	jwt_free(jwt);
	return (ok);
}

/*
 * The times come through libjwt as longs: any integer of the token, up to
 * 2^63-1 and down to -2^63, so they are bounded (token_times_valid) before
 * any arithmetic. A time that is not an integer reads as 0, out of range.
 */
static int
token_claims(jwt_t *jwt, struct session *s)
{
	const char		*iss, *aud, *sub, *sid, *role, *jti;
	struct token_times	t;
	int			r;

	iss = jwt_get_grant(jwt, "iss");
	aud = jwt_get_grant(jwt, "aud");
	sub = jwt_get_grant(jwt, "sub");
	sid = jwt_get_grant(jwt, "sid");
	role = jwt_get_grant(jwt, "role");
	jti = jwt_get_grant(jwt, "jti");

	if (iss == NULL || strcmp(iss, SESSION_ISSUER) || aud == NULL ||
	    strcmp(aud, SESSION_AUDIENCE) || !valid_uuid(sub) ||
	    !valid_uuid(sid) || role == NULL || jti == NULL ||
	    strlen(jti) >= sizeof(s->jti))
		return (0);

	errno = 0;
	t.exp = jwt_get_grant_int(jwt, "exp");
	t.nbf = jwt_get_grant_int(jwt, "nbf");
	t.iat = jwt_get_grant_int(jwt, "iat");
	if (errno != 0 || !token_times_valid(&t, time(NULL),
	    ACCESS_TOKEN_SECONDS, CLOCK_SKEW))
		return (0);

	for (r = ROLE_LEARNER; r <= ROLE_ADMIN; r++) {
		if (!strcmp(role, role_names[r]))
			break;
	}
	if (r > ROLE_ADMIN)
		return (0);

	s->present = 1;
	s->role = r;
	s->iat = t.iat;
	(void)kore_strlcpy(s->user_id, sub, sizeof(s->user_id));
	(void)kore_strlcpy(s->session_id, sid, sizeof(s->session_id));
	(void)kore_strlcpy(s->jti, jti, sizeof(s->jti));
	return (1);
}

static const char *
bearer_token(struct http_request *req)
{
	const char	*auth;

	if (!http_request_header(req, "authorization", &auth))
		return (NULL);
	if (strncasecmp(auth, "Bearer ", 7))
		return ("");
	return (auth + 7);
}

/* True for methods that change state. */
static int
unsafe_method(struct http_request *req)
{
	return (req->method != HTTP_METHOD_GET &&
	    req->method != HTTP_METHOD_HEAD);
}

/*
 * The Origin check: a state-changing request from a browser must come from
 * our own origin. Clients that send no Origin (API clients, curl) pass;
 * browsers always send it on such requests.
 */
int
session_origin_ok(struct http_request *req)
{
	const char	*origin;

	if (!http_request_header(req, "origin", &origin))
		return (1);
	return (!strcmp(origin, app_config.public_origin));
}

/*
 * The body of a public route that changes state (sign-in, registration,
 * the mail links): from our own origin, a JSON object holding only the
 * given members, kept in ar->body. Returns 0 once it has answered.
 */
int
session_public_body(struct http_request *req, struct api_req *ar,
    const char *const *fields)
{
	if (!session_origin_ok(req)) {
		session_csrf_refuse(req);
		return (0);
	}
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (0);
	return (body_only(req, ar->body, fields));
}

/* Double submit: the X-CSRF-Token header must equal the sg_csrf cookie. */
static int
csrf_ok(struct http_request *req)
{
	const char	*hdr;
	char		*cookie;
	size_t		len;

	if (!session_origin_ok(req))
		return (0);
	if (!http_request_header(req, "x-csrf-token", &hdr))
		return (0);
	if (!http_request_cookie(req, COOKIE_CSRF, &cookie))
		return (0);
	len = strlen(cookie);
	return (len >= 32 && strlen(hdr) == len &&
	    sodium_memcmp(hdr, cookie, len) == 0);
}

/*
 * Authenticates the caller as the route demands. Answers the request and
 * returns 0 when it must stop.
 */
int
session_authenticate(struct http_request *req, struct api_req *ar, int auth)
{
	const char	*token;
	char		*cookie;
	int		need;

	if (auth == AUTH_PUBLIC)
		return (1);

	http_populate_cookies(req);
	cookie = NULL;
	if ((token = bearer_token(req)) == NULL &&
	    http_request_cookie(req, COOKIE_ACCESS, &cookie)) {
		token = cookie;
		ar->session.via_cookie = 1;
	}

	if (token == NULL || *token == '\0') {
		if (auth == AUTH_OPTIONAL)
			return (1);
		reply_error(req, 401, "unauthenticated",
		    "Sign in to do this.", NULL);
		return (0);
	}

	if (!token_verify(token, &ar->session)) {
		memset(&ar->session, 0, sizeof(ar->session));
		reply_error(req, 401, "invalid_token",
		    "Your sign-in is not valid or has expired; sign in again.",
		    NULL);
		return (0);
	}

	if (ar->session.via_cookie && unsafe_method(req) && !csrf_ok(req)) {
		session_csrf_refuse(req);
		return (0);
	}

	need = auth == AUTH_ADMIN ? ROLE_ADMIN :
	    auth == AUTH_INSTRUCTOR ? ROLE_INSTRUCTOR : ROLE_LEARNER;
	if (ar->session.role < need) {
		reply_error(req, 403, "forbidden",
		    "Your account cannot do this.", NULL);
		return (0);
	}
	return (1);
}

/* The one answer to a request that did not come from the site's pages. */
void
session_csrf_refuse(struct http_request *req)
{
	reply_error(req, 403, "csrf_failed",
	    "This request did not come from the Safeguard Learn site.", NULL);
}

/* Cookie-authenticated refresh: the cookie, guarded like any other. */
int
session_refresh_cookie(struct http_request *req, char **token)
{
	http_populate_cookies(req);
	if (!http_request_cookie(req, COOKIE_REFRESH, token))
		return (0);
	return (csrf_ok(req) ? 1 : -1);
}

static void
cookie_set(struct http_request *req, const char *name, const char *value,
    const char *path, long maxage, int httponly)
{
	char	buf[1024];

	(void)snprintf(buf, sizeof(buf), "%s=%s; Path=%s; Max-Age=%ld; "
	    "SameSite=Strict%s%s", name, value, path, maxage,
	    httponly ? "; HttpOnly" : "",
	    app_config.secure_cookies ? "; Secure" : "");
	http_response_header(req, "set-cookie", buf);
}

/* Browser sign-in: the tokens go into cookies JavaScript cannot read. */
void
session_set_cookies(struct http_request *req, const char *access,
    const char *refresh)
{
	u_int8_t	rnd[24];
	char		csrf[64];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(csrf, sizeof(csrf), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	cookie_set(req, COOKIE_ACCESS, access, "/api/", ACCESS_TOKEN_SECONDS, 1);
	cookie_set(req, COOKIE_REFRESH, refresh, "/api/v1/auth/",
	    REFRESH_TOKEN_SECONDS, 1);
	/* Readable by our JavaScript: it echoes it in X-CSRF-Token. */
	cookie_set(req, COOKIE_CSRF, csrf, "/", REFRESH_TOKEN_SECONDS, 0);
}

void
session_clear_cookies(struct http_request *req)
{
	cookie_set(req, COOKIE_ACCESS, "", "/api/", 0, 1);
	cookie_set(req, COOKIE_REFRESH, "", "/api/v1/auth/", 0, 1);
	cookie_set(req, COOKIE_CSRF, "", "/", 0, 0);
}

/*
 * A new refresh token (256 random bits, base64url) and the form the
 * database stores: its sha256 as a bytea literal.
 */
void
session_refresh_new(char *token, size_t tlen, char *hash_hex)
{
	u_int8_t	rnd[32];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(token, tlen, rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	session_refresh_hash(token, hash_hex);
}

void
session_refresh_hash(const char *token, char *hash_hex)
{
	u_int8_t	digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const u_int8_t *)token, strlen(token));
	hash_hex[0] = '\\';
	hash_hex[1] = 'x';
	sodium_bin2hex(hash_hex + 2, crypto_hash_sha256_BYTES * 2 + 1,
	    digest, sizeof(digest));
}

/* A short hash of a value, for throttle keys that must not hold it. */
void
session_key_hash(const char *prefix, const char *value, char *out,
    size_t outlen)
{
	u_int8_t	digest[crypto_hash_sha256_BYTES];
	char		hex[33];

	crypto_hash_sha256(digest, (const u_int8_t *)value, strlen(value));
	sodium_bin2hex(hex, sizeof(hex), digest, 16);
	(void)snprintf(out, outlen, "%s:%s", prefix, hex);
}

/*
 * The client's address as text (for throttling, hashed before storing).
 * Behind a trusted proxy it is the last address of X-Forwarded-For, the
 * one the proxy itself appended.
 */
void
session_client_addr(struct http_request *req, char *out, size_t len)
{
	struct connection	*c = req->owner;
	const char		*xff, *last;

	if (app_config.trust_proxy &&
	    http_request_header(req, "x-forwarded-for", &xff)) {
		last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		(void)kore_strlcpy(out, last, len);
		return;
	}

	if (c->family == AF_INET6)
		(void)inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, out, len);
	else
		(void)inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, out, len);
}

const char *
session_role_name(int role)
{
	if (role < ROLE_LEARNER || role > ROLE_ADMIN)
		return ("learner");
	return (role_names[role]);
}

int
session_role_value(const char *name)
{
	int	r;

	for (r = ROLE_LEARNER; r <= ROLE_ADMIN; r++) {
		if (!strcmp(name, role_names[r]))
			return (r);
	}
	return (ROLE_NONE);
}
