# lib.sh: what the with-*.sh scripts share. Source it after setting
# ME to the script's name (for messages).

# die prints its arguments as ME's error and exits 1.
die() {
	echo "$ME: $*" >&2
	exit 1
}

# apt_install PKG installs Debian's PKG with apt-get (through sudo when not
# root), or dies saying how to do it by hand.
apt_install() {
	local pkg="$1" sudo=""
	echo "$ME: installing $pkg with apt-get" >&2
	command -v apt-get >/dev/null 2>&1 || die "$pkg is missing and apt-get is not available; install $pkg and retry"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "$pkg is missing and we are not root; install $pkg and retry"
		sudo="sudo"
	fi
	if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null; }; then
		die "installing $pkg with apt-get failed; install it by hand and retry"
	fi
}

# port_free P: true when nothing listens on 127.0.0.1:P.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pick_port prints a free loopback port from 20000-59999.
pick_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if port_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
