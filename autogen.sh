#!/bin/sh
# Generate configure and Makefile.in from a git checkout.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf -fi
# The TAP driver comes with automake; copy it where Makefile.am expects it.
for d in /usr/share/automake-*; do
	[ -f "$d/tap-driver.sh" ] && cp -f "$d/tap-driver.sh" build-aux/ && break
done
[ -f build-aux/tap-driver.sh ] || { echo "autogen.sh: tap-driver.sh not found (install automake)" >&2; exit 1; }
