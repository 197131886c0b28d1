/* nss_njtest.c - an NSS "hosts" module for the shim tests.  Asked for njtest.invalid, it
 * first connects to the unix socket named by NJTEST_NSS_SOCKET (as nscd or
 * systemd-resolved clients do), then answers 127.0.0.1.  The test shows the connection is
 * the resolver's, not the program's: the shim lets it through while the program itself may
 * not connect to that socket.  With NJTEST_NSS_SLEEP=MS it takes MS milliseconds to answer
 * (a slow resolver, for getaddrinfo_a's waits and cancels). */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum nss_status _nss_njtest_gethostbyname2_r(const char *, int, struct hostent *, char *, size_t,
    int *, int *);
enum nss_status _nss_njtest_gethostbyname_r(const char *, struct hostent *, char *, size_t, int *,
    int *);

enum nss_status
_nss_njtest_gethostbyname2_r(const char *name, int af, struct hostent *h, char *buf, size_t len,
    int *errnop, int *h_errnop)
{
	const char *path = getenv("NJTEST_NSS_SOCKET");
	struct sockaddr_un un;
	char **list;
	int fd;

	if (strcmp(name, "njtest.invalid") != 0 || af != AF_INET) {
		*h_errnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	}
	if (getenv("NJTEST_NSS_SLEEP"))
		usleep((useconds_t)strtol(getenv("NJTEST_NSS_SLEEP"), NULL, 10) * 1000);
	if (path) {
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		strncpy(un.sun_path, path, sizeof(un.sun_path) - 1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof(un)) != 0) {
			*errnop = errno;
			*h_errnop = NO_RECOVERY;
			if (fd >= 0)
				close(fd);
			return NSS_STATUS_UNAVAIL;
		}
		close(fd);
	}
	if (len < 64) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	/* buf: 4 address bytes, then the list {addr, NULL}, then aliases {NULL} */
	list = (char **)(void *)(buf + 8);
	memcpy(buf, "\x7f\x00\x00\x01", 4);
	list[0] = buf;
	list[1] = NULL;
	list[2] = NULL;
	h->h_name = (char *)"njtest.invalid";
	h->h_aliases = &list[2];
	h->h_addrtype = AF_INET;
	h->h_length = 4;
	h->h_addr_list = list;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_njtest_gethostbyname_r(const char *name, struct hostent *h, char *buf, size_t len, int *errnop,
    int *h_errnop)
{
	return _nss_njtest_gethostbyname2_r(name, AF_INET, h, buf, len, errnop, h_errnop);
}
