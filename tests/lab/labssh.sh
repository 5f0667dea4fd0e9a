#!/bin/bash
# TAP: the lab as an operator outside the private network sees it: lab/lab
# up writes lab-ssh.conf, where every service goes via ssh through the
# gateway and the internal nodes are reached by jump. Status, SQL on both
# shards, Airflow, S3, Spark and exec on an internal node all work through it.
. "$(dirname "$0")/../integration/lib.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
[ -f "$LAB/lab-ssh.conf" ] || { echo "1..0 # SKIP no lab ($LAB/lab-ssh.conf)"; exit 0; }
INV=(-i "$LAB/lab-ssh.conf")

like "$(grep -c '^via = ssh' "$LAB/lab-ssh.conf")" '^[1-9][0-9]*$' "lab-ssh.conf routes its services via ssh"
run "${INV[@]}" status -o tsv
is "$rc" 0 "status through the gateway's SSH session exits 0"
ok "$(echo "$out" | awk -F'\t' 'NR > 1 && $5 != "up"' | grep -q .; [ $? -ne 0 ]; echo $?)" "every endpoint is up through the route"
like "$(echo "$out" | grep -c .)" '^1[0-9]$' "... all of them listed"
run "${INV[@]}" sql 'SELECT count() FROM events' -o tsv
is "$rc" 0 "sql through the route"
like "$out" '^[0-9]+$' "... gives a count from both shards"
run "${INV[@]}" dag list -o tsv
like "$out" 'process_medallion' "dag list through the route"
run "${INV[@]}" s3 ls s3://lakehouse/
like "$out" 'bronze/' "s3 ls through the route"
run "${INV[@]}" spark apps -o tsv
is "$rc" 0 "spark apps through the route (TLS verified against the API server's name)"
run "${INV[@]}" --log "$T/jump.log" --yes node exec analytics -- uname -n
is "$rc" 0 "exec on the analytics node by jump"
like "$(cat "$T/jump.log")" "session analytics: .*@127\.0\.1\.3:2222 via gateway" \
    "... its session goes through the gateway's"
done_testing
