/*
 * The framework ceiling of make bench: a bare Kore handler that answers a
 * small JSON body built with jansson (the body /api/v1/meta sends). No
 * routing table, no session, no database, no access log: what Kore itself
 * costs per request on this machine, against which the app's cheapest
 * routes are compared.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include <jansson.h>
#include <stdlib.h>

int	ceiling_json(struct http_request *);

/* Kore 4.1's allow-list predates bookworm's glibc (see STACK-NOTES.md). */
KORE_SECCOMP_FILTER("ceiling",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
);

int
ceiling_json(struct http_request *req)
{
	json_t		*json;
	char		*text;

	json = json_pack("{s:s, s:s, s:[s,s]}", "name", "Safeguard Learn",
	    "api", "v1", "languages", "en", "es");
	text = json != NULL ? json_dumps(json, JSON_COMPACT) : NULL;
	json_decref(json);
	if (text == NULL) {
		http_response(req, 500, NULL, 0);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "content-type",
	    "application/json; charset=utf-8");
	http_response(req, 200, text, strlen(text));
	free(text);
	return (KORE_RESULT_OK);
}
