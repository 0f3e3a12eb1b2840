# Shell functions shared by scripts/bench and scripts/bench-soak: the bench
# PostgreSQL cluster, the bench data, the servers, and what they measure.
# Sourced from the repository root; expects `set -eu`.

VAR=$(pwd)/var
OUT=${BENCH_OUT:-$(pwd)/out/bench}
PGBIN=/usr/lib/postgresql/15/bin
SUPER=safeguard
BENCH_DB=safeguard_bench
BENCH_PGDATA=$VAR/bench-pgdata
BENCH_SOCK=$VAR/bench-run
# Named in bench.conf and in the URLs, as scripts/db does: neither Debian's
# psql wrapper (PGPORT=5433 when its own cluster took 5433) nor PGHOST,
# PGPORT or PGHOSTADDR in the environment can send a URL elsewhere.
BENCH_PGPORT=5432

BENCH_PORT=${BENCH_PORT:-8891}
CEILING_PORT=${CEILING_PORT:-8892}
BENCH_BASE=http://127.0.0.1:$BENCH_PORT
CEILING_BASE=http://127.0.0.1:$CEILING_PORT

# Data set size (tests/bench/data.sql).
BENCH_LEARNERS=${BENCH_LEARNERS:-100000}
BENCH_COURSES=${BENCH_COURSES:-20}
BENCH_MODULES=${BENCH_MODULES:-5}
BENCH_LESSONS=${BENCH_LESSONS:-6}
BENCH_PER_LEARNER=${BENCH_PER_LEARNER:-3}
BENCH_PROGRESS=${BENCH_PROGRESS:-1000000}
# Learners signed in over HTTP whose tokens the wrk scripts use.
BENCH_SIGNED_IN=${BENCH_SIGNED_IN:-256}
# Of those, the first BENCH_QUIZ_SAVERS hold an open attempt the quiz-save
# scenario saves answers to; the others start and submit attempts
# (quiz-cycle), so that neither scenario closes the other's attempts.
# At most 64: each starts an attempt over HTTP before the runs.
BENCH_QUIZ_SAVERS=${BENCH_QUIZ_SAVERS:-$((BENCH_SIGNED_IN / 4 < 64 ? BENCH_SIGNED_IN / 4 : 64))}
BENCH_PASSWORD=${BENCH_PASSWORD:-bench passphrase for load tests}

# Load.
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_THREADS=${BENCH_THREADS:-$(nproc)}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-10s}

server_pid=""
ceiling_pid=""
cluster_started=""

log() {
	echo "bench: $*"
}

die() {
	echo "bench: $*" >&2
	exit 1
}

need_tools() {
	command -v wrk >/dev/null 2>&1 ||
		die "wrk is missing: make deps-all (scripts/install-deps all) installs it"
	[ -x "$PGBIN/pgbench" ] ||
		die "pgbench is missing: it comes with postgresql-15 (make deps)"
	command -v kodev >/dev/null 2>&1 || die "kodev is missing: make deps"
	command -v curl >/dev/null 2>&1 || die "curl is missing: make deps"
}

# ---------------------------------------------------------------------------
# The bench cluster: private to make bench, so that make test (which stops
# and starts the development cluster on purpose) never pulls the database
# from under a run, and so that its settings can be a production box's.

as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

bench_url() {
	if [ -n "${DATABASE_URL:-}" ]; then
		echo "$DATABASE_URL"
	else
		echo "postgresql:///$BENCH_DB?host=$BENCH_SOCK&port=$BENCH_PGPORT&hostaddr=&user=$SUPER"
	fi
}

cluster_prepare() {
	mkdir -p "$VAR"
	[ "$(id -u)" -eq 0 ] || { mkdir -p "$BENCH_SOCK"; return 0; }
	# The postgres user must reach var/; a checkout under /root keeps the
	# cluster in /var/tmp instead, as scripts/db does.
	if ! runuser -u postgres -- test -x "$VAR"; then
		alt=/var/tmp/safeguard-bench-pg-$(echo "$VAR" | sha256sum | cut -c1-12)
		mkdir -p "$alt/data" "$alt/run"
		chown postgres:postgres "$alt" "$alt/data" "$alt/run"
		[ -L "$BENCH_PGDATA" ] || ln -s "$alt/data" "$BENCH_PGDATA"
		[ -L "$BENCH_SOCK" ] || ln -s "$alt/run" "$BENCH_SOCK"
	else
		mkdir -p "$BENCH_PGDATA" "$BENCH_SOCK"
		chown postgres:postgres "$BENCH_PGDATA" "$BENCH_SOCK"
	fi
}

cluster_start() {
	[ -n "${DATABASE_URL:-}" ] && return 0
	cluster_prepare
	data=$(readlink -f "$BENCH_PGDATA")
	if [ ! -f "$data/PG_VERSION" ]; then
		log "creating the bench PostgreSQL cluster in var/bench-pgdata"
		chmod 700 "$data"
		as_postgres "$PGBIN/initdb" -D "$data" -U "$SUPER" --auth=trust \
			--encoding=UTF8 --locale=C.UTF-8 >"$OUT/initdb.log" 2>&1 ||
			{ cat "$OUT/initdb.log"; exit 1; }
		printf "\n# Safeguard Learn bench cluster\ninclude 'bench.conf'\n" \
			>>"$data/postgresql.conf"
	fi
	# The settings under review live in the repository: copied in at
	# every start, so an edit takes effect on the next make bench.
	{
		cat tests/bench/postgresql.conf
		echo "port = $BENCH_PGPORT"
		echo "unix_socket_directories = '$(readlink -f "$BENCH_SOCK")'"
	} >"$data/bench.conf"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data/bench.conf"
	touch "$OUT/postgresql.log"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$OUT/postgresql.log"
	if as_postgres "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_postgres "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	fi
	as_postgres "$PGBIN/pg_ctl" -D "$data" -l "$OUT/postgresql.log" -w -t 60 \
		start >/dev/null || { tail -20 "$OUT/postgresql.log"; exit 1; }
	cluster_started=1
}

cluster_stop() {
	[ -n "$cluster_started" ] || return 0
	as_postgres "$PGBIN/pg_ctl" -D "$(readlink -f "$BENCH_PGDATA")" -m fast \
		-w stop >/dev/null 2>&1 || true
	cluster_started=""
}

# A fresh database with the schema and the generated data.
bench_data() {
	url=$(bench_url)
	# BENCH_REUSE_DATA=1 keeps the last run's data (tuning sweeps only: the
	# writes of earlier runs stay in it), migrated to the code under test.
	if [ "${BENCH_REUSE_DATA:-0}" = 1 ] &&
	    psql "$url" -XAtc "SELECT count(*) FROM lesson_progress" >/dev/null 2>&1; then
		log "reusing the data of the last run (BENCH_REUSE_DATA=1)"
		DATABASE_URL=$url scripts/migrate >"$OUT/migrate.log" ||
			{ cat "$OUT/migrate.log"; exit 1; }
		return 0
	fi
	if [ -z "${DATABASE_URL:-}" ]; then
		admin="postgresql:///postgres?host=$BENCH_SOCK&port=$BENCH_PGPORT&hostaddr=&user=$SUPER"
		PGOPTIONS="-c client_min_messages=warning" psql "$admin" -Xq \
			-c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" \
			-c "CREATE DATABASE $BENCH_DB" >/dev/null
	fi
	DATABASE_URL=$url scripts/migrate >"$OUT/migrate.log" ||
		{ cat "$OUT/migrate.log"; exit 1; }
	hash=$(printf '%s\n' "$BENCH_PASSWORD" | build/sgctl hash)
	log "generating $BENCH_LEARNERS learners, $BENCH_COURSES courses of" \
		"${BENCH_MODULES}x$BENCH_LESSONS lessons, $BENCH_PROGRESS progress rows"
	psql "$url" -X -q -v ON_ERROR_STOP=1 \
		-v learners="$BENCH_LEARNERS" -v courses="$BENCH_COURSES" \
		-v modules="$BENCH_MODULES" -v lessons="$BENCH_LESSONS" \
		-v per_learner="$BENCH_PER_LEARNER" -v progress="$BENCH_PROGRESS" \
		-v cert_stride=$((BENCH_LEARNERS / BENCH_SIGNED_IN)) \
		-v hash="$hash" -f tests/bench/data.sql >"$OUT/data.log" 2>&1 ||
		{ cat "$OUT/data.log"; exit 1; }
	tail -3 "$OUT/data.log" | head -1 | sed 's/^/bench: rows: /'
}

# ---------------------------------------------------------------------------
# Servers. Each runs in its own session (setsid) so that it and its workers
# are one process group, stopped by the parent's id.

# server_start CONF BASE LOGFILE: prints the parent's pid.
server_start() {
	port=${2##*:}
	if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
		echo "bench: port $port is taken; stop what listens there first" >&2
		return 1
	fi
	: >"$3"
	setsid env DATABASE_URL="$(bench_url)" SG_VAR_DIR="$VAR" \
		SG_PUBLIC_ORIGIN="$2" kore -f -n -r -c "$1" >>"$3" 2>&1 &
	pid=$!
	i=0
	until curl -sf --max-time 2 -o /dev/null "$2/healthz" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "bench: the server ($1) did not start; its log:" >&2
			tail -20 "$3" >&2
			/usr/bin/kill -KILL -- "-$pid" 2>/dev/null || true
			return 1
		fi
		sleep 0.1
	done
	echo "$pid"
}

# SIGTERM, then SIGKILL to the whole group after 10 s: a worker whose task
# thread has run can stay behind as a zombie with that thread alive, and
# the parent waits for it for ever. (dash's kill cannot signal a group.)
server_stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "bench: the server ($1) did not stop within 10 s of SIGTERM; killing its group" >&2
	fi
	/usr/bin/kill -KILL -- "-$1" 2>/dev/null || true
}

# The server's processes: the parent and its workers.
server_pids() {
	echo "$1"
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# Starts a new peak: VmHWM of each process falls back to its VmRSS.
rss_reset() {
	for p in $(server_pids "$1"); do
		echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true
	done
}

# Sum of a /proc/PID/status field (VmHWM, VmRSS) over the server, in KiB.
rss_sum() {
	total=0
	for p in $(server_pids "$1"); do
		# A worker may have just died: its status is gone.
		v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null) || v=0
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# Dead workers and sandbox kills are failures of the run, not noise.
# (Crashed workers are counted by scripts/bench from their pids instead.)
server_log_check() {
	if grep -qE 'sandbox violation|fatal|could not' "$1"; then
		echo "bench: the server log ($1) reports a problem:" >&2
		grep -nE 'sandbox violation|fatal|could not' "$1" | head -10 >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------
# The fixture the wrk scripts load: the data set's shape, the entity tags of
# the outlines, and access tokens of learners signed in over HTTP now.

fixture_make() {
	url=$(bench_url)
	stride=$((BENCH_LEARNERS / BENCH_SIGNED_IN))
	[ "$stride" -ge 1 ] || die "BENCH_SIGNED_IN exceeds BENCH_LEARNERS"
	: >"$OUT/tokens.txt"
	if [ "${BENCH_MINT_TOKENS:-0}" = 1 ]; then
		# Growth runs: more learners than argon2id sign-ins allow,
		# tokens minted with the server's key for their live sessions.
		log "minting access tokens for $BENCH_SIGNED_IN learners (BENCH_MINT_TOKENS=1)"
		python3 tests/bench/tools/mint_tokens.py "$VAR/keys/jwt" \
		    "$BENCH_SIGNED_IN" "$stride" >"$OUT/tokens.txt" ||
			die "minting tokens failed"
	else
		fixture_sign_in
	fi
	got=$(wc -l <"$OUT/tokens.txt")
	[ "$got" -eq "$BENCH_SIGNED_IN" ] ||
		die "only $got of $BENCH_SIGNED_IN learners could sign in"
	sort -n "$OUT/tokens.txt" -o "$OUT/tokens.txt"
	quiz_attempts_make "$url"

	{
		echo "-- Written by make bench; loaded by tests/bench/lua/common.lua."
		echo "return {"
		echo "  run = \"$(date +%s)\","
		echo "  learners = $BENCH_LEARNERS, courses = $BENCH_COURSES,"
		echo "  modules = $BENCH_MODULES, lessons = $BENCH_LESSONS,"
		echo "  per_learner = $BENCH_PER_LEARNER,"
		echo "  password = \"$BENCH_PASSWORD\","
		echo "  etags = {"
		psql "$url" -XAt -c "SELECT outline_etag FROM courses
		    WHERE slug LIKE 'bench-course-%'
		    ORDER BY substr(slug, 14)::int" |
			sed 's/"/\\"/g; s/.*/    "&",/'
		echo "  },"
		echo "  -- \"n token\" a line, sorted by n: common.lua reads it into"
		echo "  -- signed_in (a table literal of 100,000 tokens is too large"
		echo "  -- for LuaJIT)."
		echo "  tokens_file = \"$OUT/tokens.txt\","
		echo "  quiz_savers = $BENCH_QUIZ_SAVERS,"
		echo "  quiz_save = {"
		awk -F '|' '{ printf "    { n = %s, attempt = \"%s\", qid = \"%s\", choice = \"%s\" },\n", $1, $2, $3, $4 }' \
		    "$OUT/quiz-attempts.txt"
		echo "  },"
		echo "}"
	} >"$OUT/fixture.lua"
}

# fixture_sign_in: BENCH_SIGNED_IN learners sign in over HTTP (argon2id
# each), "n token" a line in tokens.txt.
fixture_sign_in() {
	log "signing in $BENCH_SIGNED_IN learners over HTTP (argon2id each)"
	k=0
	while [ $k -lt "$BENCH_SIGNED_IN" ]; do
		echo $((1 + k * stride))
		k=$((k + 1))
	done | BASE=$BENCH_BASE PASSWORD=$BENCH_PASSWORD xargs -P 8 -n 1 sh -c '
		body=$(printf "{\"email\":\"learner%s@bench.example\",\"password\":\"%s\"}" "$1" "$PASSWORD")
		tok=$(curl -s --max-time 60 -X POST -H "content-type: application/json" \
		    --data "$body" "$BASE/api/v1/auth/login" |
		    sed -n "s/.*\"access_token\":\"\([^\"]*\)\".*/\1/p")
		[ -n "$tok" ] && echo "$1 $tok"' _ >>"$OUT/tokens.txt"
}

# quiz_attempts_make URL: the quiz-save learners (the first
# BENCH_QUIZ_SAVERS signed in) start an attempt at the quiz of their first
# course over HTTP (the server draws it); "n|attempt|question|choice" of
# each, a question and a choice id of its view, in quiz-attempts.txt.
quiz_attempts_make() {
	[ "$BENCH_QUIZ_SAVERS" -ge 1 ] || die "BENCH_QUIZ_SAVERS must be 1 or more"
	log "starting $BENCH_QUIZ_SAVERS quiz attempts over HTTP"
	sort -n "$OUT/tokens.txt" | head -n "$BENCH_QUIZ_SAVERS" |
	while read -r n tok; do
		quiz=$(printf '00000000-0000-4000-e000-%d' $((100000000000 + n % BENCH_COURSES)))
		code=$(curl -s -o /dev/null -w "%{http_code}" --max-time 60 -X POST -d "" \
		    -H "Authorization: Bearer $tok" "$BENCH_BASE/api/v1/quizzes/$quiz/attempts")
		case $code in
		200|201) ;;
		*) die "starting a quiz attempt for learner $n answered $code" ;;
		esac
	done
	savers=$(sort -n "$OUT/tokens.txt" | head -n "$BENCH_QUIZ_SAVERS" |
	    awk '{ printf "%s%s", (NR > 1 ? "," : ""), $1 }')
	psql "$1" -XAt -c "SELECT n, a.id, a.questions->0->>'id',
	    a.questions->0->'view'->'choices'->0->>'id'
	    FROM unnest('{$savers}'::int[]) n JOIN quiz_attempts a
	      ON a.user_id = ('00000000-0000-4000-8000-' || 100000000000 + n)::uuid
	    WHERE a.state = 'open' ORDER BY n" >"$OUT/quiz-attempts.txt"
	got=$(wc -l <"$OUT/quiz-attempts.txt")
	[ "$got" -eq "$BENCH_QUIZ_SAVERS" ] ||
		die "$got open quiz attempts, not $BENCH_QUIZ_SAVERS"
	quiz_reference_cycle
}

# quiz_reference_cycle: the first quiz-cycle learner (the one after the
# quiz-save learners) starts an attempt at the quiz of their first course
# and submits it with no answer, over HTTP: the server's draw and grade,
# which tests/bench/pgbench/quiz_cycle.sql sends again for each of its
# attempts instead of drawing and grading in C.
quiz_reference_cycle() {
	[ "$BENCH_SIGNED_IN" -gt "$BENCH_QUIZ_SAVERS" ] || return 0
	set -- $(sort -n "$OUT/tokens.txt" | sed -n "$((BENCH_QUIZ_SAVERS + 1))p")
	quiz=$(printf '00000000-0000-4000-e000-%d' $((100000000000 + $1 % BENCH_COURSES)))
	attempt=$(curl -s --max-time 60 -X POST -d "" -H "Authorization: Bearer $2" \
	    "$BENCH_BASE/api/v1/quizzes/$quiz/attempts" |
	    sed -n 's/^{"attempt" *: *{"id" *: *"\([0-9a-f-]*\)".*/\1/p')
	[ -n "$attempt" ] || die "the reference quiz attempt (learner $1) did not start"
	code=$(curl -s -o /dev/null -w "%{http_code}" --max-time 60 -X POST \
	    -H "Content-Type: application/json" -d "{}" -H "Authorization: Bearer $2" \
	    "$BENCH_BASE/api/v1/attempts/$attempt/submit")
	[ "$code" = 200 ] || die "submitting the reference quiz attempt answered $code"
}

# wrk_mixed SECONDS OUTFILE: every scenario at once (tests/bench/lua/mixed.lua)
# against the app for SECONDS, wrk's report in OUTFILE; wrk's exit status.
wrk_mixed() {
	BENCH_FIXTURE=$OUT/fixture.lua wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" \
		-d "${1}s" --timeout "$BENCH_TIMEOUT" -s tests/bench/lua/mixed.lua \
		"$BENCH_BASE" >"$2" 2>&1
}

# ---------------------------------------------------------------------------
# The bare Kore handler: tests/bench/ceiling, built with kodev. kodev wants
# the folder named as conf/<name>.conf and leaves a dh2048.pem and cert/
# behind, so it runs in a staging folder that links back (the trick of
# scripts/build-app).

ceiling_build() {
	top=$(pwd)
	out=$top/build/bench
	stage=$out/stage/ceiling
	rm -rf "$stage" "$out/ceiling-objs"
	mkdir -p "$stage/conf" "$out/ceiling-objs"
	ln -s "$top/tests/bench/ceiling/src" "$stage/src"
	ln -s "$top/tests/bench/ceiling/conf/build.conf" "$stage/conf/build.conf"
	ln -s "$top/tests/bench/ceiling/conf/ceiling.conf" "$stage/conf/ceiling.conf"
	(cd "$stage" && KORE_BUILD_FLAVOR=bench KODEV_OUTPUT=$out \
		KORE_OBJDIR=$out/ceiling-objs kodev build) >"$out/ceiling-build.log" 2>&1 ||
		{ cat "$out/ceiling-build.log"; exit 1; }
}
