#!/usr/bin/env bash
# with-chromium.sh CMD...
#
# Runs CMD with a headless-capable Chromium on the PATH. It installs
# Debian's `chromium` package with apt-get (after `apt-get update`) when no
# browser is found, then exports
#
#   CHROMIUM_BIN=/path/to/chromium   the browser the end-to-end tests drive
#
# runs CMD and exits with CMD's status. A browser already named by
# CHROMIUM_BIN, or found as chromium, chromium-browser, google-chrome or
# google-chrome-stable, is used as it is.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

ME=with-chromium.sh
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

find_browser() {
	local b
	if [ -n "${CHROMIUM_BIN:-}" ] && [ -x "$CHROMIUM_BIN" ]; then
		echo "$CHROMIUM_BIN"
		return 0
	fi
	for b in chromium chromium-browser google-chrome google-chrome-stable; do
		if command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}


bin="$(find_browser)" || { apt_install chromium; bin="$(find_browser)" || die "chromium still not found after apt-get install"; }
CHROMIUM_BIN="$bin"
export CHROMIUM_BIN
echo "with-chromium.sh: $("$CHROMIUM_BIN" --version 2>/dev/null || echo "$CHROMIUM_BIN")" >&2

status=0
"$@" || status=$?
exit "$status"
