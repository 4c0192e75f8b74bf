/* virtio-test-guest: shared declarations. Freestanding, no libc. */
#ifndef VTG_H
#define VTG_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;
typedef unsigned long size_t;

#define barrier() __asm__ volatile("" ::: "memory")
#define mb() __asm__ volatile("mfence" ::: "memory")

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 mmio_r32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_w32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* ---- PVH start info (xen/include/public/arch-x86/hvm/start_info.h) */
#define HVM_START_MAGIC 0x336ec578
struct hvm_start_info {
    u32 magic, version, flags, nr_modules;
    u64 modlist_paddr, cmdline_paddr, rsdp_paddr;
    u64 memmap_paddr;           /* version >= 1 */
    u32 memmap_entries, reserved;
};
struct hvm_memmap_entry { u64 addr, size; u32 type, reserved; };

/* ---- runtime (rt.c) */
void uart_putc(char c);
void puts_(const char *s);
void print_hex(u64 v);
void print_dec(u64 v);
void printf_(const char *fmt, ...);   /* %s %d %u %x %lx %lu %c %p */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
void machine_reset(void) __attribute__((noreturn));
/* TSC-based timeouts (tsc_hz estimated from CPUID when available, else assumed 1 GHz) */
extern u64 tsc_per_ms;
void time_init(void);

/* ---- command line (cmdline.c) */
#define MAX_DEVS 24             /* our VMM: IRQs 5..23, one device each */
struct mmio_desc { u64 base, size; u32 irq; };
extern struct mmio_desc cmdline_devs[MAX_DEVS];
extern int cmdline_ndevs;
void cmdline_parse(const char *s);
/* value of "key=" on the command line, or def when absent */
u64 cmdline_num(const char *s, const char *key, u64 def);
/* whether the last "key=" on the command line has exactly this value */
int cmdline_is(const char *s, const char *key, const char *value);

/* ---- virtio-mmio (virtio.c) */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define ST_ACKNOWLEDGE  1
#define ST_DRIVER       2
#define ST_DRIVER_OK    4
#define ST_FEATURES_OK  8
#define ST_NEEDS_RESET  64
#define ST_FAILED       128

#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2

struct vring_desc { u64 addr; u32 len; u16 flags; u16 next; };
struct vring_avail { u16 flags; u16 idx; u16 ring[]; };
struct vring_used_elem { u32 id; u32 len; };
struct vring_used { u16 flags; u16 idx; struct vring_used_elem ring[]; };

#define VQ_MAX_SIZE 64
#define VDEV_MAX_QUEUES 2

struct vq {
    u16 num, index;
    volatile struct vring_desc *desc;
    volatile struct vring_avail *avail;
    volatile struct vring_used *used;
    u16 avail_idx, last_used;
};

struct vdev {
    u64 base;
    u32 irq, id, nq;
    u32 features_lo;                /* device feature bits 0-31 negotiated (vdev_init_features) */
    int slot;
    u8 *qmem;                       /* VDEV_MAX_QUEUES pages */
    volatile u32 isr_seen;          /* InterruptStatus bits seen by the IRQ handler */
    volatile u32 irq_count;
    struct vq q[VDEV_MAX_QUEUES];
};

static inline u32 vr(struct vdev *d, u32 off) { return mmio_r32(d->base + off); }
static inline void vw(struct vdev *d, u32 off, u32 v) { mmio_w32(d->base + off, v); }

int vdev_probe(struct vdev *d, u64 base, u32 irq, int slot);  /* 0 ok; reads DeviceID */
int vdev_init(struct vdev *d, u32 nq);                       /* full §3.1 init; 0 ok */
/* the same, also accepting those of want_lo (feature bits 0-31) the device offers */
int vdev_init_features(struct vdev *d, u32 nq, u32 want_lo);
void vdev_reset(struct vdev *d);
/* place a chain built by the caller (head descriptor index) and notify */
void vq_kick(struct vdev *d, struct vq *q, u16 head);
/* the two halves of vq_kick: make a chain available; notify the device (one MMIO write) */
void vq_push(struct vq *q, u16 head);
void vq_notify(struct vdev *d, struct vq *q);
/* wait for the next used element; returns 0 on success, -1 on timeout */
int vq_wait(struct vdev *d, struct vq *q, struct vring_used_elem *out, u64 timeout_ms);

/* ---- interrupts (irq.c) */
extern int irq_mode;            /* 1: IO-APIC + LAPIC interrupts, 0: polling */
extern volatile u64 timer_ticks;
void cpu_tables_init(void);     /* IDT + TSS */
int irq_init(void);             /* LAPIC + timer + PIC masked; 0 ok */
int irq_route(struct vdev *d);  /* IO-APIC redirection for d->irq; 0 ok */
void wait_event(void);          /* with IF=0 on entry: sti; hlt; cli  (or pause in poll mode) */
struct irq_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vec, err, rip, cs, rflags, rsp, ss;
};
extern struct vdev *irq_devs[MAX_DEVS];
extern int irq_ndevs;
extern u64 user_entries;

/* ---- shared by the checks (main.c) and blkstress (stress.c) */
/* runs fn(arg) at CPL3 unless vtg.user=0 */
long run_loop(long (*fn)(void *), void *arg);
/* the blk capacity in 512-byte sectors (config space, generation-checked) */
u64 blk_capacity(struct vdev *d);
/* vtg.mode=blkstress: 0 when every request completed exactly once and verified */
int run_blkstress(struct vdev *d, const char *cmdline);

/* entry.S */
long enter_user(long (*fn)(void *), void *arg, void *user_stack_top);
void resume_kernel(long rv) __attribute__((noreturn));
extern char isr_stubs[];
extern u64 gdt_tss[2];
extern char gdt_ptr[];

#endif
