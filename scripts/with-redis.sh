#!/usr/bin/env bash
# with-redis.sh CMD...
#
# Runs CMD with a private, throw-away redis-server on a free loopback port.
# It installs redis-server with apt-get when it is missing, starts it in a
# temporary directory with persistence off, waits (at most ~10 s) until it
# answers PING, exports
#
#   REDIS_ADDR=127.0.0.1:PORT              the server to use
#   REDIS_SERVER_BIN=/path/to/redis-server so tests can start servers of their own
#
# runs CMD, stops the server on exit and exits with CMD's status. A redis
# that the Debian package may have started on 6379 is left alone: we never
# use that port unless it is free.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

ME=with-redis.sh
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null 2>&1 || {
	apt_install redis-server
	command -v redis-server >/dev/null 2>&1 || die "redis-server still not found after apt-get install"
}
command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found next to redis-server"


dir="$(mktemp -d "${TMPDIR:-/tmp}/with-redis.XXXXXX")"
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port picked free can be taken before redis binds it: try a few.
started=""
for attempt in 1 2 3 4 5; do
	port="$(pick_port)" || die "no free port found on 127.0.0.1"
	(cd "$dir" && exec redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
		--daemonize no --dir "$dir" --logfile "$dir/redis.log") &
	pid=$!
	for _ in $(seq 1 100); do # 100 x 0.1 s = ~10 s
		if ! kill -0 "$pid" 2>/dev/null; then
			break # exited: port taken or bad config; try another port
		fi
		if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
			started=1
			break
		fi
		sleep 0.1
	done
	[ -n "$started" ] && break
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
done
if [ -z "$started" ]; then
	[ -f "$dir/redis.log" ] && tail -n 20 "$dir/redis.log" >&2
	die "redis-server did not answer PING within ~10 s"
fi

export REDIS_ADDR="127.0.0.1:$port"
REDIS_SERVER_BIN="$(command -v redis-server)"
export REDIS_SERVER_BIN
echo "with-redis.sh: redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on $REDIS_ADDR" >&2

status=0
"$@" || status=$?
exit "$status"
