/* netaddr.c — networks and addresses (see netaddr.h). */
#include <stddef.h>

#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address in 16 bytes (IPv4 as ::ffff:a.b.c.d) and its family's width in bits. */
static int parse(const char *s, unsigned char out[16], int *bits)
{
    unsigned char v4[4];
    if (strncmp(s, "::ffff:", 7) == 0 && strchr(s + 7, '.'))
        s += 7;
    if (inet_pton(AF_INET, s, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        *bits = 32;
        return 0;
    }
    *bits = 128;
    return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

/* The first n bits of a and b agree (a and b 16 bytes, compared from the last `width` bits'
 * start: an IPv4 prefix counts from byte 12). */
static int same_prefix(const unsigned char *a, const unsigned char *b, int n)
{
    int whole = n / 8, rest = n % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    return !rest || ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int netaddr_in(const char *list, const char *addr, char *bad, size_t badsz)
{
    unsigned char a[16], net[16];
    int abits = 0, found = 0;
    if (addr && parse(addr, a, &abits) < 0)
        addr = NULL; /* not an address: in no network, but the list is still checked */
    while (list && *list) {
        char item[80], *slash, *end;
        size_t n = strcspn(list, ",");
        int bits, prefix;
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), list);
        list += n + (list[n] == ',');
        /* trim */
        for (end = item + strlen(item); end > item && (end[-1] == ' ' || end[-1] == '\t');)
            *--end = '\0';
        slash = item + strspn(item, " \t");
        memmove(item, slash, strlen(slash) + 1);
        if (!*item)
            continue;
        slash = strchr(item, '/');
        if (slash)
            *slash = '\0';
        if (n >= sizeof item || parse(item, net, &bits) < 0)
            goto wrong;
        prefix = bits;
        if (slash && (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
                      (prefix = atoi(slash + 1)) > bits))
            goto wrong;
        if (addr && abits == bits && same_prefix(a + (bits == 32 ? 12 : 0),
                                                 net + (bits == 32 ? 12 : 0), prefix))
            found = 1;
        continue;
    wrong:
        if (slash)
            *slash = '/';
        snprintf(bad, badsz, "%s", item);
        return -1;
    }
    return found;
}

const char *netaddr_client_key(const char *addr, char *out, size_t outsz)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    int bits;
    if (parse(addr, a, &bits) < 0)
        snprintf(out, outsz, "%s", addr);
    else if (bits == 32)
        snprintf(out, outsz, "%s", inet_ntop(AF_INET, a + 12, text, sizeof text));
    else {
        memset(a + 8, 0, 8);
        snprintf(out, outsz, "%s/64", inet_ntop(AF_INET6, a, text, sizeof text));
    }
    return out;
}
