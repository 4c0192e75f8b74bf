/* Tiny libc-free runtime: 16550 output at 0x3f8, formatting, mem* functions, reset. */
#include "vtg.h"
#include <stdarg.h>

#define COM1 0x3f8

void uart_putc(char c)
{
    if (c == '\n')
        uart_putc('\r');
    for (int i = 0; i < 100000; i++)        /* LSR bit 5: THR empty */
        if (inb(COM1 + 5) & 0x20)
            break;
    outb(COM1, (u8)c);
}

void puts_(const char *s) { while (*s) uart_putc(*s++); }

void print_hex(u64 v)
{
    char b[19]; int i = 18; b[i] = 0;
    do { b[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    b[--i] = 'x'; b[--i] = '0';
    puts_(&b[i]);
}

void print_dec(u64 v)
{
    char b[21]; int i = 20; b[i] = 0;
    do { b[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    puts_(&b[i]);
}

void printf_(const char *fmt, ...)
{
    va_list ap; va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') { uart_putc(*fmt); continue; }
        fmt++;
        int lng = 0;
        while (*fmt == 'l') { lng = 1; fmt++; }
        switch (*fmt) {
        case 's': { const char *s = va_arg(ap, const char *); puts_(s ? s : "(null)"); break; }
        case 'c': uart_putc((char)va_arg(ap, int)); break;
        case 'd': { i64 v = lng ? va_arg(ap, i64) : va_arg(ap, int);
                    if (v < 0) { uart_putc('-'); v = -v; } print_dec((u64)v); break; }
        case 'u': print_dec(lng ? va_arg(ap, u64) : va_arg(ap, u32)); break;
        case 'x': print_hex(lng ? va_arg(ap, u64) : va_arg(ap, u32)); break;
        case 'p': print_hex((u64)va_arg(ap, void *)); break;
        case '%': uart_putc('%'); break;
        default: uart_putc('%'); uart_putc(*fmt); break;
        }
    }
    va_end(ap);
}

void *memset(void *d, int c, size_t n) { u8 *p = d; while (n--) *p++ = (u8)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { u8 *p = d; const u8 *q = s; while (n--) *p++ = *q++; return d; }
int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p < *q ? -1 : 1;
    return 0;
}
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

u64 tsc_per_ms = 1000000;   /* assume 1 GHz until CPUID tells us better */

static void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

void time_init(void)
{
    u32 a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d);
        if (a && b && c) { tsc_per_ms = (u64)c * b / a / 1000; return; }
    }
    cpuid(0x40000000, 0, &a, &b, &c, &d);       /* KVM/VMware: leaf 0x40000010 = TSC kHz */
    if (a >= 0x40000010) {
        cpuid(0x40000010, 0, &a, &b, &c, &d);
        if (a) { tsc_per_ms = a; return; }
    }
    if (tsc_per_ms < 1000000) tsc_per_ms = 1000000;
    /* fall back: assume a fast TSC (3 GHz) so timeouts are never too short */
    tsc_per_ms = 3000000;
}

void machine_reset(void)
{
    __asm__ volatile("cli");
    outb(0x64, 0xfe);                     /* i8042: pulse reset line */
    for (volatile int i = 0; i < 100000; i++) ;
    /* no i8042 (e.g. QEMU microvm): force a triple fault */
    static const struct { u16 limit; u64 base; } __attribute__((packed)) null_idt = { 0, 0 };
    __asm__ volatile("lidt %0; ud2" :: "m"(null_idt));
    for (;;) __asm__ volatile("hlt");
}
