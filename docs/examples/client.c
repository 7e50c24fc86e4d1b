/*
 * Continuo example client in C with sd-bus (libsystemd).
 *
 * Connects to the bus in DBUS_SESSION_BUS_ADDRESS, reads the Version and
 * CatalogSize properties, resolves a spoken request, asks for
 * recommendations and tries to play, handling errors by their D-Bus name
 * (docs/api.md#errors). `make test` builds and runs it against a daemon on
 * a private bus (internal/daemon/clients_test.go).
 *
 *   apt-get install gcc pkg-config libsystemd-dev
 *   gcc -Wall -Wextra -o client docs/examples/client.c $(pkg-config --cflags --libs libsystemd)
 *   DBUS_SESSION_BUS_ADDRESS=unix:path=... ./client
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#define BUS_NAME "org.continuo.Recommender1"
#define OBJ_PATH "/org/continuo/Recommender1"
#define IFACE "org.continuo.Recommender1"
#define ERROR_PREFIX "org.continuo.Error."
#define TIMEOUT_USEC (10 * 1000 * 1000ULL) /* every call has a deadline */

/* The keys of a track dictionary this client shows; the others are skipped
 * (dictionaries may gain keys: docs/api.md#versioning). */
struct track {
	char title[256];
	char match[32];
	double confidence;
};

static int fail(const char *what, int r) {
	fprintf(stderr, "client: %s: %s\n", what, strerror(-r));
	return 1;
}

/* error_line prints a failed call by error name, without the common prefix. */
static void error_line(FILE *out, const char *what, const sd_bus_error *err) {
	const char *name = err->name ? err->name : "?";
	if (strncmp(name, ERROR_PREFIX, strlen(ERROR_PREFIX)) == 0)
		name += strlen(ERROR_PREFIX);
	fprintf(out, "%s: %s: %s\n", what, name, err->message ? err->message : "");
}

/* read_track reads one a{sv} at the message's position into t. */
static int read_track(sd_bus_message *m, struct track *t) {
	int r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	memset(t, 0, sizeof(*t));
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key, *contents, *s;
		char type;
		if ((r = sd_bus_message_read(m, "s", &key)) < 0)
			return r;
		if ((r = sd_bus_message_peek_type(m, &type, &contents)) < 0)
			return r;
		if (strcmp(key, "xesam:title") == 0 && strcmp(contents, "s") == 0) {
			if ((r = sd_bus_message_read(m, "v", "s", &s)) < 0)
				return r;
			snprintf(t->title, sizeof(t->title), "%s", s);
		} else if (strcmp(key, "continuo:match") == 0 && strcmp(contents, "s") == 0) {
			if ((r = sd_bus_message_read(m, "v", "s", &s)) < 0)
				return r;
			snprintf(t->match, sizeof(t->match), "%s", s);
		} else if (strcmp(key, "continuo:confidence") == 0 && strcmp(contents, "d") == 0) {
			if ((r = sd_bus_message_read(m, "v", "d", &t->confidence)) < 0)
				return r;
		} else if ((r = sd_bus_message_skip(m, "v")) < 0) {
			return r;
		}
		if ((r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* read_tracks reads an aa{sv} reply: up to max tracks into ts, the count
 * into n. */
static int read_tracks(sd_bus_message *m, struct track *ts, int max, int *n) {
	int r = sd_bus_message_enter_container(m, 'a', "a{sv}");
	struct track skipped;
	if (r < 0)
		return r;
	*n = 0;
	while ((r = sd_bus_message_at_end(m, 0)) == 0) {
		if ((r = read_track(m, *n < max ? &ts[*n] : &skipped)) < 0)
			return r;
		(*n)++;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int resolve(sd_bus *bus) {
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct track ts[3];
	int n, r;
	r = sd_bus_call_method(bus, BUS_NAME, OBJ_PATH, IFACE, "Resolve", &err, &reply, "su", "scene swan lake", 3u);
	if (r < 0) {
		error_line(stderr, "resolve failed", &err);
		sd_bus_error_free(&err);
		return 1;
	}
	r = read_tracks(reply, ts, 3, &n);
	sd_bus_message_unref(reply);
	if (r < 0)
		return fail("reading Resolve's reply", r);
	if (n == 0)
		printf("resolve: nothing found\n");
	else
		printf("resolve: %s match=%s confidence=%.2f\n", ts[0].title, ts[0].match, ts[0].confidence);
	return 0;
}

static int recommend(sd_bus *bus) {
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct track ts[3];
	int n, r;
	/* An empty a{sv} of options: the count 0 and no entries. */
	r = sd_bus_call_method(bus, BUS_NAME, OBJ_PATH, IFACE, "Recommend", &err, &reply, "sua{sv}", "", 3u, 0);
	if (r < 0) {
		int rc = 0;
		if (sd_bus_error_has_name(&err, ERROR_PREFIX "NoPlayer")) {
			printf("recommend: no player is running; start one and retry\n");
		} else {
			/* Unknown names are treated like Internal (names are append-only). */
			error_line(stderr, "recommend failed", &err);
			rc = 1;
		}
		sd_bus_error_free(&err);
		return rc;
	}
	r = read_tracks(reply, ts, 3, &n);
	sd_bus_message_unref(reply);
	if (r < 0)
		return fail("reading Recommend's reply", r);
	printf("recommend: %d tracks\n", n);
	for (int i = 0; i < n && i < 3; i++)
		printf("recommend %d: %s\n", i + 1, ts[i].title);
	return 0;
}

/* play needs a running MPRIS player: without one it fails with NoPlayer,
 * which an HMI shows as "start a player" rather than as a fault. */
static int play(sd_bus *bus) {
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct track t;
	int r = sd_bus_call_method(bus, BUS_NAME, OBJ_PATH, IFACE, "Play", &err, &reply, "s", "scene swan lake");
	if (r < 0) {
		int rc = 0;
		if (sd_bus_error_has_name(&err, ERROR_PREFIX "NoPlayer"))
			error_line(stdout, "play", &err);
		else if (sd_bus_error_has_name(&err, ERROR_PREFIX "NotFound"))
			printf("play: not understood: %s\n", err.message);
		else {
			error_line(stderr, "play failed", &err);
			rc = 1;
		}
		sd_bus_error_free(&err);
		return rc;
	}
	r = read_track(reply, &t);
	sd_bus_message_unref(reply);
	if (r < 0)
		return fail("reading Play's reply", r);
	printf("play: %s\n", t.title);
	return 0;
}

int main(void) {
	const char *address = getenv("DBUS_SESSION_BUS_ADDRESS");
	sd_bus *bus = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char *version = NULL;
	uint32_t size = 0;
	int r, rc;

	if (!address || !*address) {
		fprintf(stderr, "client: DBUS_SESSION_BUS_ADDRESS is not set\n");
		return 2;
	}
	if ((r = sd_bus_new(&bus)) < 0)
		return fail("sd_bus_new", r);
	if ((r = sd_bus_set_address(bus, address)) < 0 ||
	    (r = sd_bus_set_bus_client(bus, 1)) < 0 ||
	    (r = sd_bus_set_method_call_timeout(bus, TIMEOUT_USEC)) < 0 ||
	    (r = sd_bus_start(bus)) < 0) {
		sd_bus_unref(bus);
		return fail("connecting to DBUS_SESSION_BUS_ADDRESS", r);
	}

	r = sd_bus_get_property_string(bus, BUS_NAME, OBJ_PATH, IFACE, "Version", &err, &version);
	if (r >= 0)
		r = sd_bus_get_property_trivial(bus, BUS_NAME, OBJ_PATH, IFACE, "CatalogSize", &err, 'u', &size);
	if (r < 0) {
		error_line(stderr, "reading properties", &err);
		sd_bus_error_free(&err);
		free(version);
		sd_bus_flush_close_unref(bus);
		return 1;
	}
	printf("version %s\ncatalog %u tracks\n", version, size);
	free(version);

	rc = resolve(bus);
	if (rc == 0)
		rc = recommend(bus);
	if (rc == 0)
		rc = play(bus);
	sd_bus_flush_close_unref(bus);
	return rc;
}
