/* Delegation to an IPAM plugin (cni_ipam.h). */
#include "cni_ipam.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The plugin's path: the first CNI_PATH entry that has it. */
static int find_plugin(const char *type, char out[PATH_MAX])
{
	const char *cp = getenv("CNI_PATH");
	char buf[4096], *save = NULL, *d;

	if (strchr(type, '/') != NULL)
		return -1; /* a type is a name, never a path */
	snprintf(buf, sizeof(buf), "%s", cp && *cp ? cp : "/opt/cni/bin:/usr/lib/cni");
	for (d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, PATH_MAX, "%s/%s", d, type);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

int cni_ipam_exec(const char *type, const char *command, const char *conf,
		  json_t **result, char *err, size_t errlen)
{
	char path[PATH_MAX], *out = NULL;
	size_t len = 0, cap = 0;
	int in[2], o[2], status;
	json_t *j;
	pid_t pid;
	ssize_t n;

	*result = NULL;
	if (find_plugin(type, path) < 0) {
		snprintf(err, errlen, "ipam plugin '%s' not found in CNI_PATH", type);
		return -1;
	}
	if (pipe(in) < 0 || pipe(o) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		close(in[0]); close(in[1]); close(o[0]); close(o[1]);
		setenv("CNI_COMMAND", command, 1);
		execl(path, type, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	/* a config is far smaller than a pipe's buffer: write, then read */
	signal(SIGPIPE, SIG_IGN);
	for (size_t off = 0, l = strlen(conf); off < l; off += (size_t)n) {
		n = write(in[1], conf + off, l - off);
		if (n <= 0)
			break;
	}
	close(in[1]);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *p = realloc(out, cap = cap ? cap * 2 : 8192);

			if (p == NULL)
				break;
			out = p;
		}
		n = read(o[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(o[0]);
	if (out)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	j = out && len ? json_loads(out, 0, NULL) : NULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *msg = json_string_value(json_object_get(j, "msg"));

		snprintf(err, errlen, "ipam plugin %s %s: %s", type, command,
			 msg ? msg : (out && len ? out : "failed without a message"));
		json_decref(j);
		free(out);
		return -1;
	}
	free(out);
	if (strcmp(command, "ADD") == 0 && !json_is_object(j)) {
		snprintf(err, errlen, "ipam plugin %s ADD printed no result", type);
		json_decref(j);
		return -1;
	}
	*result = j;
	return 0;
}
