/* plugin.c - a plugin that connects with plain connect(), for the limits tests in
 * tests/shell/supervise.sh: loaded with dlopen(RTLD_DEEPBIND) or into a new namespace with
 * dlmopen, its connect binds to libc directly, past the preload; only the kernel's check of
 * netjail run --supervise sees it.
 *
 *   int plugin_connect(const char *addr, int port): 0, or -errno */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int plugin_connect(const char *addr, int port);

int
plugin_connect(const char *addr, int port)
{
	struct sockaddr_in in;
	int fd, rc;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &in.sin_addr) != 1)
		return -EINVAL;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&in, sizeof(in)) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}
