/*
 * Liveness, readiness and what the server says about itself.
 *
 * /healthz answers from the process alone. /readyz asks PostgreSQL: 200 when
 * it answers, 503 with Retry-After when it does not. Neither touches a
 * session or personal data, so load balancers may poll them freely.
 */

#include "platform.h"
#include "handlers.h"

int	health_live(struct http_request *);
int	health_ready(struct http_request *);

static int	health_ready_start(struct http_request *, struct api_req *);
static int	health_ready_done(struct http_request *, struct api_req *);

static const struct api_route	health_ready_route = {
	HTTP_METHOD_GET, "/readyz", AUTH_PUBLIC, health_ready_start
};

int
health_live(struct http_request *req)
{
	static const char	body[] = "{\"status\":\"alive\"}";

	reply_json_text(req, 200, body, sizeof(body) - 1);
	return (KORE_RESULT_OK);
}

int
health_ready(struct http_request *req)
{
	return (api_serve(req, &health_ready_route));
}

static int
health_ready_start(struct http_request *req, struct api_req *ar)
{
	return (db_call(req, ar, "SELECT 1", 0, NULL, health_ready_done));
}

/* Says which worker answered: each has its own connections to recover. */
static int
health_ready_done(struct http_request *req, struct api_req *ar)
{
	json_t		*json;

	json = json_pack("{s:s, s:i}", "status", "ready", "worker",
	    worker != NULL ? (int)worker->id : 0);
	reply_json(req, 200, json);
	json_decref(json);
	return (KORE_RESULT_OK);
}

int
meta_get(struct http_request *req, struct api_req *ar)
{
	json_t		*json;

	json = json_pack("{s:s, s:s, s:[s,s]}", "name", "Safeguard Learn",
	    "api", "v1", "languages", "en", "es");
	reply_json(req, 200, json);
	json_decref(json);
	return (KORE_RESULT_OK);
}
