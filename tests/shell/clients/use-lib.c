/* use-lib.c - a program built against an installed netjail library (install.sh, deb.sh), the
 * way README says (pkg-config netjail): it decides each IPv4 ADDR (TCP port 80) under the
 * rules "allow @public" and prints the decisions (1 allowed, 0 denied), space-separated.
 *
 *   use-lib ADDR... */
#include <arpa/inet.h>
#include <netjail.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	struct netjail_rules *r;
	struct sockaddr_in in;

	if (netjail_rules_parse("allow @public\n", 14, "t", &r, NULL) != 0)
		return 2;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(80);
	for (int i = 1; i < argc; i++) {
		if (inet_pton(AF_INET, argv[i], &in.sin_addr) != 1)
			return 2;
		printf("%s%d", i > 1 ? " " : "",
		    netjail_decide(r, (struct sockaddr *)&in, sizeof(in), NETJAIL_PROTO_TCP));
	}
	printf("\n");
	netjail_rules_free(r);
	return 0;
}
