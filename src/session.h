/*
 * Sessions: what accounts.c and the other domains use of session.c.
 */

#ifndef __H_SESSION_H
#define __H_SESSION_H

#include "platform.h"

#define SESSION_ISSUER		"safeguard-learn"
#define SESSION_AUDIENCE	"safeguard-learn-api"
#define ACCESS_TOKEN_SECONDS	900
#define REFRESH_TOKEN_SECONDS	(30 * 24 * 3600)

#define COOKIE_ACCESS		"sg_access"
#define COOKIE_REFRESH		"sg_refresh"
#define COOKIE_CSRF		"sg_csrf"

/* A refresh token is 43 characters; its stored form "\x" + 64 hex. */
#define REFRESH_TOKEN_LEN	64
#define REFRESH_HASH_LEN	72

void		session_new_uuid(char *);
char		*session_access_token(const char *, const char *,
		    const char *);
int		session_origin_ok(struct http_request *);
void		session_csrf_refuse(struct http_request *);
int		session_public_body(struct http_request *, struct api_req *,
		    const char *const *);
int		session_refresh_cookie(struct http_request *, char **);
void		session_set_cookies(struct http_request *, const char *,
		    const char *);
void		session_clear_cookies(struct http_request *);
void		session_refresh_new(char *, size_t, char *);
void		session_refresh_hash(const char *, char *);
void		session_key_hash(const char *, const char *, char *, size_t);
void		session_client_addr(struct http_request *, char *, size_t);
const char	*session_role_name(int);
int		session_role_value(const char *);

#endif
