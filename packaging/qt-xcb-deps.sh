#!/usr/bin/env bash
# Make sure Qt's xcb platform plugin (the desktop app on X11) finds every system library it links to.
# Usage: packaging/qt-xcb-deps.sh PYTHON [--check]
#   Asks ldd which libraries the plugin cannot find, installs their Debian packages with apt-get
#   (as root or through sudo), and checks again. With --check, or without apt-get, it only names them.
# Exit status: 0 when nothing is missing, 1 otherwise (with the missing libraries and packages named).
set -euo pipefail

PYTHON=${1:?usage: qt-xcb-deps.sh PYTHON [--check]}
MODE=${2:-install}

plugin_dir=$("$PYTHON" -c 'import pathlib, PySide6; print(pathlib.Path(PySide6.__file__).parent / "Qt")')
plugins=("$plugin_dir/plugins/platforms/libqxcb.so")
if [ ! -e "${plugins[0]}" ]; then
	echo "Qt's xcb platform plugin is not in $plugin_dir; reinstall PySide6." >&2
	exit 1
fi

# Library file name -> Debian package (Qt 6's xcb plugin and what it pulls in).
package_for() {
	case "$1" in
		libxcb-cursor.so.*) echo libxcb-cursor0 ;;
		libxcb-icccm.so.*) echo libxcb-icccm4 ;;
		libxcb-keysyms.so.*) echo libxcb-keysyms1 ;;
		libxcb-image.so.*) echo libxcb-image0 ;;
		libxcb-render-util.so.*) echo libxcb-render-util0 ;;
		libxcb-shape.so.*) echo libxcb-shape0 ;;
		libxcb-xkb.so.*) echo libxcb-xkb1 ;;
		libxcb-randr.so.*) echo libxcb-randr0 ;;
		libxcb-xfixes.so.*) echo libxcb-xfixes0 ;;
		libxcb-sync.so.*) echo libxcb-sync1 ;;
		libxcb-xinerama.so.*) echo libxcb-xinerama0 ;;
		libxcb-xinput.so.*) echo libxcb-xinput0 ;;
		libxcb-render.so.*) echo libxcb-render0 ;;
		libxcb-shm.so.*) echo libxcb-shm0 ;;
		libxcb-glx.so.*) echo libxcb-glx0 ;;
		libxcb.so.*) echo libxcb1 ;;
		libxkbcommon-x11.so.*) echo libxkbcommon-x11-0 ;;
		libxkbcommon.so.*) echo libxkbcommon0 ;;
		libX11-xcb.so.*) echo libx11-xcb1 ;;
		libX11.so.*) echo libx11-6 ;;
		libSM.so.*) echo libsm6 ;;
		libICE.so.*) echo libice6 ;;
		libEGL.so.*) echo libegl1 ;;
		libGL.so.*) echo libgl1 ;;
		libOpenGL.so.*) echo libopengl0 ;;
		libGLX.so.*) echo libglx0 ;;
		libfontconfig.so.*) echo libfontconfig1 ;;
		libfreetype.so.*) echo libfreetype6 ;;
		libdbus-1.so.*) echo libdbus-1-3 ;;
		libglib-2.0.so.*) echo libglib2.0-0 ;;
		*) echo "" ;;
	esac
}

missing_libraries() {
	for f in "${plugins[@]}"; do
		LD_LIBRARY_PATH="$plugin_dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$f" 2>/dev/null \
			| awk '/not found/ {print $1}'
	done | sort -u
}

describe() {
	local libs=$1 packages="" unknown=""
	for lib in $libs; do
		p=$(package_for "$lib")
		if [ -n "$p" ]; then packages="$packages $p"; else unknown="$unknown $lib"; fi
	done
	echo "$packages" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' '
	[ -z "$unknown" ] || echo "(and libraries without a known package:$unknown)" >&2
}

libs=$(missing_libraries)
[ -z "$libs" ] && exit 0
packages=$(describe "$libs")

if [ "$MODE" != "--check" ] && command -v apt-get >/dev/null 2>&1; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	echo "Installing the X11 libraries Qt needs for a desktop window: $packages"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $packages >/dev/null
	libs=$(missing_libraries)
	[ -z "$libs" ] && exit 0
	packages=$(describe "$libs")
fi

echo "Qt's xcb platform (the desktop window) cannot find these libraries:" >&2
echo "  $(echo "$libs" | tr '\n' ' ')" >&2
echo "Install them with your package manager; on Debian or Ubuntu:" >&2
echo "  sudo apt-get install $packages" >&2
exit 1
