/* IDT, TSS, exceptions, LAPIC (watchdog timer + EOI) and IO-APIC routing of the virtio IRQs.
 *
 * Why the IO-APIC and not the 8259: virtio-mmio IRQ numbers given on the command line are GSIs;
 * under QEMU microvm they may be >= 16 (second IO-APIC at 0xfec10000 when ioapic2 is on), which
 * the PIC cannot deliver, while the IO-APIC at 0xfec00000 (GSI 0-23) and, when present, the second
 * one (GSI 24-47) cover every case.  A KVM in-kernel irqchip (our VMM) emulates PIC + IO-APIC +
 * LAPIC and irqfd raises the GSI on both, so the same code works there.  The 8259 is remapped to
 * vectors 0x20-0x2f and fully masked.  Interrupts are edge-triggered, active high: irqfd injects
 * an edge, and the driver acknowledges InterruptStatus in the handler. */
#include "vtg.h"

#define LAPIC_BASE   0xfee00000UL
#define LAPIC_ID     0x020
#define LAPIC_TPR    0x080
#define LAPIC_EOI    0x0b0
#define LAPIC_SVR    0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV  0x3e0
#define IOAPIC0_BASE 0xfec00000UL
#define IOAPIC1_BASE 0xfec10000UL

#define VEC_TIMER    0xf0
#define VEC_SPURIOUS 0xff
#define VEC_DEV0     0x40

int irq_mode;
volatile u64 timer_ticks;
struct vdev *irq_devs[MAX_DEVS];
int irq_ndevs;
u64 user_entries;

struct idt_entry { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; } __attribute__((packed));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static u8 tss[104] __attribute__((aligned(16)));
static u8 exc_stack[16384] __attribute__((aligned(16)));

static inline void lapic_w(u32 reg, u32 v) { mmio_w32(LAPIC_BASE + reg, v); }
static inline u32 lapic_r(u32 reg) { return mmio_r32(LAPIC_BASE + reg); }

void cpu_tables_init(void)
{
    for (int i = 0; i < 256; i++) {
        u64 a = (u64)isr_stubs + 16 * (u64)i;
        idt[i].off0 = (u16)a; idt[i].sel = 0x08; idt[i].ist = 0;
        idt[i].type = 0x8e;                         /* present, DPL0, 64-bit interrupt gate */
        idt[i].off1 = (u16)(a >> 16); idt[i].off2 = (u32)(a >> 32); idt[i].zero = 0;
    }
    struct { u16 limit; u64 base; } __attribute__((packed)) idtr = { sizeof idt - 1, (u64)idt };
    __asm__ volatile("lidt %0" :: "m"(idtr));

    /* 64-bit TSS: rsp0 = exception stack (used on CPL3 -> CPL0), no I/O bitmap */
    memset(tss, 0, sizeof tss);
    u64 rsp0 = (u64)exc_stack + sizeof exc_stack;
    memcpy(tss + 4, &rsp0, 8);
    u16 iomap = sizeof tss;
    memcpy(tss + 102, &iomap, 2);
    u64 b = (u64)tss, lim = sizeof tss - 1;
    gdt_tss[0] = (lim & 0xffff) | ((b & 0xffffff) << 16) | (0x89UL << 40) |
                 (((lim >> 16) & 0xf) << 48) | (((b >> 24) & 0xff) << 56);
    gdt_tss[1] = b >> 32;
    __asm__ volatile("ltr %w0" :: "r"(0x30));
}

static void pic_mask_all(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);             /* ICW1 */
    outb(0x21, 0x20); outb(0xa1, 0x28);             /* vectors 0x20 / 0x28 */
    outb(0x21, 0x04); outb(0xa1, 0x02);
    outb(0x21, 0x01); outb(0xa1, 0x01);
    outb(0x21, 0xff); outb(0xa1, 0xff);             /* mask everything */
}

static u32 ioapic_r(u64 base, u32 reg) { mmio_w32(base, reg); return mmio_r32(base + 0x10); }
static void ioapic_w(u64 base, u32 reg, u32 v) { mmio_w32(base, reg); mmio_w32(base + 0x10, v); }

int irq_init(void)
{
    pic_mask_all();
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
    if (!(lo & (1u << 11))) {                        /* APIC globally disabled: enable */
        lo |= 1u << 11;
        __asm__ volatile("wrmsr" :: "a"(lo), "d"(hi), "c"(0x1b));
    }
    if ((lo & 0xfffff000u) != LAPIC_BASE || hi) {
        printf_("irq: LAPIC not at %lx (MSR %x:%x)\n", LAPIC_BASE, hi, lo);
        return -1;
    }
    u32 v = ioapic_r(IOAPIC0_BASE, 1);
    if (v == 0xffffffffu || v == 0) {
        printf_("irq: no IO-APIC at %lx\n", IOAPIC0_BASE);
        return -1;
    }
    lapic_w(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_w(LAPIC_TPR, 0);
    /* periodic watchdog tick so a lost interrupt cannot hang hlt forever (~100 ms at 1 GHz bus) */
    lapic_w(LAPIC_TIMER_DIV, 0x3);                   /* divide by 16 */
    lapic_w(LAPIC_LVT_TIMER, (1u << 17) | VEC_TIMER);
    lapic_w(LAPIC_TIMER_INIT, 6250000);
    return 0;
}

int irq_route(struct vdev *d)
{
    u64 base = IOAPIC0_BASE; u32 pin = d->irq;
    if (pin >= 24) { base = IOAPIC1_BASE; pin -= 24; }
    u32 ver = ioapic_r(base, 1);
    if (ver == 0xffffffffu || pin > ((ver >> 16) & 0xff)) {
        printf_("irq: GSI %u not routable (IO-APIC %lx version %x)\n", d->irq, base, ver);
        return -1;
    }
    u32 apic_id = lapic_r(LAPIC_ID) >> 24;
    u32 vec = VEC_DEV0 + (u32)d->slot;
    ioapic_w(base, 0x11 + 2 * pin, apic_id << 24);
    ioapic_w(base, 0x10 + 2 * pin, vec);            /* fixed, physical, active high, edge, unmasked */
    irq_devs[d->slot] = d;
    if (d->slot + 1 > irq_ndevs) irq_ndevs = d->slot + 1;
    return 0;
}

void wait_event(void)
{
    if (irq_mode) __asm__ volatile("sti; hlt; cli" ::: "memory");
    else cpu_relax();
}

static const char *exc_name(u64 v)
{
    static const char *n[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
        "#TS", "#NP", "#SS", "#GP", "#PF", "res", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP" };
    return v < sizeof n / sizeof n[0] ? n[v] : "exception";
}

void isr_dispatch(struct irq_frame *f)
{
    u64 v = f->vec;
    if (v == 6 && (f->cs & 3) == 3) {                /* ud2 at CPL3: the way back to CPL0 */
        user_entries++;
        resume_kernel((long)f->rax);
    }
    if (v < 32) {
        u64 cr2; __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
        printf_("\nFATAL: %s (vector %lu) err=%lx rip=%lx cs=%lx rsp=%lx cr2=%lx rflags=%lx\n",
                exc_name(v), v, f->err, f->rip, f->cs, f->rsp, cr2, f->rflags);
        printf_("virtio-test-guest: done 0/1 (crashed)\n");
        machine_reset();
    }
    if (v == VEC_SPURIOUS) return;
    if (v >= 0x20 && v < 0x30) {                     /* stray 8259 interrupt (masked, should not happen) */
        if (v >= 0x28) outb(0xa0, 0x20);
        outb(0x20, 0x20);
        return;
    }
    if (v == VEC_TIMER) {
        timer_ticks++;
    } else if (v >= VEC_DEV0 && v < VEC_DEV0 + MAX_DEVS) {
        struct vdev *d = irq_devs[v - VEC_DEV0];
        if (d) {
            u32 isr = vr(d, VIRTIO_MMIO_INTERRUPT_STATUS);
            d->isr_seen |= isr;
            d->irq_count++;
            if (isr) vw(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
        }
    }
    lapic_w(LAPIC_EOI, 0);
}
