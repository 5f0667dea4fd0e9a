#!/bin/bash
# Inventory errors through the real program: each names file, line and key, and exits 2.
. "$(dirname "$0")/lib.sh"

inv() {	# inv NAME: write stdin to $T/NAME.conf
	cat >"$T/$1.conf"
	chmod 644 "$T/$1.conf"
}

check() {	# check NAME PATTERN DESCRIPTION
	run inventory check "$T/$1.conf"
	is "$rc" 2 "$3: exit 2"
	like "$err" "$2" "$3: message"
}

cat >"$T/good.head" <<'X'
[platform]
name = t

[node gw]
address = 127.0.0.1
X

inv unknown <<'X'
[node gw]
adress = 10.0.0.1
X
check unknown "unknown\.conf:2: key 'adress'" "unknown key"

inv missing <<'X'
[node gw]
roles = gateway
X
check missing "missing\.conf:1: .*'address'" "missing required key"

inv badaddr <<'X'
[node gw]
address = 10.0.0.1/24
X
check badaddr "badaddr\.conf:2: key 'address'" "bad address"

inv dupnode <<'X'
[node gw]
address = 10.0.0.1
[node gw]
address = 10.0.0.2
X
check dupnode "dupnode\.conf:3: .*gw.*" "duplicate node"

inv nonode <<'X'
[node gw]
address = 10.0.0.1
[service pg]
kind = postgres
node = ghost
endpoint = postgresql://10.0.0.1:5432/x
X
check nonode "nonode\.conf:5: key 'node'.*ghost" "service on an undefined node"

inv badurl <<'X'
[node gw]
address = 10.0.0.1
[service pg]
kind = postgres
node = gw
endpoint = postgresql://10.0.0.1:99999/x
X
check badurl "badurl\.conf:6: key 'endpoint'" "bad port in an endpoint"

inv inline <<'X'
[node gw]
address = 10.0.0.1
[service pg]
kind = postgres
node = gw
endpoint = postgresql://10.0.0.1/x
secret = hunter2
X
check inline "inline\.conf:7: key 'secret'.*reference" "a secret that is not a reference"
ok "$(printf '%s' "$err" | grep -c hunter2)" "the secret itself is never printed"

inv noenv <<'X'
[node gw]
address = 10.0.0.1
[service pg]
kind = postgres
node = gw
endpoint = postgresql://10.0.0.1/x
secret = env:PT_TEST_SURELY_UNSET
X
unset PT_TEST_SURELY_UNSET
check noenv "noenv\.conf:7: key 'secret'.*PT_TEST_SURELY_UNSET" "an unset variable reference"

echo 's3cr3t' >"$T/secret"
chmod 644 "$T/secret"
inv leaky <<X
[node gw]
address = 10.0.0.1
[service pg]
kind = postgres
node = gw
endpoint = postgresql://10.0.0.1/x
secret = file:$T/secret
X
check leaky "leaky\.conf:7: key 'secret'.*chmod" "a secret file readable by others"
chmod 600 "$T/secret"
run inventory check "$T/leaky.conf"
is "$rc" 0 "the same file with mode 600 passes"

inv syntax <<'X'
[node gw]
address
X
check syntax "syntax\.conf:2:" "a line without ="

inv section <<'X'
[nodes gw]
address = 10.0.0.1
X
check section "section\.conf:1:" "an unknown section"

inv writable <<'X'
[node gw]
address = 10.0.0.1
X
chmod 666 "$T/writable.conf"
check writable "writable\.conf.*chmod go-w" "an inventory others can write is refused"

run inventory check "$T/does-not-exist.conf"
is "$rc" 2 "a missing inventory exits 2"
like "$err" "does-not-exist\.conf" "naming the file"

run -i "$T/unknown.conf" status
is "$rc" 2 "status on a broken inventory exits 2"
like "$err" "unknown\.conf:2: key 'adress'" "with the same message"

for ex in three-vps single-vps lakehouse-k8s; do
	# Every env: reference the example makes must be set for the check to pass.
	for v in $(grep -o 'env:[A-Za-z_][A-Za-z0-9_]*' "$top_srcdir/examples/$ex.conf" | cut -d: -f2); do
		export "$v=example"
	done
	run inventory check "$top_srcdir/examples/$ex.conf"
	is "$rc" 0 "examples/$ex.conf passes inventory check"
	[ "$rc" -eq 0 ] || echo "# $err"
done

run -i "$top_srcdir/examples/three-vps.conf" inventory show nodes -o tsv
like "$out" $'^node\taddress' "inventory show nodes prints a table"
run -i "$top_srcdir/examples/three-vps.conf" inventory show -o json
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d) > 3 and all("url" in r for r in d)'
ok $? "inventory show services as JSON"

PLATFORM_TUI_INVENTORY="$T/leaky.conf" run inventory show -o tsv
like "$out" 'file:' "PLATFORM_TUI_INVENTORY names the inventory; secrets show as references"
ok "$(printf '%s' "$out" | grep -c s3cr3t)" "and never as their value"

done_testing
