/*
 * C reference for VirtQueueBenchmark: the same device-side work on the same ring layouts, so that the
 * Java numbers can be read as a ratio to C measured in the same run.
 *
 * Per batch of B chains: the driver adds B chains (split: free-descriptor stack, NEXT links, one
 * release store of avail->idx per chain; packed: the head's flags stored last with release), the
 * device pops B (validates each chain: ring index jump, head/next index in range, loop bound, no
 * INDIRECT (not negotiated), no zero length, readable before writable, every buffer bounds-checked
 * against the guest RAM region with the access it needs, buffers recorded into a pooled chain),
 * adds B used elements, flushes once (one release store of used->idx / the batch head's flags, a full
 * fence, a read of the driver's suppression flags, a notifier call), then the driver reaps B.
 * One operation = one chain. The device touches no payload byte.
 *
 * Mirrors org.virtio.core.internal.queue.{Split,Packed}VirtQueue (device) and
 * org.virtio.core.driver.{Split,Packed}QueueDriver (driver) without the IOMMU, EVENT_IDX and IN_ORDER
 * paths, which the benchmark does not negotiate.
 *
 * Build: gcc -O2 -o ring_bench ring_bench.c
 * Usage: ring_bench [warmup_iterations iteration_seconds measure_iterations]   (default 3 1 5)
 * Prints one line per configuration:
 *   RESULT <SPLIT|PACKED> <descriptors> <batch> <chains/s mean> <99.9% CI half-width> <iterations>
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QSIZE 256
#define BUFFER_SIZE 4096
#define CHAINS_PER_INVOCATION 32
#define RAM_START 0x10000000ULL
#define RAM_SIZE (2ULL << 20)
#define BUFFERS_OFFSET (64ULL << 10)

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4
#define DESC_F_AVAIL (1 << 7)
#define DESC_F_USED (1 << 15)

#define barrier() __asm__ __volatile__("" ::: "memory")
#define load_acquire16(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_release16(p, v) __atomic_store_n((p), (uint16_t)(v), __ATOMIC_RELEASE)
/* gcc 12 emits "lock orq $0,(%rsp)" for this; HotSpot's fullFence is "lock addl $0,(%rsp)". */
#define full_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* ---------------------------------------------------------------- guest memory */

typedef struct {
    uint64_t start, size, last;
    int readonly;
    uint8_t *host;
} region_t;

typedef struct {
    region_t regions[4];
    int count;
    int last_hit;
} guest_mem_t;

/* Like GuestRam.regionIndex: the whole range in one region, no overflow, writes not to read-only. */
static inline int region_index(guest_mem_t *m, uint64_t gpa, uint64_t len, int write)
{
    uint64_t last = gpa + (len == 0 ? 0 : len - 1);
    if (last < gpa)
        return -1;
    int hit = m->last_hit;
    region_t *r = &m->regions[hit];
    if (!(gpa >= r->start && last <= r->last)) {
        hit = -1;
        for (int i = 0; i < m->count; i++) {
            if (gpa >= m->regions[i].start && last <= m->regions[i].last) {
                hit = i;
                break;
            }
        }
        if (hit < 0)
            return -1;
        m->last_hit = hit;
        r = &m->regions[hit];
    }
    if (write && r->readonly)
        return -1;
    return hit;
}

static uint8_t *gpa_to_host(guest_mem_t *m, uint64_t gpa, uint64_t len, int write)
{
    int r = region_index(m, gpa, len, write);
    if (r < 0) {
        fprintf(stderr, "ring outside guest RAM\n");
        exit(2);
    }
    return m->regions[r].host + (gpa - m->regions[r].start);
}

/* ---------------------------------------------------------------- chains */

#define MAX_ELEMENTS QSIZE

typedef struct {
    int id;
    int desc_count;
    int in_flight;
    int count;
    int readable;
    uint64_t readable_bytes, writable_bytes;
    uint64_t addr[MAX_ELEMENTS];
    uint64_t len[MAX_ELEMENTS];
    int region[MAX_ELEMENTS];
    uint64_t region_off[MAX_ELEMENTS];
} chain_t;

typedef struct {
    chain_t *free[QSIZE];
    int free_count;
    int in_flight;
    int broken;
    guest_mem_t *mem;
    void (*notify)(int queue);
    long notifications;
} pool_t;

static void noop_notify(int queue)
{
    (void)queue;
}

static void pool_init(pool_t *p, guest_mem_t *mem)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < QSIZE; i++) {
        p->free[i] = calloc(1, sizeof(chain_t));
        if (!p->free[i]) {
            perror("calloc");
            exit(2);
        }
    }
    p->free_count = QSIZE;
    p->mem = mem;
    p->notify = noop_notify;
}

static void fail(pool_t *p, const char *what)
{
    if (!p->broken) {
        p->broken = 1;
        fprintf(stderr, "queue failed: %s\n", what);
    }
}

static inline chain_t *acquire(pool_t *p)
{
    if (p->free_count == 0) {
        fail(p, "too many in flight");
        return NULL;
    }
    chain_t *c = p->free[--p->free_count];
    c->count = c->readable = 0;
    c->readable_bytes = c->writable_bytes = 0;
    c->desc_count = 0;
    c->id = 0;
    return c;
}

/* Bounds-checks one buffer and appends it; 0 on success. */
static inline int append_buffer(pool_t *p, chain_t *c, uint64_t addr, uint64_t len, int writable)
{
    int r = region_index(p->mem, addr, len, writable);
    if (r < 0)
        return -1;
    if (c->count == MAX_ELEMENTS)
        return -2;
    int n = c->count++;
    c->addr[n] = addr;
    c->len[n] = len;
    c->region[n] = r;
    c->region_off[n] = addr - p->mem->regions[r].start;
    if (writable) {
        c->writable_bytes += len;
    } else {
        c->readable++;
        c->readable_bytes += len;
    }
    return 0;
}

static inline void check_add(pool_t *p, chain_t *c, uint32_t written)
{
    if (!c->in_flight || written > c->writable_bytes) {
        fprintf(stderr, "device bug: bad add\n");
        exit(3);
    }
    c->in_flight = 0;
    p->in_flight--;
}

/* ---------------------------------------------------------------- split ring, device side */

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

typedef struct {
    pool_t pool;
    struct vring_desc *desc;
    uint16_t *avail; /* flags, idx, ring[size], used_event */
    uint8_t *used;   /* flags, idx, ring[size] of {id, len}, avail_event */
    uint16_t last_avail, cached_avail_idx, used_idx, published_used_idx;
} split_dev_t;

static inline int split_walk(split_dev_t *q, chain_t *c, unsigned head)
{
    pool_t *p = &q->pool;
    if (head >= QSIZE) {
        fail(p, "head out of range");
        return 0;
    }
    c->id = head;
    int saw_writable = 0;
    unsigned i = head;
    int hops = 0;
    for (;;) {
        if (++hops > QSIZE) {
            fail(p, "chain too long");
            return 0;
        }
        struct vring_desc *d = &q->desc[i];
        uint64_t addr = d->addr;
        uint64_t len = d->len;
        unsigned flags = d->flags;
        unsigned next = d->next;
        if (flags & DESC_F_INDIRECT) {
            fail(p, "indirect not negotiated");
            return 0;
        }
        if (len == 0) {
            fail(p, "zero length");
            return 0;
        }
        int writable = (flags & DESC_F_WRITE) != 0;
        if (writable) {
            saw_writable = 1;
        } else if (saw_writable) {
            fail(p, "readable after writable");
            return 0;
        }
        if (append_buffer(p, c, addr, len, writable) != 0) {
            fail(p, "buffer out of range / chain too long");
            return 0;
        }
        c->desc_count++;
        if (!(flags & DESC_F_NEXT))
            return 1;
        if (next >= QSIZE) {
            fail(p, "next out of range");
            return 0;
        }
        i = next;
    }
}

static inline chain_t *split_pop(split_dev_t *q)
{
    pool_t *p = &q->pool;
    if (p->broken)
        return NULL;
    if (q->last_avail == q->cached_avail_idx) {
        uint16_t idx = load_acquire16(&q->avail[1]);
        if ((uint16_t)(idx - q->last_avail) > QSIZE) {
            fail(p, "avail index jump");
            return NULL;
        }
        q->cached_avail_idx = idx;
        if (idx == q->last_avail)
            return NULL;
    }
    chain_t *c = acquire(p);
    if (!c)
        return NULL;
    unsigned head = q->avail[2 + (q->last_avail & (QSIZE - 1))];
    q->last_avail++;
    if (!split_walk(q, c, head)) {
        p->free[p->free_count++] = c;
        return NULL;
    }
    c->in_flight = 1;
    p->in_flight++;
    return c;
}

static inline void split_add(split_dev_t *q, chain_t *c, uint32_t written)
{
    pool_t *p = &q->pool;
    check_add(p, c, written);
    uint8_t *e = q->used + 4 + 8 * (q->used_idx & (QSIZE - 1));
    *(uint32_t *)e = (uint32_t)c->id;
    *(uint32_t *)(e + 4) = written;
    q->used_idx++;
    p->free[p->free_count++] = c;
}

static inline void split_flush(split_dev_t *q)
{
    if (q->used_idx == q->published_used_idx)
        return;
    store_release16((uint16_t *)(q->used + 2), q->used_idx);
    full_fence();
    int notify = (q->avail[0] & 1) == 0; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    q->published_used_idx = q->used_idx;
    if (notify)
        q->pool.notify(0);
}

/* ---------------------------------------------------------------- split ring, driver side */

typedef struct {
    struct vring_desc *desc;
    uint16_t *avail;
    uint8_t *used;
    int free_stack[QSIZE];
    int free_count;
    int chain_length[QSIZE];
    uint8_t busy[QSIZE];
    uint16_t avail_idx, last_used;
    int used_id, used_len;
} split_drv_t;

static inline int split_drv_add(split_drv_t *d, const uint64_t *addrs, const uint32_t *lens,
                                const uint8_t *writable, int count)
{
    if (d->free_count < count)
        return -1;
    int head = d->free_stack[d->free_count - 1];
    int prev = -1;
    for (int i = 0; i < count; i++) {
        int x = d->free_stack[--d->free_count];
        if (prev >= 0) {
            d->desc[prev].next = (uint16_t)x;
            d->desc[prev].flags |= DESC_F_NEXT;
        }
        d->desc[x].addr = addrs[i];
        d->desc[x].len = lens[i];
        d->desc[x].flags = writable[i] ? DESC_F_WRITE : 0;
        d->desc[x].next = 0;
        prev = x;
    }
    d->chain_length[head] = count;
    d->busy[head] = 1;
    d->avail[2 + (d->avail_idx & (QSIZE - 1))] = (uint16_t)head;
    d->avail_idx++;
    store_release16(&d->avail[1], d->avail_idx);
    return head;
}

static inline int split_drv_poll(split_drv_t *d)
{
    uint16_t idx = load_acquire16((uint16_t *)(d->used + 2));
    if (idx == d->last_used)
        return 0;
    uint8_t *e = d->used + 4 + 8 * (d->last_used & (QSIZE - 1));
    int id = *(int32_t *)e;
    int len = *(int32_t *)(e + 4);
    if (id < 0 || id >= QSIZE || !d->busy[id]) {
        fprintf(stderr, "driver: bad used id %d\n", id);
        exit(3);
    }
    d->busy[id] = 0;
    int x = id;
    for (int i = 0; i < d->chain_length[id]; i++) {
        d->free_stack[d->free_count++] = x;
        x = d->desc[x].next;
    }
    d->last_used++;
    d->used_id = id;
    d->used_len = len;
    return 1;
}

/* ---------------------------------------------------------------- packed ring, device side */

struct pvirtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t id;
    uint16_t flags;
};

typedef struct {
    pool_t pool;
    struct pvirtq_desc *ring;
    uint16_t *driver_event; /* off_wrap, flags */
    uint16_t *device_event;
    int next_avail, avail_wrap, next_used, used_wrap, used_since_flush;
    struct pvirtq_desc *batch_head;
    uint16_t batch_head_flags;
} packed_dev_t;

static inline int packed_available(unsigned flags, int wrap)
{
    int a = (flags & DESC_F_AVAIL) != 0;
    int u = (flags & DESC_F_USED) != 0;
    return a == wrap && u != wrap;
}

static inline int packed_walk(packed_dev_t *q, chain_t *c)
{
    pool_t *p = &q->pool;
    int pos = q->next_avail;
    int wrap = q->avail_wrap;
    int count = 0;
    int saw_writable = 0;
    for (;;) {
        if (++count > QSIZE) {
            fail(p, "chain too long");
            return 0;
        }
        struct pvirtq_desc *d = &q->ring[pos];
        uint64_t addr = d->addr;
        uint64_t len = d->len;
        unsigned id = d->id;
        unsigned flags = d->flags;
        if (++pos == QSIZE) {
            pos = 0;
            wrap = !wrap;
        }
        if (flags & DESC_F_INDIRECT) {
            fail(p, "indirect not negotiated");
            return 0;
        }
        if (len == 0) {
            fail(p, "zero length");
            return 0;
        }
        int writable = (flags & DESC_F_WRITE) != 0;
        if (writable) {
            saw_writable = 1;
        } else if (saw_writable) {
            fail(p, "readable after writable");
            return 0;
        }
        if (append_buffer(p, c, addr, len, writable) != 0) {
            fail(p, "buffer out of range / chain too long");
            return 0;
        }
        if (!(flags & DESC_F_NEXT)) {
            c->id = id;
            c->desc_count = count;
            break;
        }
    }
    q->next_avail = pos;
    q->avail_wrap = wrap;
    return 1;
}

static inline chain_t *packed_pop(packed_dev_t *q)
{
    pool_t *p = &q->pool;
    if (p->broken)
        return NULL;
    unsigned head_flags = load_acquire16(&q->ring[q->next_avail].flags);
    if (!packed_available(head_flags, q->avail_wrap))
        return NULL;
    chain_t *c = acquire(p);
    if (!c)
        return NULL;
    if (!packed_walk(q, c)) {
        p->free[p->free_count++] = c;
        return NULL;
    }
    c->in_flight = 1;
    p->in_flight++;
    return c;
}

static inline void packed_add(packed_dev_t *q, chain_t *c, uint32_t written)
{
    pool_t *p = &q->pool;
    check_add(p, c, written);
    struct pvirtq_desc *d = &q->ring[q->next_used];
    d->len = written;
    d->id = (uint16_t)c->id;
    uint16_t flags = q->used_wrap ? (DESC_F_AVAIL | DESC_F_USED) : 0;
    if (!q->batch_head) {
        q->batch_head = d;
        q->batch_head_flags = flags;
    } else {
        store_release16(&d->flags, flags);
    }
    q->next_used += c->desc_count;
    q->used_since_flush += c->desc_count;
    if (q->next_used >= QSIZE) {
        q->next_used -= QSIZE;
        q->used_wrap = !q->used_wrap;
    }
    p->free[p->free_count++] = c;
}

static inline void packed_flush(packed_dev_t *q)
{
    if (!q->batch_head)
        return;
    store_release16(&q->batch_head->flags, q->batch_head_flags);
    q->batch_head = NULL;
    full_fence();
    int flags = q->driver_event[1] & 3;
    int notify = flags != 1; /* DISABLE; DESC needs EVENT_IDX, not negotiated: notify */
    q->used_since_flush = 0;
    if (notify)
        q->pool.notify(0);
}

/* ---------------------------------------------------------------- packed ring, driver side */

typedef struct {
    struct pvirtq_desc *ring;
    int free_ids[QSIZE];
    int free_id_count;
    int slots[QSIZE];
    uint8_t busy[QSIZE];
    int free_slots, next_avail, avail_wrap, used_pos, used_wrap;
    int used_id, used_len;
} packed_drv_t;

static inline int packed_drv_add(packed_drv_t *d, const uint64_t *addrs, const uint32_t *lens,
                                 const uint8_t *writable, int count)
{
    if (d->free_slots < count || d->free_id_count == 0)
        return -1;
    int id = d->free_ids[--d->free_id_count];
    int head = d->next_avail;
    unsigned head_flags = 0;
    for (int i = 0; i < count; i++) {
        int pos = d->next_avail;
        unsigned flags = (writable[i] ? DESC_F_WRITE : 0) | (i + 1 < count ? DESC_F_NEXT : 0)
                | (d->avail_wrap ? DESC_F_AVAIL : DESC_F_USED);
        d->ring[pos].addr = addrs[i];
        d->ring[pos].len = lens[i];
        d->ring[pos].id = (uint16_t)id;
        if (i == 0)
            head_flags = flags;
        else
            d->ring[pos].flags = (uint16_t)flags;
        if (++d->next_avail == QSIZE) {
            d->next_avail = 0;
            d->avail_wrap = !d->avail_wrap;
        }
    }
    d->slots[id] = count;
    d->busy[id] = 1;
    d->free_slots -= count;
    store_release16(&d->ring[head].flags, head_flags);
    return id;
}

static inline int packed_drv_poll(packed_drv_t *d)
{
    unsigned flags = load_acquire16(&d->ring[d->used_pos].flags);
    int a = (flags & DESC_F_AVAIL) != 0;
    int u = (flags & DESC_F_USED) != 0;
    if (a != d->used_wrap || u != d->used_wrap)
        return 0;
    int id = d->ring[d->used_pos].id;
    int len = (int)d->ring[d->used_pos].len;
    if (id >= QSIZE || !d->busy[id]) {
        fprintf(stderr, "driver: bad used id %d\n", id);
        exit(3);
    }
    d->busy[id] = 0;
    d->used_pos += d->slots[id];
    if (d->used_pos >= QSIZE) {
        d->used_pos -= QSIZE;
        d->used_wrap = !d->used_wrap;
    }
    d->free_slots += d->slots[id];
    d->free_ids[d->free_id_count++] = id;
    d->used_id = id;
    d->used_len = len;
    return 1;
}

/* ---------------------------------------------------------------- the benchmark */

typedef struct {
    int packed, descs, batch, rounds;
    guest_mem_t mem;
    uint8_t *ram;
    split_dev_t sdev;
    split_drv_t sdrv;
    packed_dev_t pdev;
    packed_drv_t pdrv;
    uint64_t addrs[CHAINS_PER_INVOCATION][3];
    uint32_t lens[3];
    uint8_t writable[3];
    volatile int sink;
} bench_t;

static void die(const char *m)
{
    fprintf(stderr, "%s\n", m);
    exit(3);
}

static void bench_setup(bench_t *b, int packed, int descs, int batch)
{
    memset(b, 0, sizeof *b);
    b->packed = packed;
    b->descs = descs;
    b->batch = batch;
    b->rounds = CHAINS_PER_INVOCATION / batch;
    b->ram = aligned_alloc(4096, RAM_SIZE);
    if (!b->ram)
        die("aligned_alloc failed");
    memset(b->ram, 0, RAM_SIZE);
    b->mem.regions[0] = (region_t){RAM_START, RAM_SIZE, RAM_START + RAM_SIZE - 1, 0, b->ram};
    b->mem.count = 1;
    /* Same layout as SplitQueueDriver / PackedQueueDriver with no indirect tables. */
    uint64_t base = RAM_START;
    if (!packed) {
        uint64_t a = base + 16ULL * QSIZE;
        uint64_t u = (a + 6 + 2ULL * QSIZE + 3) & ~3ULL;
        split_dev_t *q = &b->sdev;
        pool_init(&q->pool, &b->mem);
        q->desc = (struct vring_desc *)gpa_to_host(&b->mem, base, 16ULL * QSIZE, 0);
        q->avail = (uint16_t *)gpa_to_host(&b->mem, a, 6 + 2ULL * QSIZE, 0);
        q->used = gpa_to_host(&b->mem, u, 6 + 8ULL * QSIZE, 1);
        split_drv_t *d = &b->sdrv;
        d->desc = q->desc;
        d->avail = q->avail;
        d->used = q->used;
        for (int i = 0; i < QSIZE; i++)
            d->free_stack[i] = QSIZE - 1 - i;
        d->free_count = QSIZE;
    } else {
        uint64_t drv = base + 16ULL * QSIZE;
        uint64_t dev = drv + 4;
        packed_dev_t *q = &b->pdev;
        pool_init(&q->pool, &b->mem);
        q->ring = (struct pvirtq_desc *)gpa_to_host(&b->mem, base, 16ULL * QSIZE, 1);
        q->driver_event = (uint16_t *)gpa_to_host(&b->mem, drv, 4, 0);
        q->device_event = (uint16_t *)gpa_to_host(&b->mem, dev, 4, 1);
        q->avail_wrap = 1;
        q->used_wrap = 1;
        packed_drv_t *d = &b->pdrv;
        d->ring = q->ring;
        for (int i = 0; i < QSIZE; i++)
            d->free_ids[i] = QSIZE - 1 - i;
        d->free_id_count = QSIZE;
        d->free_slots = QSIZE;
        d->avail_wrap = 1;
        d->used_wrap = 1;
    }
    for (int j = 0; j < descs; j++) {
        b->lens[j] = BUFFER_SIZE;
        b->writable[j] = descs == 1 || j > 0;
    }
    for (int k = 0; k < batch; k++)
        for (int j = 0; j < descs; j++)
            b->addrs[k][j] = RAM_START + BUFFERS_OFFSET + (uint64_t)BUFFER_SIZE * (k * descs + j);
}

/* One invocation: CHAINS_PER_INVOCATION chains, in batches. Same structure as VirtQueueBenchmark.chains(). */
static int invocation_split(bench_t *b)
{
    split_dev_t *q = &b->sdev;
    split_drv_t *d = &b->sdrv;
    int n = b->batch, descs = b->descs, sum = 0;
    for (int r = 0; r < b->rounds; r++) {
        for (int k = 0; k < n; k++)
            if (split_drv_add(d, b->addrs[k], b->lens, b->writable, descs) < 0)
                die("ring full");
        barrier();
        for (int k = 0; k < n; k++) {
            chain_t *c = split_pop(q);
            if (!c)
                die("no chain available");
            split_add(q, c, (uint32_t)c->writable_bytes);
        }
        split_flush(q);
        barrier();
        for (int k = 0; k < n; k++) {
            if (!split_drv_poll(d))
                die("used buffer missing");
            sum += d->used_id + d->used_len;
        }
        barrier();
    }
    return sum;
}

static int invocation_packed(bench_t *b)
{
    packed_dev_t *q = &b->pdev;
    packed_drv_t *d = &b->pdrv;
    int n = b->batch, descs = b->descs, sum = 0;
    for (int r = 0; r < b->rounds; r++) {
        for (int k = 0; k < n; k++)
            if (packed_drv_add(d, b->addrs[k], b->lens, b->writable, descs) < 0)
                die("ring full");
        barrier();
        for (int k = 0; k < n; k++) {
            chain_t *c = packed_pop(q);
            if (!c)
                die("no chain available");
            packed_add(q, c, (uint32_t)c->writable_bytes);
        }
        packed_flush(q);
        barrier();
        for (int k = 0; k < n; k++) {
            if (!packed_drv_poll(d))
                die("used buffer missing");
            sum += d->used_id + d->used_len;
        }
        barrier();
    }
    return sum;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs invocations for about `seconds`; returns chains per second. */
static double iteration(bench_t *b, double seconds)
{
    long invocations = 0;
    int sum = 0;
    double start = now(), end;
    do {
        for (int i = 0; i < 256; i++)
            sum += b->packed ? invocation_packed(b) : invocation_split(b);
        invocations += 256;
        end = now();
    } while (end - start < seconds);
    b->sink = sum;
    return (double)invocations * CHAINS_PER_INVOCATION / (end - start);
}

/* Student t, two-sided 99.9% (JMH's error column), by degrees of freedom 1..10. */
static const double T999[] = {0, 636.619, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587};

int main(int argc, char **argv)
{
    int warmups = argc > 1 ? atoi(argv[1]) : 3;
    double seconds = argc > 2 ? atof(argv[2]) : 1.0;
    int iterations = argc > 3 ? atoi(argv[3]) : 5;
    if (iterations < 1 || iterations > 64)
        die("iterations must be 1..64");
    static const int formats[] = {0, 1}, descs[] = {1, 3}, batches[] = {1, 32};
    for (int f = 0; f < 2; f++)
        for (int di = 0; di < 2; di++)
            for (int bi = 0; bi < 2; bi++) {
                static bench_t b;
                bench_setup(&b, formats[f], descs[di], batches[bi]);
                for (int w = 0; w < warmups; w++)
                    iteration(&b, seconds);
                double s[64], mean = 0, var = 0;
                for (int i = 0; i < iterations; i++) {
                    s[i] = iteration(&b, seconds);
                    fprintf(stderr, "# %s descs=%d batch=%d iteration %d: %.0f chains/s\n",
                            b.packed ? "PACKED" : "SPLIT", b.descs, b.batch, i + 1, s[i]);
                    mean += s[i];
                }
                mean /= iterations;
                for (int i = 0; i < iterations; i++)
                    var += (s[i] - mean) * (s[i] - mean);
                double err = 0;
                if (iterations > 1) {
                    double sd = sqrt(var / (iterations - 1));
                    int df = iterations - 1;
                    double t = df <= 10 ? T999[df] : 3.291;
                    err = t * sd / sqrt(iterations);
                }
                pool_t *p = b.packed ? &b.pdev.pool : &b.sdev.pool;
                if (p->broken || p->in_flight != 0)
                    die("queue ended broken or with chains in flight");
                printf("RESULT %s %d %d %.0f %.0f %d\n", b.packed ? "PACKED" : "SPLIT", b.descs, b.batch, mean, err,
                       iterations);
                fflush(stdout);
                free(b.ram);
                for (int i = 0; i < QSIZE; i++)
                    free(p->free[i]);
            }
    return 0;
}
