/* Command-line parsing: virtio_mmio.device=<size>@<base>:<irq>[:<id>] (Linux syntax, size and
 * base through memparse: 0x.. hex, 0.. octal, decimal, optional K/M/G suffix), and vtg.* flags. */
#include "vtg.h"

struct mmio_desc cmdline_devs[MAX_DEVS];
int cmdline_ndevs;

static int digit(char c, int base)
{
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return -1;
    return v < base ? v : -1;
}

/* strtoull with base 0 semantics; *end set past the number (== s when no digits) */
static u64 strtonum(const char *s, const char **end)
{
    int base = 10;
    const char *p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit(p[2], 16) >= 0) { base = 16; p += 2; }
    else if (p[0] == '0') base = 8;
    u64 v = 0; const char *q = p;
    for (int dg; (dg = digit(*q, base)) >= 0; q++) v = v * (u64)base + (u64)dg;
    *end = q;
    return v;
}

static u64 memparse(const char *s, const char **end)
{
    u64 v = strtonum(s, end);
    if (*end == s) return 0;
    switch (**end) {
    case 'G': case 'g': v <<= 10; /* fall through */
    case 'M': case 'm': v <<= 10; /* fall through */
    case 'K': case 'k': v <<= 10; (*end)++; break;
    default: break;
    }
    return v;
}

static int starts(const char *s, const char *pfx)
{
    while (*pfx) if (*s++ != *pfx++) return 0;
    return 1;
}

static void parse_device(const char *p)
{
    const char *e;
    u64 size = memparse(p, &e);
    if (e == p || *e != '@') goto bad;
    p = e + 1;
    u64 base = memparse(p, &e);
    if (e == p || *e != ':') goto bad;
    p = e + 1;
    u64 irq = strtonum(p, &e);
    if (e == p || (*e && *e != ' ' && *e != ':')) goto bad;
    if (cmdline_ndevs >= MAX_DEVS) { printf_("cmdline: too many virtio_mmio devices, ignoring\n"); return; }
    cmdline_devs[cmdline_ndevs].base = base;
    cmdline_devs[cmdline_ndevs].size = size;
    cmdline_devs[cmdline_ndevs].irq = (u32)irq;
    cmdline_ndevs++;
    return;
bad:
    printf_("cmdline: cannot parse virtio_mmio.device entry\n");
}

void cmdline_parse(const char *s)
{
    if (!s) return;
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (starts(s, "virtio_mmio.device="))
            parse_device(s + 19);
        while (*s && *s != ' ' && *s != '\t') s++;
    }
}

u64 cmdline_num(const char *s, const char *key, u64 def)
{
    if (!s) return def;
    size_t kl = strlen(key);
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (starts(s, key) && s[kl] == '=') {
            const char *e;
            u64 v = strtonum(s + kl + 1, &e);
            if (e != s + kl + 1) def = v;       /* last one wins */
        }
        while (*s && *s != ' ' && *s != '\t') s++;
    }
    return def;
}

int cmdline_is(const char *s, const char *key, const char *value)
{
    if (!s) return 0;
    size_t kl = strlen(key), vl = strlen(value);
    int is = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (starts(s, key) && s[kl] == '=') {          /* last one wins */
            const char *v = s + kl + 1;
            is = starts(v, value) && (v[vl] == 0 || v[vl] == ' ' || v[vl] == '\t');
        }
        while (*s && *s != ' ' && *s != '\t') s++;
    }
    return is;
}
