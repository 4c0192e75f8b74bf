/* blkstress mode (vtg.mode=blkstress): continuous virtio-blk write + verify with several requests in
 * flight, for live-swap tests of the device behind the queue.
 *
 * Every 4 KiB block of the disk but block 0 is written with a pattern that encodes, in each 512-byte
 * sector, (magic, sequence number, sector number) followed by a xorshift stream seeded by both; the
 * write's completion is followed by a read of the same block that must return exactly that pattern.
 * The sequence number grows with every write, so a read that returns an older write of the block
 * (a lost or replayed write) or another block's data is told apart from plain garbage. When the run
 * ends, every block written is read once more and must hold its last write. Block 0 is the host's
 * control block: it is read every vtg.ctl_every writes, and "VTG-STOP" at its start ends the run.
 * With VIRTIO_BLK_F_FLUSH offered, it is negotiated (the device may then cache writes) and a FLUSH goes
 * out every vtg.flush_every writes, as a Linux guest's journal would send them.
 *
 * Why the engine runs at CPL3: guest CPL0 code is emulated (about 2000x slower) on a PVM host, so the
 * whole submit / poll / verify loop runs at CPL3 with interrupts off, polling the used ring (interrupts
 * suppressed with VRING_AVAIL_F_NO_INTERRUPT); it comes back to CPL0 only to print progress or an error.
 * Chains use their own descriptor triple; idle triples are taken round-robin so an id is reused as late
 * as possible and a used entry whose id is not outstanding is caught as a duplicated completion. */
#include "vtg.h"

#define BS_BLOCK       4096
#define BS_SPB         8                    /* sectors per block */
#define BS_MAX_SLOTS   (VQ_MAX_SIZE / 3)    /* one descriptor triple per chain */
#define BS_MAX_BLOCKS  8192
#define BS_MAGIC       0x53475456u          /* "VTGS" little-endian */
#define BS_POISON      0xa5a5a5a5a5a5a5a5UL
#define BS_MAX_REPORTS 10
#define BLK_F_FLUSH    (1u << 9)

enum { OP_IDLE, OP_WRITE, OP_READ, OP_CTL, OP_FINAL, OP_FLUSH };
enum { PH_RUN, PH_DRAIN, PH_FINAL, PH_DONE };
enum { RC_SLICE, RC_REPORT, RC_DONE, RC_LOST };
enum { E_CORRUPT = 1, E_DUP, E_IOERR, E_BADLEN };

struct bs_hdr { u32 type, reserved; u64 sector; };

struct bs_slot {
    struct bs_hdr hdr;
    volatile u8 status;
    u8 op;
    u32 block, seq;
    u64 t_submit;
} __attribute__((aligned(64)));

struct bs_error {
    u32 kind, id, len, status, block, sector_in_block, word;
    u32 want_seq, got_magic, got_seq;
    u64 got_sector;
};

static struct bs_slot slots[BS_MAX_SLOTS];
static u8 slot_data[BS_MAX_SLOTS][BS_BLOCK] __attribute__((aligned(4096)));
static u32 block_seq[BS_MAX_BLOCKS];        /* sequence number of the last completed write; 0 = never */
static u8 block_busy[BS_MAX_BLOCKS];

static struct {
    struct vdev *d;
    struct vq *q;
    u32 nslots, inflight_max, inflight, slot_cursor;
    u32 nblocks, cursor, final_next, seq;
    int phase, stop_seen, need_notify;
    u64 limit_requests, t_end, timeout_ticks, slice_ticks;
    u32 ctl_every, since_ctl, ctl_inflight;
    u32 flush_every, since_flush, flush_inflight;
    u64 requests, writes, verified, final_verified, corrupt, dup, ioerr, badlen, ctl, flushes, lost;
    u64 maxlat;
    u64 maxgap, t_progress, t_left;    /* longest stall: requests outstanding, no completion */
    u64 slicegap;                      /* the same since the last progress line */
    u32 reports;
    int report_pending;
    struct bs_error err;
} bs;

/* ---------------------------------------------------------------- pattern (CPL3) */
static inline u64 seed_of(u64 sector, u32 seq)
{
    u64 x = (sector + 1) * 0x9e3779b97f4a7c15UL ^ ((u64)seq << 17) ^ 0xd1b54a32d192ed03UL;
    return x ? x : 1;
}

static void pattern_fill(u64 *w, u32 block, u32 seq)
{
    for (u32 k = 0; k < BS_SPB; k++, w += 64) {
        u64 sector = (u64)block * BS_SPB + k;
        u64 x = seed_of(sector, seq);
        w[0] = BS_MAGIC | ((u64)seq << 32);
        w[1] = sector;
        for (int i = 2; i < 64; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; w[i] = x; }
    }
}

/* 0 when the block holds (block, seq); else fills bs.err with the first difference */
static int pattern_check(const u64 *w, u32 block, u32 seq)
{
    for (u32 k = 0; k < BS_SPB; k++, w += 64) {
        u64 sector = (u64)block * BS_SPB + k;
        u64 x = seed_of(sector, seq);
        int bad = -1;
        if (w[0] != (BS_MAGIC | ((u64)seq << 32))) bad = 0;
        else if (w[1] != sector) bad = 1;
        else {
            for (int i = 2; i < 64; i++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                if (w[i] != x) { bad = i; break; }
            }
        }
        if (bad >= 0) {
            bs.err.block = block; bs.err.sector_in_block = k; bs.err.word = (u32)bad;
            bs.err.want_seq = seq; bs.err.got_magic = (u32)w[0]; bs.err.got_seq = (u32)(w[0] >> 32);
            bs.err.got_sector = w[1];
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- ring (CPL3) */
static void submit(u32 s, u32 op, u32 block, u32 seq)
{
    struct bs_slot *sl = &slots[s];
    struct vq *q = bs.q;
    u16 h = (u16)(3 * s);
    int write = op == OP_WRITE;
    sl->hdr.reserved = 0;
    sl->status = 0xff;
    sl->op = (u8)op; sl->block = block; sl->seq = seq;
    q->desc[h].addr = (u64)&sl->hdr; q->desc[h].len = sizeof sl->hdr;
    q->desc[h].flags = VRING_DESC_F_NEXT; q->desc[h].next = (u16)(h + 1);
    if (op == OP_FLUSH) {                                           /* header, status: no data (§5.2.6) */
        sl->hdr.type = 4;                                           /* VIRTIO_BLK_T_FLUSH */
        sl->hdr.sector = 0;
        q->desc[h + 1].addr = (u64)&sl->status; q->desc[h + 1].len = 1;
        q->desc[h + 1].flags = VRING_DESC_F_WRITE; q->desc[h + 1].next = 0;
    } else {
        u64 *w = (u64 *)slot_data[s];
        if (write) pattern_fill(w, block, seq);
        else for (int i = 0; i < BS_BLOCK / 8; i++) w[i] = BS_POISON;   /* a read that writes nothing shows */
        sl->hdr.type = write ? 1 : 0;                                   /* VIRTIO_BLK_T_OUT / T_IN */
        sl->hdr.sector = (u64)block * BS_SPB;
        q->desc[h + 1].addr = (u64)slot_data[s]; q->desc[h + 1].len = BS_BLOCK;
        q->desc[h + 1].flags = VRING_DESC_F_NEXT | (write ? 0 : VRING_DESC_F_WRITE); q->desc[h + 1].next = (u16)(h + 2);
        q->desc[h + 2].addr = (u64)&sl->status; q->desc[h + 2].len = 1;
        q->desc[h + 2].flags = VRING_DESC_F_WRITE; q->desc[h + 2].next = 0;
    }
    sl->t_submit = rdtsc();
    if (bs.inflight == 0) bs.t_progress = sl->t_submit;     /* a stall can only start with work queued */
    bs.inflight++;
    vq_push(q, h);
    bs.need_notify = 1;
}

/* the next idle triple after the last one used (round-robin: ids are reused as late as possible) */
static int take_slot(void)
{
    for (u32 i = 0; i < bs.nslots; i++) {
        u32 s = (bs.slot_cursor + i) % bs.nslots;
        if (slots[s].op == OP_IDLE) { bs.slot_cursor = (s + 1) % bs.nslots; return (int)s; }
    }
    return -1;
}

static int next_block(void)
{
    for (u32 i = 0; i < bs.nblocks; i++) {
        u32 b = bs.cursor;
        bs.cursor = bs.cursor + 1 >= bs.nblocks ? 1 : bs.cursor + 1;
        if (!block_busy[b]) return (int)b;
    }
    return -1;
}

static void report(u32 kind)
{
    bs.err.kind = kind;
    if (bs.reports < BS_MAX_REPORTS) bs.report_pending = 1;
}

static void complete(struct vring_used_elem e, u64 now)
{
    u32 s = e.id / 3;
    if (e.id % 3 != 0 || s >= bs.nslots || slots[s].op == OP_IDLE) {
        bs.dup++;
        memset(&bs.err, 0, sizeof bs.err);
        bs.err.id = e.id; bs.err.len = e.len;
        report(E_DUP);
        return;
    }
    struct bs_slot *sl = &slots[s];
    u32 op = sl->op, block = sl->block, seq = sl->seq;
    u64 lat = now - sl->t_submit;
    if (lat > bs.maxlat) bs.maxlat = lat;
    sl->op = OP_IDLE;
    bs.inflight--;
    bs.requests++;
    u32 want_len = op == OP_WRITE || op == OP_FLUSH ? 1 : BS_BLOCK + 1;
    if (sl->status != 0 || e.len != want_len) {
        memset(&bs.err, 0, sizeof bs.err);
        bs.err.id = e.id; bs.err.len = e.len; bs.err.status = sl->status; bs.err.block = block;
        if (sl->status != 0) { bs.ioerr++; report(E_IOERR); }
        else { bs.badlen++; report(E_BADLEN); }
        if (op == OP_CTL) bs.ctl_inflight = 0;
        else if (op == OP_FLUSH) bs.flush_inflight = 0;
        else block_busy[block] = 0;
        return;
    }
    switch (op) {
    case OP_WRITE: {
        block_seq[block] = seq;
        bs.writes++;
        int r = take_slot();               /* verify at once, in another triple (one was just freed) */
        submit((u32)r, OP_READ, block, seq);
        break;
    }
    case OP_READ:
    case OP_FINAL:
        if (pattern_check((const u64 *)slot_data[s], block, seq) == 0) {
            bs.verified++;
            if (op == OP_FINAL) bs.final_verified++;
        } else {
            bs.corrupt++;
            bs.err.id = e.id; bs.err.len = e.len; bs.err.status = op;
            report(E_CORRUPT);
        }
        block_busy[block] = 0;
        break;
    case OP_CTL: {
        static const char stop[8] = "VTG-STOP";
        bs.ctl++;
        bs.ctl_inflight = 0;
        if (!memcmp(slot_data[s], stop, sizeof stop)) bs.stop_seen = 1;
        break;
    }
    case OP_FLUSH:
        bs.flushes++;
        bs.flush_inflight = 0;
        break;
    }
}

/* fill the queue according to the phase */
static void refill(u64 now)
{
    if (bs.phase == PH_RUN) {
        if ((bs.limit_requests && bs.requests >= bs.limit_requests) || (bs.t_end && now >= bs.t_end) || bs.stop_seen)
            bs.phase = PH_DRAIN;
    }
    if (bs.phase == PH_DRAIN && bs.inflight == 0) { bs.phase = PH_FINAL; bs.final_next = 1; }
    while (bs.inflight < bs.inflight_max) {
        if (bs.phase == PH_RUN) {
            if (!bs.ctl_inflight && bs.since_ctl >= bs.ctl_every) {
                int s = take_slot();
                bs.since_ctl = 0; bs.ctl_inflight = 1;
                submit((u32)s, OP_CTL, 0, 0);
                continue;
            }
            if (bs.flush_every && !bs.flush_inflight && bs.since_flush >= bs.flush_every) {
                int s = take_slot();
                bs.since_flush = 0; bs.flush_inflight = 1;
                submit((u32)s, OP_FLUSH, 0, 0);
                continue;
            }
            int b = next_block();
            if (b < 0) break;
            int s = take_slot();
            block_busy[b] = 1;
            submit((u32)s, OP_WRITE, (u32)b, ++bs.seq);
            bs.since_ctl++;
            bs.since_flush++;
        } else if (bs.phase == PH_FINAL) {
            while (bs.final_next < bs.nblocks && block_seq[bs.final_next] == 0) bs.final_next++;
            if (bs.final_next >= bs.nblocks) { if (bs.inflight == 0) bs.phase = PH_DONE; break; }
            u32 b = bs.final_next++;
            int s = take_slot();
            block_busy[b] = 1;
            submit((u32)s, OP_FINAL, b, block_seq[b]);
        } else break;
    }
}

/* The engine: runs one slice (or until an error to report, the end, or a lost request). */
static long engine(void *unused)
{
    struct vq *q = bs.q;
    u64 t0 = rdtsc();
    long rc;
    if (bs.t_left && bs.t_progress) bs.t_progress += t0 - bs.t_left;   /* our own CPL0 printing is no stall */
    for (;;) {
        u64 now = rdtsc();
        refill(now);
        if (bs.need_notify) { bs.need_notify = 0; vq_notify(bs.d, q); }   /* one notify per pass */
        if (bs.phase == PH_DONE) { rc = RC_DONE; break; }
        u16 used = q->used->idx;
        barrier();
        if (q->last_used != used) {
            now = rdtsc();
            if (now - bs.t_progress > bs.maxgap) bs.maxgap = now - bs.t_progress;
            if (now - bs.t_progress > bs.slicegap) bs.slicegap = now - bs.t_progress;
            bs.t_progress = now;
            while (q->last_used != used) {
                struct vring_used_elem e = q->used->ring[q->last_used % q->num];
                q->last_used++;
                complete(e, now);
            }
            if (bs.report_pending) {
                if (bs.need_notify) { bs.need_notify = 0; vq_notify(bs.d, q); }
                rc = RC_REPORT;
                break;
            }
            continue;
        }
        now = rdtsc();                      /* later than every t_submit */
        for (u32 s = 0; s < bs.nslots; s++)
            if (slots[s].op != OP_IDLE && now - slots[s].t_submit > bs.timeout_ticks) return RC_LOST;
        if (now - t0 > bs.slice_ticks) { rc = RC_SLICE; break; }
        cpu_relax();
    }
    bs.t_left = rdtsc();
    return rc;
}

/* ---------------------------------------------------------------- CPL0 side */
static const char *op_name(u32 op)
{
    switch (op) { case OP_WRITE: return "write"; case OP_READ: return "verify-read"; case OP_CTL: return "control-read";
                  case OP_FINAL: return "final-read"; case OP_FLUSH: return "flush"; default: return "?"; }
}

static void print_error(void)
{
    struct bs_error *e = &bs.err;
    switch (e->kind) {
    case E_DUP:
        printf_("blkstress: FAIL duplicated completion: used id %u len %u names no outstanding request\n", e->id, e->len);
        break;
    case E_IOERR:
        printf_("blkstress: FAIL request id %u block %u: status %u\n", e->id, e->block, e->status);
        break;
    case E_BADLEN:
        printf_("blkstress: FAIL request id %u block %u: used len %u\n", e->id, e->block, e->len);
        break;
    case E_CORRUPT: {
        const char *what = e->got_magic != BS_MAGIC ? "not a pattern"
                : e->got_sector != (u64)e->block * BS_SPB + e->sector_in_block ? "another sector's data"
                : e->got_seq < e->want_seq ? "an older write (stale)"
                : e->got_seq > e->want_seq ? "a newer write" : "damaged pattern";
        printf_("blkstress: FAIL %s of block %u sector +%u word %u: want seq %u, found magic %x seq %u sector %lu: %s\n",
                op_name(e->status), e->block, e->sector_in_block, e->word, e->want_seq, e->got_magic, e->got_seq,
                e->got_sector, what);
        break;
    }
    }
    bs.reports++;
    bs.report_pending = 0;
}

static u64 ticks_to_us(u64 t) { return t * 1000 / tsc_per_ms; }

static void print_summary(const char *tag)
{
    printf_("%s requests=%lu writes=%lu verified=%lu final=%lu ctl=%lu flush=%lu lost=%lu dup=%lu corrupt=%lu ioerr=%lu badlen=%lu maxlat_us=%lu maxgap_us=%lu\n",
            tag, bs.requests, bs.writes, bs.verified, bs.final_verified, bs.ctl, bs.flushes, bs.lost, bs.dup, bs.corrupt, bs.ioerr,
            bs.badlen, ticks_to_us(bs.maxlat), ticks_to_us(bs.maxgap));
}

int run_blkstress(struct vdev *d, const char *cmdline)
{
    printf_("blkstress: tsc_per_ms %lu\n", tsc_per_ms);
    if (!d) { printf_("blkstress: FAIL no blk device\n"); return -1; }
    u64 flush_every = cmdline_num(cmdline, "vtg.flush_every", 32);
    if (vdev_init_features(d, 1, flush_every ? BLK_F_FLUSH : 0)) { printf_("blkstress: FAIL blk init\n"); return -1; }
    u64 cap = blk_capacity(d);
    memset(&bs, 0, sizeof bs);
    bs.d = d; bs.q = &d->q[0];
    bs.nslots = bs.q->num / 3;
    if (bs.nslots > BS_MAX_SLOTS) bs.nslots = BS_MAX_SLOTS;
    u64 inflight = cmdline_num(cmdline, "vtg.inflight", 8);
    if (inflight < 1) inflight = 1;
    if (inflight > bs.nslots - 1) inflight = bs.nslots - 1;   /* a write's follow-up read needs a free triple */
    bs.inflight_max = (u32)inflight;
    u64 nb = cap / BS_SPB;
    bs.nblocks = (u32)(nb > BS_MAX_BLOCKS ? BS_MAX_BLOCKS : nb);
    if (bs.nblocks < 2 * bs.inflight_max + 2) {
        printf_("blkstress: FAIL capacity %lu sectors: need at least %u blocks of 4 KiB\n", cap, 2 * bs.inflight_max + 2);
        return -1;
    }
    u64 seconds = cmdline_num(cmdline, "vtg.seconds", 30);
    bs.limit_requests = cmdline_num(cmdline, "vtg.requests", 0);
    bs.timeout_ticks = cmdline_num(cmdline, "vtg.timeout_ms", 10000) * tsc_per_ms;
    bs.slice_ticks = cmdline_num(cmdline, "vtg.progress_ms", 500) * tsc_per_ms;
    bs.ctl_every = (u32)cmdline_num(cmdline, "vtg.ctl_every", 64);
    bs.flush_every = (d->features_lo & BLK_F_FLUSH) ? (u32)flush_every : 0;
    bs.cursor = 1;
    for (u32 i = 0; i < bs.nslots; i++) slots[i].op = OP_IDLE;
    for (u32 b = 0; b < bs.nblocks; b++) { block_seq[b] = 0; block_busy[b] = 0; }
    bs.q->avail->flags = 1;                 /* VRING_AVAIL_F_NO_INTERRUPT: the engine polls */
    printf_("blkstress: begin blocks %u inflight %u triples %u seconds %lu requests %lu (stop: \"VTG-STOP\" in sector 0)\n",
            bs.nblocks - 1, bs.inflight_max, bs.nslots, seconds, bs.limit_requests);
    if (bs.flush_every) printf_("blkstress: VIRTIO_BLK_F_FLUSH negotiated, a flush every %u writes\n", bs.flush_every);
    else printf_("blkstress: no VIRTIO_BLK_F_FLUSH (vtg.flush_every=0 or not offered): the device writes through\n");
    u64 t_start = rdtsc();
    bs.t_end = seconds ? t_start + seconds * 1000 * tsc_per_ms : 0;
    for (;;) {
        long rc = run_loop(engine, 0);
        if (rc == RC_REPORT) { print_error(); continue; }
        if (rc == RC_LOST) {
            u64 now = rdtsc();
            for (u32 s = 0; s < bs.nslots; s++) {
                if (slots[s].op == OP_IDLE || now - slots[s].t_submit <= bs.timeout_ticks) continue;
                bs.lost++;
                printf_("blkstress: FAIL lost: %s of block %u (id %u) not completed after %lu ms\n",
                        op_name(slots[s].op), slots[s].block, 3 * s, ticks_to_us(now - slots[s].t_submit) / 1000);
            }
            break;
        }
        printf_("blkstress: t=%lums inflight %u slicegap_us=%lu ", ticks_to_us(rdtsc() - t_start) / 1000, bs.inflight,
                ticks_to_us(bs.slicegap));
        bs.slicegap = 0;
        print_summary("progress");
        if (rc == RC_DONE) break;
    }
    bs.q->avail->flags = 0;
    print_summary("VTG blkstress");
    int ok = bs.requests > 0 && bs.lost + bs.dup + bs.corrupt + bs.ioerr + bs.badlen == 0;
    printf_("blkstress: %s\n", ok ? "ok" : "FAIL");
    return ok ? 0 : -1;
}
