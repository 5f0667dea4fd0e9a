/*
 * Unit tests for the node parsers: real /proc files from a Linux 6.x
 * machine, node-exporter's text, docker ps JSON lines and systemctl in both
 * its forms (tests/unit/nodestat/), rates from two samples, and malformed
 * input refused without a crash.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/nodestat.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

static char *
fixture(const char *name, size_t *len)
{
	const char	*top = getenv("top_srcdir");
	char		*path, *data;
	FILE		*f;
	long		 n;

	path = xprintf("%s/tests/unit/nodestat/%s", top != NULL ? top : ".", name);
	if ((f = fopen(path, "r")) == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = xmalloc((size_t)n + 1);
	*len = fread(data, 1, (size_t)n, f);
	data[*len] = '\0';
	fclose(f);
	free(path);
	return (data);
}

static int
parse_file(int (*fn)(struct nodestat_sample *, const char *, size_t),
    struct nodestat_sample *s, const char *name)
{
	size_t	 len;
	char	*data = fixture(name, &len);
	int	 rc = fn(s, data, len);

	free(data);
	return (rc);
}

static void
test_proc(void)
{
	struct nodestat_sample		 s, t;
	const struct nodestat_mount	*m;
	size_t				 i;

	memset(&s, 0, sizeof s);
	is_int(parse_file(nodestat_parse_stat, &s, "stat"), 0, "/proc/stat parses");
	is_int(s.ncpus, 3, "all and two cores");
	is_int(s.cpus[0].total, 2211510, "total ticks: user to steal, not guest");
	is_int(s.cpus[0].busy, 2211510 - 1598492 - 18157, "busy: not idle or iowait");
	is_int(s.cpus[2].total, 236758 + 74791 + 771507 + 15412 + 6716 + 49, "cpu1's ticks");

	is_int(parse_file(nodestat_parse_meminfo, &s, "meminfo"), 0, "meminfo parses");
	is_int(s.mem_total, 24684084ULL * 1024, "MemTotal in bytes");
	is_int(s.mem_avail, 23730356ULL * 1024, "MemAvailable in bytes");
	is_int(s.swap_total, 0, "no swap");

	is_int(parse_file(nodestat_parse_loadavg, &s, "loadavg"), 0, "loadavg parses");
	ok(s.load[0] > 0.68 && s.load[0] < 0.70 && s.load[1] > 0.50, "load 0.69 0.51");
	is_int(parse_file(nodestat_parse_uptime, &s, "uptime"), 0, "uptime parses");
	ok(s.uptime > 11162 && s.uptime < 11163, "uptime 11162.28 s");

	is_int(parse_file(nodestat_parse_netdev, &s, "netdev"), 0, "net/dev parses");
	is_int(s.nifs, 4, "lo, ifb0, ifb1, eth0");
	for (i = 0; i < s.nifs && strcmp(s.ifs[i].name, "eth0") != 0; i++)
		;
	ok(i < s.nifs && s.ifs[i].rx == 113913450 && s.ifs[i].tx == 139819,
	    "eth0 rx and tx bytes");

	is_int(parse_file(nodestat_parse_mounts, &s, "mounts"), 0, "mounts parse");
	is_int(s.nmounts, 2, "/ and /srv/data disk: no proc, tmpfs, overlay, bind twice");
	is_str(s.mounts[0].path, "/", "root first");
	is_str(s.nmounts > 1 ? s.mounts[1].path : NULL, "/srv/data disk", "\\040 is a space");
	s.mounts[0].total = 1000;
	s.mounts[0].used = 900;
	s.mounts[1].total = 1000;
	s.mounts[1].used = 100;
	m = nodestat_sample_fullest(&s);
	is_str(m != NULL ? m->path : NULL, "/", "the fullest mount");

	nodestat_parse_kernel(&s, "6.18.44-fc-v669\n", 16);
	is_str(s.kernel, "6.18.44-fc-v669", "kernel without the newline");
	nodestat_parse_kernel(&s, "6.1\033[31m\n", 9);
	is_str(s.kernel, "6.1?[31m", "a control character in osrelease is replaced");

	/* A second sample a second later: 50 of 100 ticks busy, 1000 bytes in. */
	memset(&t, 0, sizeof t);
	s.at = 1000;
	t.at = 2000;
	nodestat_parse_stat(&t, "cpu  100 0 0 100 0 0 0 0 0 0\ncpu0 100 0 0 100 0 0 0 0\n", 52);
	memset(&s.cpus[0], 0, sizeof s.cpus[0]);
	s.cpus[0].total = 100;
	s.cpus[0].busy = 50;
	nodestat_parse_netdev(&t, "x\nx\n  lo: 5 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0\n"
	    "  eth0: 113914450 0 0 0 0 0 0 0 139819 0 0 0 0 0 0 0\n", 108);
	nodestat_sample_rates(&t, &s);
	ok(t.busy[0] > 49.9 && t.busy[0] < 50.1, "CPU 50%% from deltas");
	ok(t.rx_rate > 999 && t.rx_rate < 1001, "rx 1000 B/s on eth0 (lo left out)");
	ok(t.tx_rate == 0, "tx 0 B/s");
	/* The same counters a second later (a scrape not yet taken): the same rates. */
	{
		struct nodestat_sample	u;

		memset(&u, 0, sizeof u);
		u.at = 3000;
		nodestat_parse_stat(&u, "cpu  100 0 0 100 0 0 0 0 0 0\ncpu0 100 0 0 100 0 0 0 0\n", 52);
		nodestat_parse_netdev(&u, "x\nx\n  lo: 5 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0\n"
		    "  eth0: 113914450 0 0 0 0 0 0 0 139819 0 0 0 0 0 0 0\n", 108);
		nodestat_sample_rates(&u, &t);
		ok(u.busy[0] > 49.9 && u.busy[0] < 50.1 && u.rx_rate > 999,
		    "unchanged counters keep the last rates");
		nodestat_sample_clear(&u);
	}
	nodestat_sample_rates(&t, NULL);
	ok(t.busy[0] < 0 && t.rx_rate < 0, "no rates without a previous sample");
	nodestat_sample_clear(&t);
	nodestat_sample_clear(&s);
}

static void
test_prom(void)
{
	struct nodestat_sample	 s;
	size_t			 len, i;
	char			*data = fixture("metrics.txt", &len), *cause = NULL;

	memset(&s, 0, sizeof s);
	is_int(nodestat_parse_prom(&s, data, len, &cause), 0, "node-exporter text parses");
	is_int(s.ncpus, 3, "two cores and the sum");
	ok(s.cpus[1].total >= 1108050 && s.cpus[1].total <= 1108051,
	    "cpu 0 in ticks of 10 ms (8274.97 + 27.45 + 38.34 + 0.36 + 624.72 + 2114.67 s)");
	is_int(s.mem_total, 25276502016ULL, "MemTotal bytes");
	ok(s.mem_avail > 0 && s.mem_avail <= s.mem_total,
	    "available memory without MemAvailable: free + buffers + cached");
	ok(s.load[0] > 0.68 && s.load[0] < 0.70 && s.load[1] < 0.52, "load1 and load15");
	ok((s.have & NODESTAT_HAVE_UPTIME) && s.uptime > 11000 && s.uptime < 11200,
	    "uptime from time - boot time");
	is_str(s.kernel, "6.18.44-fc-v669", "release from uname_info");
	is_int(s.nmounts, 1, "one real file system");
	ok(s.nmounts == 1 && s.mounts[0].total == 270553174016ULL &&
	    s.mounts[0].used == 270553174016ULL - 248955129856ULL, "size and used");
	for (i = 0; i < s.nifs && strcmp(s.ifs[i].name, "eth0") != 0; i++)
		;
	ok(i < s.nifs && s.ifs[i].rx == 113913450, "eth0 bytes received");
	free(data);

	data = xstrdup("node_memory_MemTotal_bytes 1000\nnode_memory_MemFree_bytes 100\n"
	    "node_memory_Buffers_bytes 50\nnode_memory_Cached_bytes 150\n");
	nodestat_parse_prom(&s, data, strlen(data), &cause);
	is_int(s.mem_avail, 300, "no MemAvailable: free + buffers + cached");
	free(data);
	data = xstrdup("node_memory_MemTotal_bytes 1000\nnode_memory_MemFree_bytes 100\n"
	    "node_memory_MemAvailable_bytes 700\nnode_memory_Cached_bytes 150\n");
	nodestat_parse_prom(&s, data, strlen(data), &cause);
	is_int(s.mem_avail, 700, "MemAvailable when the kernel has it");
	free(data);
	is_int(nodestat_parse_prom(&s, "# only a comment\nfoo 1\n", 23, &cause), -1,
	    "no node_ metrics is an error");
	ok(cause != NULL && strstr(cause, "node-exporter") != NULL, "the cause says so");
	free(cause);
	cause = NULL;
	data = xstrdup("node_load1{a=\"x\\\"y\"} 2.5\nnode_load5 NaN\nnode_load15{ 1\n"
	    "node_cpu_seconds_total{cpu=\"99999999999\",mode=\"idle\"} 5\n"
	    "node_memory_MemTotal_bytes -5\n");
	is_int(nodestat_parse_prom(&s, data, strlen(data), &cause), 0, "odd lines are skipped");
	ok(s.load[0] == 2.5 && s.ncpus == 0 && s.mem_total == 0,
	    "escaped quotes, NaN, a huge cpu and a negative size are not trusted");
	free(data);
	nodestat_sample_clear(&s);
}

static void
test_docker(void)
{
	struct nodestat_container	*c;
	size_t				 n, len;
	char				*data = fixture("docker.jsonl", &len), *cause = NULL;

	is_int(nodestat_parse_docker(data, len, &c, &n, &cause), 0, "docker ps JSON lines");
	is_int(n, 3, "three containers");
	is_str(c[0].name, "airflow-postgres-1", "name");
	is_str(c[0].image, "postgres:15", "image");
	is_str(c[0].health, "healthy", "health from Status");
	is_str(c[0].ports, "127.0.0.1:5432->5432/tcp", "ports with -> unescaped");
	is_str(c[1].health, "unhealthy", "unhealthy");
	is_str(c[2].state, "exited", "exited");
	is_str(c[2].health, "", "no health check");
	nodestat_containers_free(c, n);
	free(data);
	is_int(nodestat_parse_docker("{\"Names\":\"a\"}\nnot json\n", 24, &c, &n, &cause),
	    -1, "a line that is not JSON is refused");
	ok(cause != NULL && strstr(cause, "line 2") != NULL, "the cause names the line");
	free(cause);
	is_int(nodestat_parse_docker("", 0, &c, &n, &cause), 0, "no containers is fine");
	is_int(n, 0, "and empty");
}

static void
test_units(void)
{
	struct nodestat_unit	*u;
	size_t			 n, len;
	char			*data, *cause = NULL;

	data = fixture("units.json", &len);
	is_int(nodestat_parse_units(data, len, &u, &n, &cause), 0, "systemctl JSON");
	is_int(n, 4, "four units");
	is_str(u[2].name, "wg-quick@wg0.service", "unit name");
	is_str(u[2].active, "failed", "active state");
	is_str(u[3].sub, "dead", "sub state");
	nodestat_units_free(u, n);
	free(data);
	data = fixture("units.txt", &len);
	is_int(nodestat_parse_units(data, len, &u, &n, &cause), 0, "systemctl plain text");
	is_int(n, 4, "four units");
	is_str(u[2].name, "wg-quick@wg0.service", "the failed mark is not the name");
	is_str(u[2].description, "WireGuard via wg-quick(8) for wg0", "description");
	is_str(u[3].load, "not-found", "load state");
	nodestat_units_free(u, n);
	free(data);
	is_int(nodestat_parse_units("[1, {\"unit\": 5}", 15, &u, &n, &cause), -1,
	    "broken JSON is refused");
	free(cause);
}

static void
test_malformed(void)
{
	struct nodestat_sample	 s;

	memset(&s, 0, sizeof s);
	is_int(nodestat_parse_stat(&s, "cpu 1 2\n", 8), -1, "a short cpu line");
	is_int(nodestat_parse_stat(&s, "cpu99999999999999999999 1 2 3 4 5\n", 36), -1,
	    "a huge core number");
	is_int(nodestat_parse_stat(&s, "cpu 18446744073709551615 18446744073709551615 1 1\n",
	    51), -1, "ticks that overflow the sum");
	is_int(nodestat_parse_meminfo(&s, "MemFree: 5 kB\n", 14), -1, "no MemTotal");
	is_int(nodestat_parse_meminfo(&s, "MemTotal: 99999999999999999999 kB\n", 34), -1,
	    "MemTotal past 64 bits");
	is_int(nodestat_parse_loadavg(&s, "1 2\n", 4), -1, "two loads");
	is_int(nodestat_parse_uptime(&s, "-5 3\n", 5), -1, "negative uptime");
	is_int(nodestat_parse_netdev(&s, "eth0: 1 2 3\n", 12), -1, "short net/dev line");
	is_int(nodestat_parse_mounts(&s, "\\\\\\0 / \n", 8), -1, "no fstype");
	nodestat_sample_clear(&s);
	ok(nodestat_name_ok("wg-quick@wg0.service") && nodestat_name_ok("airflow-db_1"),
	    "unit and container names are taken");
	ok(!nodestat_name_ok("a;b") && !nodestat_name_ok("-f") && !nodestat_name_ok("") &&
	    !nodestat_name_ok("a b") && !nodestat_name_ok("$(x)"),
	    "names the shell would read are refused");
}

int
main(void)
{
	test_proc();
	test_prom();
	test_docker();
	test_units();
	test_malformed();
	return (tap_done());
}
