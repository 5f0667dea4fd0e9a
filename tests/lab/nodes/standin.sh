#!/bin/bash
# Stand-ins for docker, systemctl and journalctl that the node tests put
# first on the remote PATH (PLATFORM_TUI_NODE_PATH): fixed output in the
# real tools' formats, and every restart recorded in DIR/calls.log.
#   nodes_standin DIR
nodes_standin() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/docker" <<'EOS'
#!/bin/sh
# docker stand-in: docker ps --format '{{json .}}' lines, inspect, logs, restart.
d=$(dirname "$0")
case "$1" in
ps)
	cat <<'EOJ'
{"Command":"\"docker-entrypoint.sh postgres\"","CreatedAt":"2026-11-20 09:12:44 +0000 UTC","ID":"5d3f0c1e9a7b2f4c6d8e0a1b3c5d7e9f1a2b3c4d5e6f708192a3b4c5d6e7f809","Image":"postgres:15","Labels":"com.docker.compose.project=airflow","LocalVolumes":"1","Mounts":"airflow_pgdata","Names":"airflow-postgres-1","Networks":"airflow_default","Ports":"127.0.0.1:5432-\u003e5432/tcp","RunningFor":"5 days ago","Size":"63B (virtual 412MB)","State":"running","Status":"Up 5 days (healthy)"}
{"Command":"\"/usr/bin/dumb-init -- /entrypoint scheduler\"","CreatedAt":"2026-11-20 09:12:50 +0000 UTC","ID":"7a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9","Image":"apache/airflow:2.9.3","Labels":"","LocalVolumes":"0","Mounts":"","Names":"airflow-scheduler-1","Networks":"airflow_default","Ports":"8080/tcp","RunningFor":"5 days ago","Size":"0B","State":"running","Status":"Up 3 minutes (unhealthy)"}
EOJ
	;;
inspect)
	case "$4" in airflow-postgres-1|airflow-scheduler-1) exit 0 ;; esac
	echo "Error: No such container: $4" >&2
	exit 1
	;;
logs)
	name=$(eval echo "\${$#}")
	i=1
	while [ $i -le 5 ]; do echo "$name log line $i"; i=$((i + 1)); done
	echo "$name ERROR: something failed"
	case " $* " in *" -f "*)
		while :; do sleep 0.5; echo "$name follow line $i"; i=$((i + 1)); done ;;
	esac
	;;
restart)
	echo "docker restart $2" >>"$d/calls.log"
	echo "$2"
	;;
*)	echo "docker stand-in: $*" >&2; exit 2 ;;
esac
EOS
	cat >"$d/systemctl" <<'EOS'
#!/bin/sh
# systemctl stand-in: list-units in its JSON form, restart recorded.
d=$(dirname "$0")
case "$1" in
list-units)
	echo '[{"unit":"ssh.service","load":"loaded","active":"active","sub":"running","description":"OpenBSD Secure Shell server"},{"unit":"wg-quick@wg0.service","load":"loaded","active":"failed","sub":"failed","description":"WireGuard via wg-quick(8) for wg0"}]'
	;;
restart)
	case "$2" in ssh.service|wg-quick@wg0.service) ;; *)
		echo "Failed to restart $2: Unit $2 not found." >&2
		exit 5 ;;
	esac
	echo "systemctl restart $2" >>"$d/calls.log"
	;;
*)	echo "systemctl stand-in: $*" >&2; exit 2 ;;
esac
EOS
	cat >"$d/journalctl" <<'EOS'
#!/bin/sh
# journalctl stand-in: a few lines of the unit named after -u, -f keeps going.
unit=x follow=0
while [ $# -gt 0 ]; do
	case "$1" in -u) unit=$2; shift ;; -f) follow=1 ;; esac
	shift
done
echo "Nov 25 10:00:00 gateway $unit[100]: started"
echo "Nov 25 10:00:01 gateway $unit[100]: listening"
i=0
while [ $follow = 1 ]; do sleep 0.5; i=$((i + 1)); echo "Nov 25 10:00:0$((i % 10)) gateway $unit[100]: tick $i"; done
EOS
	chmod 755 "$d/docker" "$d/systemctl" "$d/journalctl"
	: >"$d/calls.log"
	chmod 666 "$d/calls.log"
}
