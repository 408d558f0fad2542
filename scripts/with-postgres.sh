#!/usr/bin/env bash
# with-postgres.sh CMD...
#
# Runs CMD with a private, throw-away PostgreSQL server on a free loopback
# port. It installs Debian's postgresql with apt-get when initdb is
# missing, runs initdb into a temporary directory (as the package's
# "postgres" user when we are root, since PostgreSQL refuses to run as
# root), starts the server with its socket in that directory, waits until
# it accepts connections, exports
#
#   POSTGRES_DSN=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   POSTGRES_PGDATA=/tmp/with-postgres.XXXX/data   the data directory
#   POSTGRES_PGCTL="[runuser -u postgres --] /path/to/pg_ctl"  to stop/start it
#   POSTGRES_PGLOG=/tmp/with-postgres.XXXX/server.log  the server's log
#
# runs CMD, stops the server on exit and exits with CMD's status. A
# cluster that the Debian package may have started is left alone.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

ME=with-postgres.sh
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# pg_bin finds the directory of initdb and pg_ctl: PATH, else the newest
# /usr/lib/postgresql/N/bin.
pg_bin() {
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v pg_ctl)")"
		return 0
	fi
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
	[ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}


bin="$(pg_bin || true)"
if [ -z "$bin" ]; then
	apt_install postgresql
	bin="$(pg_bin || true)"
	[ -n "$bin" ] || die "initdb still not found after apt-get install"
fi

# as_pg runs its arguments as the postgres user when we are root.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "we are root and there is no postgres user to run the server as"
	run_as=(runuser -u postgres --)
fi


dir="$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")"
chmod 755 "$dir"
[ "${#run_as[@]}" -gt 0 ] && chown postgres "$dir"
data="$dir/data"
started=""
cleanup() {
	if [ -n "$started" ]; then
		"${run_as[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${run_as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
	{ tail -n 20 "$dir/initdb.log" >&2; die "initdb failed"; }

# A port picked free can be taken before the server binds it: try a few.
for attempt in 1 2 3 4 5; do
	port="$(pick_port)" || die "no free port found on 127.0.0.1"
	# In postgresql.conf (the last line wins), so that a plain pg_ctl start
	# by a test that stopped the server brings it back on the same port.
	printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 200\n" \
		"$port" "$dir" >>"$data/postgresql.conf"
	if "${run_as[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	[ -f "$dir/server.log" ] && tail -n 20 "$dir/server.log" >&2
	die "postgres did not start"
fi

export POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export POSTGRES_PGDATA="$data"
export POSTGRES_PGCTL="${run_as[*]} $bin/pg_ctl"
export POSTGRES_PGLOG="$dir/server.log"
echo "with-postgres.sh: $("$bin/postgres" --version) on 127.0.0.1:$port" >&2

status=0
"$@" || status=$?
exit "$status"
