/*
 * The inventory: nodes, services, their endpoints and how each is reached.
 * Topology is data: nothing here knows a service kind or a node name.
 */
#ifndef INVENTORY_H
#define INVENTORY_H

#include <stddef.h>

enum inv_via {
	INV_VIA_DIRECT = 0,	/* on the private network already */
	INV_VIA_VPN,		/* bring the VPN named by via_name up first */
	INV_VIA_SSH,		/* forward through an SSH session to via_name */
};

enum inv_vpn_type {
	INV_VPN_OPENVPN,
	INV_VPN_WIREGUARD,
};

/* A [vpn NAME] section: a tunnel the console brings up or watches. */
struct inv_vpn {
	char		*name;
	enum inv_vpn_type type;
	char		*config;	/* client .ovpn, or wg-quick conf; or NULL */
	char		*management;	/* OpenVPN management socket, or NULL: default */
	char		*user;		/* auth-user-pass user, or NULL */
	char		*secret;	/* its password as a reference, or NULL */
	char		*interface;	/* WireGuard interface; NULL = the config's name */
	int		 line;
};

struct inv_node {
	char		*name;
	char		*address;	/* private address (IP or host name) */
	char		*public_address;	/* or NULL */
	char		*ssh_user;	/* or NULL */
	int		 ssh_port;	/* 22 */
	char		*ssh_key;	/* path, or NULL */
	char		*jump;		/* reached over SSH through this node, or NULL */
	int		 jump_line;	/* where jump was set */
	char		**roles;	/* NULL-terminated */
	char		*deploy_root;	/* deploy writes under this directory, or NULL */
	char		*metrics;	/* node-exporter or prometheus service for its figures, or NULL */
	int		 metrics_line;	/* where metrics was given */
	char		*wg_address;	/* WireGuard mesh address, or NULL: from wg-network */
	int		 line;		/* where it was defined */
};

struct inv_endpoint {
	char		*name;		/* "main", or given: "shard1" */
	char		*url;		/* scheme://host:port/path as written */
	char		*scheme;	/* http, https, postgresql, tcp, ssh ... */
	char		*host;
	char		*port;		/* always set: explicit or the scheme's default */
	char		*path;		/* "" or "/..." */
	char		*health;	/* health path override, or NULL */
	enum inv_via	 via;
	char		*via_name;	/* gateway node or VPN name, or NULL */
	int		 line;
	char		*user;		/* user@ given in the URL, or NULL */
	char		*connect_host;	/* a local route's address (set by routes), or NULL */
	char		*connect_port;	/* its port; both NULL = connect to host:port */
};

struct inv_service {
	char		*name;
	char		*kind;		/* matches a plugin's kind: postgres, clickhouse, ... */
	char		*node;		/* a node's name */
	char		*user;		/* or NULL */
	char		*secret;	/* a reference (env:, file:, cmd:), or NULL */
	char		*database;	/* or NULL */
	char		*ca_file;	/* CA bundle for TLS, or NULL for the system's */
	int		 timeout_ms;	/* 0 = the platform's */
	struct inv_endpoint *endpoints;
	size_t		 nendpoints;
	int		 line;
	/* Appended last, so the offsets of the fields above do not move. */
	char		*kubeconfig;	/* kube/spark: kubeconfig path, or NULL */
	char		*context;	/* kube/spark: kubeconfig context, or NULL */
	char		*namespace;	/* kube/spark: default namespace, or NULL */
	char		*image;		/* deploy: container image (minio: by digest), or NULL */
	char		*bucket;	/* s3/minio: the platform's bucket, or NULL */
	char		*cluster;	/* clickhouse: remote_servers cluster name, or NULL */
	int		 keeper;	/* clickhouse: Keeper for ON CLUSTER DDL (keeper = yes) */
};

struct inventory {
	char		*path;		/* file it was read from */
	char		*name;		/* platform name */
	int		 timeout_ms;	/* default probe and request timeout; 0 = the config's */
	char		*plugin_dir;	/* extra directory of external plugins, or NULL */
	char		*deploy_root;	/* every node's deploy root, or NULL for "/" */
	char		*known_hosts;	/* SSH known_hosts file, or NULL for ~/.ssh/known_hosts */
	char		*ssh_config;	/* ssh_config file, or NULL for ~/.ssh/config */
	char		*wg_network;	/* WireGuard mesh "10.10.0.0/24", or NULL: default */
	int		 wg_port;	/* the hub's WireGuard port: 51820 */
	struct inv_node	*nodes;
	size_t		 nnodes;
	struct inv_service *services;
	size_t		 nservices;
	struct inv_vpn	*vpns;
	size_t		 nvpns;
};

/*
 * Read and check an inventory. On error returns NULL and sets *cause to
 * "FILE:LINE: key 'K': what is wrong" (the caller frees it).
 * INV_CHECK_SECRETS also checks that every secret reference can be read.
 */
#define INV_CHECK_SECRETS 0x1
#define INVENTORY_MAX_SIZE (4 * 1024 * 1024)	/* larger files are refused */
struct inventory	*inventory_load(const char *path, int flags, char **cause);
struct inventory	*inventory_parse(const char *path, const char *text, size_t len,
			     int flags, char **cause);
void			 inventory_free(struct inventory *);
const struct inv_node	*inventory_node(const struct inventory *, const char *);
const struct inv_service *inventory_service(const struct inventory *, const char *);
const struct inv_vpn	*inventory_vpn(const struct inventory *, const char *);

/* The inventory file to use: -i, then $PLATFORM_TUI_INVENTORY, config, XDG default. */
char			*inventory_default_path(void);

const char		*inventory_via_string(enum inv_via);
const char		*inventory_vpn_type_string(enum inv_vpn_type);
/* The WireGuard interface: given, or the config file's base name (caller frees). */
char			*inventory_vpn_interface(const struct inv_vpn *);

#endif
