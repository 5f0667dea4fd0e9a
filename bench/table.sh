#!/bin/sh
# Benchmark: sort, filter and draw a table of 1,000,000 rows.
#
# usage: bench/table.sh [BUILD-DIR] [ROWS]
#	(BUILD-DIR: where configure ran, default "."; ROWS default 1000000)
#
# Builds bench/table-bench there ("make bench/table-bench"; it is not part
# of "make check") and prints the time of each step: sorts by text, bytes,
# state and time; substring, inverted and regex filters; the filter typed
# one key at a time; and drawing a 200x50 screen after a page down, through
# a real curses screen writing to /dev/null. Nothing leaves the machine.
set -eu

build=${1:-.}
rows=${2:-1000000}
make -C "$build" -s bench/table-bench >/dev/null
echo "table: $rows rows, $(uname -m), $(nproc) cores"
TERM=xterm-256color "$build/bench/table-bench" "$rows"
