/* virtio-test-guest: tests for virtio-mmio blk (2), console (3) and rng (4), plus hostile input. */
#include "vtg.h"

static int passed, total;
static void result(int ok) { total++; if (ok) passed++; }

static struct vdev devs[MAX_DEVS];
static int ndevs;
static const char *cmdline;

/* ------------------------------------------------------------ CPL3 loops */
static int use_user;
static u8 user_stack[16384] __attribute__((aligned(16)));

struct fill_args { u8 *buf; u64 n; u64 seed; };
static long user_fill(void *p)
{
    struct fill_args *a = p;
    u64 x = a->seed * 0x9e3779b97f4a7c15UL + 1;
    for (u64 i = 0; i < a->n; i += 8) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;          /* xorshift64 */
        for (int k = 0; k < 8; k++) a->buf[i + k] = (u8)(x >> (8 * k));
    }
    return 0;
}

struct cmp_args { const u8 *a, *b; u64 n; };
static long user_compare(void *p)                      /* index of first difference, or -1 */
{
    struct cmp_args *c = p;
    for (u64 i = 0; i < c->n; i++)
        if (c->a[i] != c->b[i]) return (long)i;
    return -1;
}

long run_loop(long (*fn)(void *), void *arg)
{
    if (use_user) return enter_user(fn, arg, user_stack + sizeof user_stack);
    return fn(arg);
}

/* ------------------------------------------------------------ blk */
struct blk_hdr { u32 type, reserved; u64 sector; };
static struct blk_hdr blk_hdr_buf __attribute__((aligned(16)));
static volatile u8 blk_status __attribute__((aligned(16)));
static u8 blk_wbuf[4096] __attribute__((aligned(4096)));
static u8 blk_rbuf[4096] __attribute__((aligned(4096)));

static int blk_rw(struct vdev *d, int write, u64 sector, u8 *buf)
{
    struct vq *q = &d->q[0];
    blk_hdr_buf.type = write ? 1 : 0;      /* VIRTIO_BLK_T_OUT / T_IN */
    blk_hdr_buf.reserved = 0;
    blk_hdr_buf.sector = sector;
    blk_status = 0xff;
    q->desc[0].addr = (u64)&blk_hdr_buf; q->desc[0].len = sizeof blk_hdr_buf;
    q->desc[0].flags = VRING_DESC_F_NEXT; q->desc[0].next = 1;
    q->desc[1].addr = (u64)buf; q->desc[1].len = 4096;
    q->desc[1].flags = VRING_DESC_F_NEXT | (write ? 0 : VRING_DESC_F_WRITE); q->desc[1].next = 2;
    q->desc[2].addr = (u64)&blk_status; q->desc[2].len = 1;
    q->desc[2].flags = VRING_DESC_F_WRITE; q->desc[2].next = 0;
    vq_kick(d, q, 0);
    struct vring_used_elem e;
    if (vq_wait(d, q, &e, 10000)) { printf_("blk: FAIL %s sector %lu: no completion (timeout)\n", write ? "write" : "read", sector); return -1; }
    if (e.id != 0 || blk_status != 0) {
        printf_("blk: FAIL %s sector %lu: used id %u status %u\n", write ? "write" : "read", sector, e.id, blk_status);
        return -1;
    }
    return 0;
}

u64 blk_capacity(struct vdev *d)
{
    u32 g, lo, hi;
    do {
        g = vr(d, VIRTIO_MMIO_CONFIG_GENERATION);
        lo = vr(d, VIRTIO_MMIO_CONFIG);
        hi = vr(d, VIRTIO_MMIO_CONFIG + 4);
    } while (g != vr(d, VIRTIO_MMIO_CONFIG_GENERATION));
    return ((u64)hi << 32) | lo;
}

static int blk_check_at(struct vdev *d, u64 sector, u64 seed)
{
    struct fill_args fa = { blk_wbuf, sizeof blk_wbuf, seed ^ sector };
    run_loop(user_fill, &fa);
    if (blk_rw(d, 1, sector, blk_wbuf)) return -1;
    memset(blk_rbuf, 0, sizeof blk_rbuf);
    if (blk_rw(d, 0, sector, blk_rbuf)) return -1;
    struct cmp_args ca = { blk_wbuf, blk_rbuf, sizeof blk_wbuf };
    long diff = run_loop(user_compare, &ca);
    if (diff >= 0) {
        printf_("blk: FAIL data mismatch at sector %lu + byte %ld: wrote %x read %x\n",
                sector, diff, blk_wbuf[diff], blk_rbuf[diff]);
        return -1;
    }
    return 0;
}

static void test_blk(struct vdev *d)
{
    if (vdev_init(d, 1)) { printf_("blk: FAIL init\n"); result(0); return; }
    u64 cap = blk_capacity(d);
    printf_("blk: capacity %lu sectors\n", cap);
    if (cap < 8) { printf_("blk: FAIL capacity too small\n"); result(0); return; }
    u64 offs[4] = { 0, 8, (cap / 2) & ~7UL, (cap - 8) & ~7UL };
    u64 n = 0;
    for (int i = 0; i < 4; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++) if (offs[j] == offs[i]) dup = 1;
        if (dup || offs[i] + 8 > cap) continue;
        if (blk_check_at(d, offs[i], 0x1234 + (u64)i)) { result(0); return; }
        n += 8;
    }
    printf_("blk: ok %lu sectors\n", n);
    result(1);
}

/* ------------------------------------------------------------ rng */
static u8 rng_buf1[64] __attribute__((aligned(64)));
static u8 rng_buf2[64] __attribute__((aligned(64)));

static int rng_read(struct vdev *d, u8 *buf, u32 n)
{
    struct vq *q = &d->q[0];
    u32 got = 0;
    for (int tries = 0; got < n && tries < 64; tries++) {
        q->desc[0].addr = (u64)(buf + got); q->desc[0].len = n - got;
        q->desc[0].flags = VRING_DESC_F_WRITE; q->desc[0].next = 0;
        vq_kick(d, q, 0);
        struct vring_used_elem e;
        if (vq_wait(d, q, &e, 10000)) { printf_("rng: FAIL no completion (timeout)\n"); return -1; }
        if (e.len > n - got) { printf_("rng: FAIL used len %u > buffer %u\n", e.len, n - got); return -1; }
        got += e.len;
    }
    if (got < n) { printf_("rng: FAIL only %u of %u bytes\n", got, n); return -1; }
    return 0;
}

static int rng_check(struct vdev *d, const char *label)
{
    memset(rng_buf1, 0, 64); memset(rng_buf2, 0, 64);
    if (rng_read(d, rng_buf1, 64) || rng_read(d, rng_buf2, 64)) return -1;
    int nz = 0;
    for (int i = 0; i < 64; i++) nz |= rng_buf1[i] | rng_buf2[i];
    if (!nz) { printf_("%s: FAIL all zero\n", label); return -1; }
    if (!memcmp(rng_buf1, rng_buf2, 64)) { printf_("%s: FAIL two reads are identical\n", label); return -1; }
    return 0;
}

static void test_rng(struct vdev *d)
{
    if (vdev_init(d, 1)) { printf_("rng: FAIL init\n"); result(0); return; }
    if (rng_check(d, "rng")) { result(0); return; }
    printf_("rng: ok\n");
    result(1);
}

/* ------------------------------------------------------------ console */
static char con_msg[] = "console: hello from the guest\n";

static void test_console(struct vdev *d)
{
    if (vdev_init(d, 2)) { printf_("console: FAIL init\n"); result(0); return; }
    struct vq *q = &d->q[1];                        /* transmitq of port 0 */
    q->desc[0].addr = (u64)con_msg; q->desc[0].len = sizeof con_msg - 1;
    q->desc[0].flags = 0; q->desc[0].next = 0;
    vq_kick(d, q, 0);
    struct vring_used_elem e;
    if (vq_wait(d, q, &e, 10000)) { printf_("console: FAIL no completion (timeout)\n"); result(0); return; }
    printf_("console: sent\n");
    result(1);
}

/* ------------------------------------------------------------ hostile input (on rng) */
static u8 hostile_buf[64] __attribute__((aligned(64)));
static u64 oob_addr;
static u32 hostile_mask;        /* vtg.hostile=<mask>: 1 looping chain, 2 buffer outside RAM, 4 long chain */

enum { H_LOOP, H_OOB, H_LONG };
static const char *hostile_names[] = { "looping-chain", "buffer-outside-ram", "chain-longer-than-queue" };

static void hostile_case(struct vdev *d, int kind)
{
    const char *name = hostile_names[kind];
    if (vdev_init(d, 1)) { printf_("hostile: %s -> FAIL re-init\n", name); result(0); return; }
    u32 isr = vr(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr) vw(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
    d->isr_seen = 0;
    struct vq *q = &d->q[0];
    switch (kind) {
    case H_LOOP:        /* descriptor 0 -> 0 -> 0 ... */
        q->desc[0].addr = (u64)hostile_buf; q->desc[0].len = 16;
        q->desc[0].flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT; q->desc[0].next = 0;
        break;
    case H_OOB:         /* a buffer beyond the end of guest RAM */
        q->desc[0].addr = oob_addr; q->desc[0].len = 64;
        q->desc[0].flags = VRING_DESC_F_WRITE; q->desc[0].next = 0;
        break;
    case H_LONG:        /* 0 -> 1 -> ... -> num-1 -> 0: no descriptor points at itself, the chain
                           never ends, so it is longer than the queue size after num links */
        for (u16 i = 0; i < q->num; i++) {
            q->desc[i].addr = (u64)hostile_buf; q->desc[i].len = 1;
            q->desc[i].flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT;
            q->desc[i].next = (u16)((i + 1) % q->num);
        }
        break;
    }
    vq_kick(d, q, 0);
    u64 t0 = rdtsc();
    u32 st;
    for (;;) {                                  /* wait for NEEDS_RESET and the config interrupt */
        __asm__ volatile("cli");
        st = vr(d, VIRTIO_MMIO_STATUS);
        isr = d->isr_seen | vr(d, VIRTIO_MMIO_INTERRUPT_STATUS);
        if ((st & ST_NEEDS_RESET) && (isr & 2)) break;
        if (rdtsc() - t0 > 5000 * tsc_per_ms) break;
        wait_event();
    }
    int ok = (st & ST_NEEDS_RESET) && (isr & 2);
    if (ok) printf_("hostile: %s -> NEEDS_RESET ok\n", name);
    else printf_("hostile: %s -> FAIL status %x interrupt status %x (used idx %u, used len %u)\n",
                 name, st, isr, q->used->idx, q->used->ring[0].len);
    result(ok);
    vdev_reset(d);
}

static void test_hostile(struct vdev *rng, struct vdev *blk)
{
    printf_("hostile: buffer outside RAM at %lx, queue size %u\n", oob_addr, rng->q[0].num);
    for (int k = H_LOOP; k <= H_LONG; k++) {
        if (hostile_mask & (1u << k)) hostile_case(rng, k);
        else printf_("hostile: %s skipped (vtg.hostile=%u)\n", hostile_names[k], hostile_mask);
    }
    /* the device and the VMM must still work after a reset */
    if (vdev_init(rng, 1) || rng_check(rng, "hostile: rng after reset")) result(0);
    else { printf_("hostile: rng after reset ok\n"); result(1); }
    if (blk) {
        if (blk_check_at(blk, 16, 0xabcd)) result(0);
        else { printf_("hostile: blk still ok\n"); result(1); }
    }
}


/* ------------------------------------------------------------ bench mode (vtg.bench=1) */
/* Timed with the TSC (rdtsc at CPL0); each metric prints its total ticks and op count, and the
   "bench: begin/end" lines carry the TSC so the host can calibrate ticks against its wall clock. */
struct mmio_loop_args { u64 addr; u64 n; };
static long user_mmio_loop(void *p)
{
    struct mmio_loop_args *a = p;
    u32 s = 0;
    for (u64 i = 0; i < a->n; i++) s += mmio_r32(a->addr);
    return (long)s;
}

static void bench_print(const char *name, u64 ticks, u64 n)
{
    u64 ns_x10 = n ? ticks * 10000 / tsc_per_ms * 1000 / n : 0;   /* ticks -> ns via tsc_per_ms */
    printf_("bench: %s ticks %lu n %lu guest_ns_per_op %lu.%lu\n", name, ticks, n, ns_x10 / 10, ns_x10 % 10);
}

static void run_bench(struct vdev *blk)
{
    u64 n_exit = cmdline_num(cmdline, "vtg.bench_exits", 20000);
    u64 n_blk = cmdline_num(cmdline, "vtg.bench_blk", 2000);
    printf_("bench: tsc_per_ms %lu irq_mode %d\n", tsc_per_ms, irq_mode);
    if (!blk) { printf_("bench: FAIL no blk device\n"); return; }
    if (vdev_init(blk, 1)) { printf_("bench: FAIL blk init\n"); return; }
    u64 cap = blk_capacity(blk);
    u64 span = cap / 8;                           /* 4 KiB blocks on the disk */
    if (span == 0) { printf_("bench: FAIL blk capacity %lu\n", cap); return; }
    for (u64 i = 0; i < sizeof blk_wbuf; i++) blk_wbuf[i] = (u8)(i * 7 + 1);
    printf_("bench: begin tsc %lu\n", rdtsc());
    u64 t0, t1;
    u32 sink = 0;

    /* (a) port I/O: write the 16550 scratch register (0x3ff), emulated in user space by both VMMs */
    t0 = rdtsc();
    for (u64 i = 0; i < n_exit; i++) outb(0x3f8 + 7, (u8)i);
    t1 = rdtsc();
    bench_print("pio_exit", t1 - t0, n_exit);

    /* (b) MMIO: read the blk device's MagicValue register (user-space emulation in both VMMs) */
    t0 = rdtsc();
    for (u64 i = 0; i < n_exit; i++) sink += mmio_r32(blk->base + VIRTIO_MMIO_MAGIC_VALUE);
    t1 = rdtsc();
    bench_print("mmio_exit", t1 - t0, n_exit);

    /* (b') the same MMIO read loop at CPL3 (the loop itself runs natively there) */
    if (use_user) {
        struct mmio_loop_args ma = { blk->base + VIRTIO_MMIO_MAGIC_VALUE, n_exit };
        t0 = rdtsc();
        sink += (u32)enter_user(user_mmio_loop, &ma, user_stack + sizeof user_stack);
        t1 = rdtsc();
        bench_print("mmio_exit_cpl3", t1 - t0, n_exit);
    }

    /* (c) 4 KiB blk writes then reads, one request in flight, sequential over the disk */
    int fail = 0;
    t0 = rdtsc();
    for (u64 i = 0; i < n_blk && !fail; i++) fail = blk_rw(blk, 1, (i % span) * 8, blk_wbuf);
    t1 = rdtsc();
    if (!fail) bench_print("blk_write_4k", t1 - t0, n_blk);
    t0 = rdtsc();
    for (u64 i = 0; i < n_blk && !fail; i++) fail = blk_rw(blk, 0, (i % span) * 8, blk_rbuf);
    t1 = rdtsc();
    if (!fail) bench_print("blk_read_4k", t1 - t0, n_blk);
    if (!fail && memcmp(blk_rbuf, blk_wbuf, sizeof blk_rbuf)) { printf_("bench: FAIL read-back mismatch\n"); fail = 1; }
    printf_("bench: end tsc %lu\n", rdtsc());
    printf_("bench: %s (sink %x)\n", fail ? "FAIL" : "done", sink);
}

/* ------------------------------------------------------------ rescan (vtg.rescan=<seconds>) */
/* Windows on the command line whose DeviceID read 0 at boot (empty slots). A VMM hot-plugs a device by
   making such a window's DeviceID non-zero; virtio-mmio has no hot-plug event, so the guest polls the
   DeviceID of each empty window at every watchdog tick (~100 ms; a busy-wait of 50 ms when polling)
   and initialises and checks what appears, like a Linux driver that re-probes its windows. */
static struct mmio_desc empty_windows[MAX_DEVS];
static int nempty;
static void test_blk(struct vdev *d);
static void test_rng(struct vdev *d);
static void test_console(struct vdev *d);
static const char *dev_name(u32 id);

static void rescan(u64 seconds, u64 want)
{
    if (nempty == 0) {
        printf_("rescan: FAIL no empty virtio-mmio window (DeviceID 0) on the command line\n");
        result(0);
        return;
    }
    if (want > (u64)nempty) want = (u64)nempty;
    printf_("rescan: polling %d empty windows for %lu devices, up to %lu s\n", nempty, want, seconds);
    int seen[MAX_DEVS] = { 0 };
    u64 found = 0, t0 = rdtsc();
    while (found < want && rdtsc() - t0 < seconds * 1000 * tsc_per_ms) {
        for (int i = 0; i < nempty && found < want; i++) {
            if (seen[i] || mmio_r32(empty_windows[i].base + VIRTIO_MMIO_DEVICE_ID) == 0) continue;
            seen[i] = 1;
            found++;
            struct vdev *d = &devs[ndevs];
            if (ndevs >= MAX_DEVS || vdev_probe(d, empty_windows[i].base, empty_windows[i].irq, ndevs)) {
                printf_("rescan: FAIL cannot probe %lx\n", empty_windows[i].base);
                result(0);
                continue;
            }
            printf_("rescan: %lx irq %u: device id %u (%s) appeared\n", d->base, d->irq, d->id, dev_name(d->id));
            if (irq_mode && irq_route(d)) { printf_("irq: falling back to polling\n"); irq_mode = 0; }
            ndevs++;
            switch (d->id) {
            case 2: test_blk(d); break;
            case 3: test_console(d); break;
            case 4: test_rng(d); break;
            default: printf_("rescan: no check for device id %u, left alone\n", d->id); break;
            }
        }
        if (found >= want) break;
        if (irq_mode) { __asm__ volatile("cli"); wait_event(); }
        else { u64 t = rdtsc(); while (rdtsc() - t < 50 * tsc_per_ms) cpu_relax(); }
    }
    if (found < want) { printf_("rescan: FAIL %lu of %lu devices appeared within %lu s\n", found, want, seconds); result(0); }
    else printf_("rescan: ok %lu hot-plugged devices\n", found);
}

/* ------------------------------------------------------------ main */
static const char *dev_name(u32 id)
{
    switch (id) { case 2: return "blk"; case 3: return "console"; case 4: return "rng"; default: return "other"; }
}

void kmain(struct hvm_start_info *si)
{
    puts_("\nvirtio-test-guest: long mode\n");
    if (si->magic != HVM_START_MAGIC) {
        printf_("virtio-test-guest: bad hvm_start_info magic %x\n", si->magic);
        printf_("virtio-test-guest: done 0/1\n");
        machine_reset();
    }
    time_init();
    cpu_tables_init();
    cmdline = si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
    printf_("cmdline: %s\n", cmdline);

    u64 ram_end = 0;
    if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
        struct hvm_memmap_entry *m = (struct hvm_memmap_entry *)si->memmap_paddr;
        for (u32 i = 0; i < si->memmap_entries; i++) {
            printf_("memmap: %lx-%lx type %u\n", m[i].addr, m[i].addr + m[i].size, m[i].type);
            if (m[i].addr + m[i].size > ram_end) ram_end = m[i].addr + m[i].size;
        }
    } else {
        ram_end = 64UL << 30;
        printf_("memmap: none (start_info version %u)\n", si->version);
    }
    if (ram_end < (4UL << 30)) ram_end = 4UL << 30;
    oob_addr = ((ram_end + (1UL << 30) - 1) & ~((1UL << 30) - 1)) + (1UL << 30);

    hostile_mask = (u32)cmdline_num(cmdline, "vtg.hostile", 7) & 7;
    int want_hostile = hostile_mask != 0;
    int want_irq = (int)cmdline_num(cmdline, "vtg.irq", 1);
    use_user = (int)cmdline_num(cmdline, "vtg.user", 1);

    if (use_user) {                          /* prove the CPL3 round trip before relying on it */
        struct cmp_args ca = { rng_buf1, rng_buf1, 8 };
        long r = enter_user(user_compare, &ca, user_stack + sizeof user_stack);
        printf_("cpl3: round trip ok (rv %ld)\n", r);
    }

    if (want_irq) {
        if (irq_init() == 0) irq_mode = 1;
        else printf_("irq: setup failed, polling the used rings instead\n");
    } else printf_("irq: disabled by vtg.irq=0, polling the used rings\n");

    cmdline_parse(cmdline);
    if (cmdline_ndevs == 0) printf_("virtio: no virtio_mmio.device= entries on the command line\n");
    for (int i = 0; i < cmdline_ndevs; i++) {
        struct vdev *d = &devs[ndevs];
        if (cmdline_devs[i].base >= (4UL << 30)) { printf_("virtio: %lx above 4 GiB not mapped, skipped\n", cmdline_devs[i].base); continue; }
        if (vdev_probe(d, cmdline_devs[i].base, cmdline_devs[i].irq, ndevs)) continue;
        printf_("virtio: %lx size %lx irq %u: device id %u (%s)\n", d->base, cmdline_devs[i].size, d->irq, d->id, dev_name(d->id));
        if (d->id == 0) { empty_windows[nempty++] = cmdline_devs[i]; continue; }   /* empty slot */
        if (irq_mode && irq_route(d)) { printf_("irq: falling back to polling\n"); irq_mode = 0; }
        ndevs++;
    }

    if (cmdline_num(cmdline, "vtg.bench", 0)) {   /* benchmark mode: no tests, see run_bench */
        struct vdev *bd = 0;
        for (int i = 0; i < ndevs && !bd; i++) if (devs[i].id == 2) bd = &devs[i];
        run_bench(bd);
        machine_reset();
    }

    if (cmdline_is(cmdline, "vtg.mode", "blkstress")) {   /* live-swap load: no other checks, see stress.c */
        struct vdev *bd = 0;
        for (int i = 0; i < ndevs && !bd; i++) if (devs[i].id == 2) bd = &devs[i];
        int ok = run_blkstress(bd, cmdline) == 0;
        printf_("virtio-test-guest: done %d/1\n", ok);
        machine_reset();
    }

    struct vdev *blk = 0, *rng = 0;
    for (int i = 0; i < ndevs; i++) {
        switch (devs[i].id) {
        case 2: test_blk(&devs[i]); if (!blk) blk = &devs[i]; break;
        case 3: test_console(&devs[i]); break;
        case 4: test_rng(&devs[i]); if (!rng) rng = &devs[i]; break;
        default: break;
        }
    }
    if (rng && want_hostile) test_hostile(rng, blk);
    else if (rng) printf_("hostile: all skipped (vtg.hostile=0)\n");
    u64 rescan_s = cmdline_num(cmdline, "vtg.rescan", 0);
    if (rescan_s) rescan(rescan_s, cmdline_num(cmdline, "vtg.rescan_count", 1));

    if (irq_mode) {
        /* A device that completes synchronously inside the notify (QEMU's console) raises its
           interrupt while IF=0 and vq_wait never halts; let such pending interrupts in now:
           halt until two watchdog ticks have passed. */
        u64 t = timer_ticks;
        while (timer_ticks < t + 2) wait_event();
        int ok = 1;
        for (int i = 0; i < ndevs; i++) {
            if (devs[i].id < 2 || devs[i].id > 4) continue;
            printf_("irq: %s (GSI %u): %u interrupts\n", dev_name(devs[i].id), devs[i].irq, devs[i].irq_count);
            if (!devs[i].irq_count) ok = 0;
        }
        printf_("irq: %s (watchdog ticks %lu)\n", ok ? "ok" : "FAIL some device raised no interrupt", timer_ticks);
        result(ok);
    }
    if (use_user) printf_("cpl3: %lu returns from CPL3 (blk fill/compare loops)\n", user_entries);
    if (total == 0) { printf_("virtio-test-guest: no tests ran\n"); total = 1; }
    printf_("virtio-test-guest: done %d/%d\n", passed, total);
    machine_reset();
}
