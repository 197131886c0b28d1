/* packet.h - the probes' packets for sockets that write headers of their own: one UDP datagram,
 * "x", inside an IPv4 or IPv6 header (the tests aim it at an address other than the socket's).
 * Exits 2 on an address it cannot read: a bug in the test, not a verdict. */
#ifndef NJ_PROBE_PACKET_H
#define NJ_PROBE_PACKET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint16_t
csum(uint32_t sum, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)(b[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static inline void
pton(int af, const char *s, void *dst)
{
	if (inet_pton(af, s, dst) != 1)
		exit(2);
}

/* An IPv4 packet carrying one UDP datagram "x" from src (NULL: 0, which a raw socket fills
 * in) to dst:port, its header checksum set.  Returns its length. */
static inline size_t
ip4_udp(uint8_t *pkt, const char *src, const char *dst, const char *port)
{
	struct iphdr *ip = (struct iphdr *)(void *)pkt;
	struct udphdr *u = (struct udphdr *)(void *)(pkt + sizeof(*ip));
	size_t n = sizeof(*ip) + sizeof(*u) + 1;

	memset(pkt, 0, n);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)n);
	if (src)
		pton(AF_INET, src, &ip->saddr);
	pton(AF_INET, dst, &ip->daddr);
	u->source = htons(4444);
	u->dest = htons((uint16_t)strtol(port, NULL, 10));
	u->len = htons((uint16_t)(sizeof(*u) + 1)); /* checksum 0: none, as IPv4 allows */
	pkt[n - 1] = 'x';
	ip->check = csum(0, ip, sizeof(*ip));
	return n;
}

/* An IPv6 packet carrying one UDP datagram "x" from src to dst:port (IPv6 requires the UDP
 * checksum).  Returns its length. */
static inline size_t
ip6_udp(uint8_t *pkt, const char *src, const char *dst, const char *port)
{
	struct ip6_hdr *ip = (struct ip6_hdr *)(void *)pkt;
	struct udphdr *u = (struct udphdr *)(void *)(pkt + sizeof(*ip));
	size_t ulen = sizeof(*u) + 1;
	uint8_t pseudo[40 + 8 + 1];
	uint32_t sum = 0;

	memset(pkt, 0, sizeof(*ip) + ulen);
	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons((uint16_t)ulen);
	ip->ip6_nxt = IPPROTO_UDP;
	ip->ip6_hlim = 64;
	pton(AF_INET6, src, &ip->ip6_src);
	pton(AF_INET6, dst, &ip->ip6_dst);
	u->source = htons(4444);
	u->dest = htons((uint16_t)strtol(port, NULL, 10));
	u->len = htons((uint16_t)ulen);
	pkt[sizeof(*ip) + ulen - 1] = 'x';
	/* the checksum covers the pseudo-header: addresses, length, next header */
	memcpy(pseudo, &ip->ip6_src, 32);
	memset(pseudo + 32, 0, 8);
	pseudo[35] = (uint8_t)ulen;
	pseudo[39] = IPPROTO_UDP;
	memcpy(pseudo + 40, u, ulen);
	for (size_t i = 0; i < sizeof(pseudo); i += 2)
		sum += (uint32_t)(pseudo[i] << 8 | (i + 1 < sizeof(pseudo) ? pseudo[i + 1] : 0));
	u->check = csum(sum, NULL, 0);
	return sizeof(*ip) + ulen;
}

#endif
