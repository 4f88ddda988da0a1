/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IX-F importer on real exports (IXP Manager's CI exports, exchanges'
 * published ones, PeeringDB's edge cases), kept outside the project in
 * ../shared/realdata/ixf beside the source tree. Every file there must be
 * in the table below, which says whether it imports and, if not, the error
 * it must be refused with and why that is right.
 *
 * The exports name no ports, so the test writes the import map an operator
 * would: one port per connection at the exchange, a LAG of one port per
 * link where the connection lists several interfaces, one LAN per IX-F
 * VLAN (with a tag unrelated to the VLAN's id, as at IXP Manager
 * exchanges).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "fabric/import.h"

#define REALDATA SOURCE_ROOT "/../shared/realdata/ixf"

struct row {
	const char *file;
	uint32_t ixp_id;     /* the map's ixp-id; 0: none */
	const char *exclude; /* the map's exclude list, or NULL */
	const char *error;   /* NULL: imports */
	const char *why;
	bool lag_as_port; /* the map writes a LAG as one plain port, as it must not */
};

#define NO_MACS "no connection has a MAC address"

static const struct row table[] = {
    {"arouteserver_examples_ixf-member-export_bcix.json", 0, NULL, NO_MACS,
     "BCIX 0.6 as published: VLAN id 0 and names are read, but no MAC is given, and a "
     "fabric that forwards nothing is refused as a whole"},
    {"arouteserver_examples_ixf-member-export_gr-ix.json", 0, NULL, NO_MACS,
     "GR-IX 0.6 as published: one vlan_list entry per family is read as one LAN; no MACs"},
    {"arouteserver_tests_static_euroix_data_ixpmanager_workaround.json", 0, NULL,
     "IX-F export version '0.5'",
     "version 0.5 predates the fields peerlan reads: one error, nothing else read"},
    {"arouteserver_tests_static_euroix_data_official_more_complex_example.json", 0, NULL,
     "193.105.101.0/23", "the schema's example gives a prefix with host bits set"},
    {"arouteserver_tests_static_euroix_data_skip_routeserver_06.json", 0, NULL,
     "AS20144 connection 1: no vlan_list",
     "0.6, three VLANs: a connection without VLANs is named (and no MACs at all)"},
    {"arouteserver_tests_static_euroix_data_skip_routeserver_07.json", 0, NULL, NULL,
     "0.7 with MACs: a LAG of 3 links imports as one LAG port of three links"},
    {"arouteserver_tests_static_euroix_data_skip_routeserver_07.json", 0, NULL,
     "AS36040 connection 1: 3 interfaces on edge port",
     "the same LAG written in the map as a plain port: refused, never imported as one", true},
    {"arouteserver_tests_static_euroix_data_skip_routeserver_07.json", 0, "AS36040/1", NULL,
     "the same with the LAG excluded in the map: imports, members without MACs kept"},
    {"arouteserver_tests_static_euroix_data_skip_routeserver_10.json", 0, NULL, NO_MACS,
     "1.0: its LAGs import; the export gives no MACs"},
    {"arouteserver_tests_static_euroix_data_skip_routeserver_10.json", 0, NULL,
     "AS397326 connection 1: 2 interfaces", "1.0, a LAG written as a plain port", true},
    {"ixpm-ci-member-export-0.6-auth.json", 1, NULL, NO_MACS,
     "IXP Manager's CI, two exchanges (the map picks one): its LAG imports; no MACs"},
    {"ixpm-ci-member-export-0.6-auth.json", 1, NULL, "AS1213 connection 1: 2 interfaces",
     "the CI's LAG written as a plain port is named", true},
    {"ixpm-ci-member-export-0.6-auth.json", 1, "AS1213/1", NO_MACS,
     "the CI's database has no MACs: nothing would be forwarded"},
    {"ixpm-ci-member-export-0.6-unauth.json", 1, "AS1213/1", NO_MACS,
     "the public export hides MACs"},
    {"ixpm-ci-member-export-0.7-auth.json", 1, "AS1213/1", NO_MACS, "as 0.6, in 0.7"},
    {"ixpm-ci-member-export-0.7-unauth.json", 1, "AS1213/1", NO_MACS, "as 0.6, in 0.7"},
    {"ixpm-ci-member-export-1.0-auth.json", 2, NULL, NO_MACS,
     "the second exchange of the CI, 1.0: no LAG there, no MACs"},
    {"ixpm-ci-member-export-1.0-unauth.json", 2, NULL, NO_MACS, "as 1.0 with a key"},
    {"peeringdb_ixf.member.dupe.ip.json", 0, NULL, "ixp_id 42, which ixp_list does not describe",
     "PeeringDB's test file: connections at exchanges the export does not list"},
    {"peeringdb_ixf.member.null.if_speed.json", 0, NULL,
     "ixp_id 42, which ixp_list does not describe",
     "the same inconsistency (if_speed null itself is accepted: test_import)"},
    {"peeringdb_ixf.member.null.ip.vlan.json", 0, NULL,
     "ixp_id 42, which ixp_list does not describe", "the same inconsistency"},
    {"peeringdb_ixf.member.null.vlan_list_and_if_list.json", 0, NULL,
     "ixp_id 42, which ixp_list does not describe", "the same inconsistency"},
    {"peeringdb_members.0.6.json", 0, NULL, "ixp_list is missing",
     "PeeringDB's member list describes no exchange: said so, not 'give ixp-id'"},
};

/* The exchange of ixp_list the row imports. */
static json_t *exchange(json_t *root, uint32_t id)
{
	json_t *l = json_object_get(root, "ixp_list"), *x;
	size_t i;

	json_array_foreach(l, i, x)
	{
		if (id == 0 || json_integer_value(json_object_get(x, "ixp_id")) == id)
			return x;
	}
	return NULL;
}

/* Writes the map an operator would write for this export; its path (to free). */
static char *write_map(const char *export, uint32_t ixp_id, const char *exclude, bool lag_as_port)
{
	json_error_t err;
	json_t *root = json_load_file(export, 0, &err), *x, *v, *mb, *c;
	char *path = strdup("/tmp/peerlan-test-realdata-XXXXXX.yaml");
	size_t i, j, nport = 0;
	FILE *f;
	int fd;

	assert_non_null(root);
	assert_non_null(path);
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "fabric: {name: realdata}\n");
	if (ixp_id)
		fprintf(f, "ixp-id: %u\n", ixp_id);
	x = exchange(root, ixp_id);
	fprintf(f, "lans:\n  - {name: lan-spare, vlan: 4000}\n");
	json_array_foreach(json_object_get(x, "vlan"), i, v)
	{
		fprintf(f, "  - {name: lan%zu, vlan: %zu}\n", i, 100 + i);
	}
	fprintf(f, "ixf-vlans:\n  - {id: 999999, lan: lan-spare}\n");
	json_array_foreach(json_object_get(x, "vlan"), i, v)
	{
		fprintf(f, "  - {id: %lld, lan: lan%zu}\n",
			(long long)json_integer_value(json_object_get(v, "id")), i);
	}
	fprintf(f, "ports:\n  - {name: spare, device: net_null0}\n");
	json_array_foreach(json_object_get(root, "member_list"), i, mb)
	{
		json_array_foreach(json_object_get(mb, "connection_list"), j, c)
		{
			size_t links = json_array_size(json_object_get(c, "if_list"));

			fprintf(f, "  - {name: p%zu, device: net_null%zu}\n", nport + 1, nport + 1);
			for (size_t k = 1; !lag_as_port && k < links; k++)
				fprintf(f,
					"  - {name: p%zul%zu, device: \"net_null%zu,link=%zu\"}\n",
					nport + 1, k, nport + 1, k);
			nport++;
		}
	}
	if (exclude != NULL)
		fprintf(f, "exclude: [%s]\n", exclude);
	fprintf(f, "members:\n  - {asn: 4200000000, name: spare}\n");
	nport = 0;
	json_array_foreach(json_object_get(root, "member_list"), i, mb)
	{
		uint32_t xid = x ? (uint32_t)json_integer_value(json_object_get(x, "ixp_id")) : 0;
		bool any = false;
		size_t links;

		json_array_foreach(json_object_get(mb, "connection_list"), j, c)
		{
			nport++;
			if ((uint32_t)json_integer_value(json_object_get(c, "ixp_id")) != xid)
				continue;
			/* The operator names in the map the members the export leaves unnamed. */
			if (!any)
				fprintf(f, "  - asn: %lld\n%s    connections:\n",
					(long long)json_integer_value(json_object_get(mb, "asnum")),
					json_is_string(json_object_get(mb, "name"))
					    ? ""
					    : "    name: named in the map\n");
			any = true;
			links = json_array_size(json_object_get(c, "if_list"));
			if (lag_as_port || links < 2) {
				fprintf(f, "      - p%zu\n", nport);
				continue;
			}
			fprintf(f, "      - [p%zu", nport);
			for (size_t k = 1; k < links; k++)
				fprintf(f, ", p%zul%zu", nport, k);
			fprintf(f, "]\n");
		}
	}
	assert_int_equal(fclose(f), 0);
	json_decref(root);
	return path;
}

static void test_realdata(void **state)
{
	DIR *d = opendir(REALDATA);
	struct dirent *de;
	size_t seen = 0;

	(void)state;
	assert_non_null(d);
	/* Every file is in the table: a new export is a decision, not a silent skip. */
	while ((de = readdir(d)) != NULL) {
		size_t listed = 0;

		if (de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			listed += strcmp(table[i].file, de->d_name) == 0;
		if (!listed)
			fprintf(stderr, "%s is not in the table\n", de->d_name);
		assert_true(listed > 0);
		seen += listed;
	}
	closedir(d);
	assert_int_equal(seen, sizeof(table) / sizeof(table[0]));

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		char export[512], *map;
		struct fab_config_errors e = {0};
		struct fab_import_files f = {.format = FAB_IMPORT_IXF, .ixf = export};
		struct fab_model *m;
		bool found = false;

		snprintf(export, sizeof(export), "%s/%s", REALDATA, r->file);
		map = write_map(export, r->ixp_id, r->exclude, r->lag_as_port);
		f.map = map;
		m = fab_import(&f, &e, NULL);
		for (size_t k = 0; r->error != NULL && k < e.n; k++)
			found |= strstr(e.v[k].msg, r->error) != NULL;
		if (r->error == NULL ? m == NULL : !found || m != NULL) {
			fprintf(stderr, "%s (%s): expected %s%s; got:\n", r->file, r->why,
				r->error ? "the error " : "an import", r->error ? r->error : "");
			for (size_t k = 0; k < e.n && k < 5; k++)
				fprintf(stderr, "  %u: %s\n", e.v[k].line, e.v[k].msg);
		}
		if (r->error == NULL) {
			assert_non_null(m);
			assert_true(m->nmembers > 0);
		} else {
			assert_null(m);
			assert_true(found);
		}
		fab_model_destroy(m);
		fab_config_errors_clear(&e);
		unlink(map);
		free(map);
	}
}

int main(void)
{
	struct stat st;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_realdata),
	};

	if (stat(REALDATA, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("skipped: no real exports at %s (the checkout's ../shared/realdata/ixf)\n",
		       REALDATA);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
