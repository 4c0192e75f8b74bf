/* virtio-mmio (version 2) driver side: §3.1 device initialisation and split virtqueues. */
#include "vtg.h"

static u8 qmem_pool[MAX_DEVS][VDEV_MAX_QUEUES][4096] __attribute__((aligned(4096)));

int vdev_probe(struct vdev *d, u64 base, u32 irq, int slot)
{
    memset(d, 0, sizeof *d);
    d->base = base; d->irq = irq; d->slot = slot;
    d->qmem = &qmem_pool[slot][0][0];
    if (vr(d, VIRTIO_MMIO_MAGIC_VALUE) != 0x74726976) {
        printf_("virtio: %lx: bad magic %x\n", base, vr(d, VIRTIO_MMIO_MAGIC_VALUE));
        return -1;
    }
    u32 ver = vr(d, VIRTIO_MMIO_VERSION);
    if (ver != 2) {
        printf_("virtio: %lx: version %u, only version 2 (modern) is supported\n", base, ver);
        return -1;
    }
    d->id = vr(d, VIRTIO_MMIO_DEVICE_ID);
    return 0;
}

void vdev_reset(struct vdev *d)
{
    vw(d, VIRTIO_MMIO_STATUS, 0);
    u64 t0 = rdtsc();
    while (vr(d, VIRTIO_MMIO_STATUS) != 0) {        /* §4.2.3.1: wait until reset completes */
        if (rdtsc() - t0 > 2000 * tsc_per_ms) { printf_("virtio: reset did not complete\n"); break; }
        cpu_relax();
    }
}

int vdev_init(struct vdev *d, u32 nq)
{
    return vdev_init_features(d, nq, 0);
}

int vdev_init_features(struct vdev *d, u32 nq, u32 want_lo)
{
    if (nq > VDEV_MAX_QUEUES) return -1;
    /* 1. reset */
    vdev_reset(d);
    /* 2-3. ACKNOWLEDGE, DRIVER */
    vw(d, VIRTIO_MMIO_STATUS, ST_ACKNOWLEDGE);
    vw(d, VIRTIO_MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
    /* 4. read features, accept VERSION_1 (bit 32) and those of want_lo offered */
    vw(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    u32 hi = vr(d, VIRTIO_MMIO_DEVICE_FEATURES);
    vw(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    d->features_lo = vr(d, VIRTIO_MMIO_DEVICE_FEATURES) & want_lo;
    if (!(hi & 1)) {
        printf_("virtio: device %u does not offer VIRTIO_F_VERSION_1\n", d->id);
        vw(d, VIRTIO_MMIO_STATUS, ST_FAILED);
        return -1;
    }
    vw(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vw(d, VIRTIO_MMIO_DRIVER_FEATURES, d->features_lo);
    vw(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    vw(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    /* 5-6. FEATURES_OK and re-read */
    vw(d, VIRTIO_MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    if (!(vr(d, VIRTIO_MMIO_STATUS) & ST_FEATURES_OK)) {
        printf_("virtio: device %u refused FEATURES_OK\n", d->id);
        vw(d, VIRTIO_MMIO_STATUS, ST_FAILED);
        return -1;
    }
    /* 7. queues */
    d->nq = nq;
    for (u32 i = 0; i < nq; i++) {
        struct vq *q = &d->q[i];
        vw(d, VIRTIO_MMIO_QUEUE_SEL, i);
        if (vr(d, VIRTIO_MMIO_QUEUE_READY) != 0) {
            printf_("virtio: queue %u already ready after reset\n", i);
            vw(d, VIRTIO_MMIO_STATUS, ST_FAILED);
            return -1;
        }
        u32 max = vr(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
        if (max == 0) {
            printf_("virtio: device %u queue %u not available\n", d->id, i);
            vw(d, VIRTIO_MMIO_STATUS, ST_FAILED);
            return -1;
        }
        u32 num = VQ_MAX_SIZE;
        while (num > max) num >>= 1;
        u8 *m = d->qmem + i * 4096;
        memset(m, 0, 4096);
        q->num = (u16)num; q->index = (u16)i;
        q->desc = (volatile struct vring_desc *)m;             /* 16*64 = 1024 */
        q->avail = (volatile struct vring_avail *)(m + 1024);  /* 6+2*64 */
        q->used = (volatile struct vring_used *)(m + 2048);    /* 6+8*64 */
        q->avail_idx = 0; q->last_used = 0;
        u64 da = (u64)q->desc, aa = (u64)q->avail, ua = (u64)q->used;
        vw(d, VIRTIO_MMIO_QUEUE_NUM, num);
        vw(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)da);
        vw(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(da >> 32));
        vw(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u32)aa);
        vw(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (u32)(aa >> 32));
        vw(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u32)ua);
        vw(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (u32)(ua >> 32));
        vw(d, VIRTIO_MMIO_QUEUE_READY, 1);
    }
    /* 8. DRIVER_OK */
    d->isr_seen = 0;
    vw(d, VIRTIO_MMIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    return 0;
}

void vq_push(struct vq *q, u16 head)
{
    q->avail->ring[q->avail_idx % q->num] = head;
    barrier();                       /* x86 TSO: stores are not reordered with stores */
    q->avail_idx++;
    q->avail->idx = q->avail_idx;
}

void vq_notify(struct vdev *d, struct vq *q)
{
    mb();                            /* publish idx before the notify (and before reading used) */
    vw(d, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

void vq_kick(struct vdev *d, struct vq *q, u16 head)
{
    vq_push(q, head);
    vq_notify(d, q);
}

int vq_wait(struct vdev *d, struct vq *q, struct vring_used_elem *out, u64 timeout_ms)
{
    u64 t0 = rdtsc();
    for (;;) {
        __asm__ volatile("cli");
        barrier();
        if (q->used->idx != q->last_used)
            break;
        if (rdtsc() - t0 > timeout_ms * tsc_per_ms)
            return -1;
        wait_event();               /* sti; hlt  (interrupt or LAPIC watchdog tick) / pause */
    }
    barrier();
    struct vring_used_elem e = q->used->ring[q->last_used % q->num];
    q->last_used++;
    if (out) *out = e;
    return 0;
}
