# Shell functions shared by scripts/migrate, scripts/seed and
# scripts/create-admin. Sourced from the repository root after `set -eu`,
# with DATABASE_URL set.

# psql_db [PSQL OPTION...]: psql on DATABASE_URL, without ~/.psqlrc, quiet,
# stopping at the first error. Callers add what they need (-1, -tA, -v).
psql_db() {
	psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"
}

# die MESSAGE...: the message on stderr, after the script's name; exit 1.
die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}
