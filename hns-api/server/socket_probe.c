/* Is another server on a unix socket path (api_routes.h)? Asked before
 * anything starts, so a second daemon refuses instead of stealing it. */
#include "api_routes.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

bool api_unix_socket_in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd;
	bool live;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}
