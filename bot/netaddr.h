/* netaddr.h — "is this peer one of ours?": an address against a list of networks written as
 * SAMPARK_TRUSTED_PROXIES takes them ("172.16.0.0/12, 10.1.2.3, fd00::/8"). Pure. */
#ifndef SAMPARK_NETADDR_H
#define SAMPARK_NETADDR_H

/* 1 when addr (IPv4, IPv6, or IPv4 mapped into IPv6 as "::ffff:a.b.c.d") lies in one of the
 * comma-separated networks of list (address, or address/prefix length), 0 when not. -1 when
 * the list is not one: then bad (badsz bytes) holds the entry that is wrong. addr NULL checks
 * the list only. */
int netaddr_in(const char *list, const char *addr, char *bad, size_t badsz);

/* The key a per-client limit counts under: an IPv4 address (or one mapped into IPv6) as it
 * is, an IPv6 address as its /64 ("2001:db8:1:2::/64") — one subscriber's line gets a whole
 * /64 and could rotate through it — and anything else as given. Writes at most outsz-1 bytes;
 * returns out. */
const char *netaddr_client_key(const char *addr, char *out, size_t outsz);

/* This machine, in netaddr_in's terms. */
#define NETADDR_LOOPBACK "127.0.0.0/8, ::1"

#endif
