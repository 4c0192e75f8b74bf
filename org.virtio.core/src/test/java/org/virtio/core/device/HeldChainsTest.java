package org.virtio.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

class HeldChainsTest {
    private static final int Q = 2;

    /** A ring that records what the device completed and how often it flushed. */
    static final class Ring {
        final List<DescriptorChain> added = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        int flushes;
        final VirtQueue queue = (VirtQueue) Proxy.newProxyInstance(VirtQueue.class.getClassLoader(),
                new Class<?>[] {VirtQueue.class}, (p, m, a) -> switch (m.getName()) {
                    case "add" -> {
                        added.add((DescriptorChain) a[0]);
                        lengths.add((Integer) a[1]);
                        yield null;
                    }
                    case "flush" -> {
                        flushes++;
                        yield null;
                    }
                    case "toString" -> "ring";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A context whose queue {@link #Q} is whatever {@link #ring} holds (null: not enabled). */
    static final class Context {
        VirtQueue ring;
        final DeviceContext context = (DeviceContext) Proxy.newProxyInstance(DeviceContext.class.getClassLoader(),
                new Class<?>[] {DeviceContext.class}, (p, m, a) -> switch (m.getName()) {
                    case "queue" -> (Integer) a[0] == Q ? ring : null;
                    case "toString" -> "context";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    // JUnit makes a fresh instance per test: each test starts with an open ring and nothing held.
    private final Ring ring = new Ring();
    private final Context ctx = new Context();
    private final HeldChains held = new HeldChains(Q, 4);

    HeldChainsTest() {
        ctx.ring = ring.queue;
    }

    static DescriptorChain chain(long writable) {
        return (DescriptorChain) Proxy.newProxyInstance(DescriptorChain.class.getClassLoader(),
                new Class<?>[] {DescriptorChain.class}, (p, m, a) -> switch (m.getName()) {
                    case "writableBytes" -> writable;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    case "toString" -> "chain(" + writable + ")";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void holdsChainsOldestFirstOnceActivated() {
        assertFalse(held.delivering(), "nothing delivers before activation");
        held.activate(ctx.context);
        assertSame(ring.queue, held.queue());
        assertTrue(held.delivering());
        DescriptorChain a = chain(8), b = chain(8);
        held.hold(a);
        held.hold(b);
        assertEquals(2, held.size());
        assertSame(a, held.peek());
        assertSame(a, held.next());
        assertSame(b, held.next());
        assertNull(held.next());
        assertTrue(held.isEmpty());
    }

    @Test
    void quiesceCompletesEveryHeldChainAndStopsDeliveryUntilResumed() {
        held.activate(ctx.context);
        DescriptorChain a = chain(8), b = chain(16);
        held.hold(a);
        held.hold(b);
        held.quiesce(0);
        assertEquals(List.of(a, b), ring.added);
        assertEquals(List.of(0, 0), ring.lengths);
        assertEquals(1, ring.flushes);
        assertTrue(held.isEmpty());
        assertFalse(held.delivering(), "quiesced: no delivery");
        assertSame(ring.queue, held.resume(ctx.context));
        assertTrue(held.delivering());
    }

    @Test
    void quiesceLetsTheDeviceWriteEachChainAndChooseItsLength() {
        held.activate(ctx.context);
        held.hold(chain(8));
        held.hold(chain(32));
        List<Long> seen = new ArrayList<>();
        held.quiesce(c -> {
            seen.add(c.writableBytes());
            return (int) c.writableBytes() / 2;
        });
        assertEquals(List.of(8L, 32L), seen);
        assertEquals(List.of(4, 16), ring.lengths);
    }

    @Test
    void queueResetDropsChainsUnusedAndResumeTakesTheNewRing() {
        Ring old = ring;
        held.activate(ctx.context);
        held.hold(chain(8));
        held.queueReset();
        assertNull(held.queue());
        assertTrue(held.isEmpty());
        assertFalse(held.delivering(), "no ring, no delivery");
        held.quiesce(0);
        assertTrue(old.added.isEmpty(), "dropped chains are never completed");
        assertEquals(0, old.flushes);

        ctx.ring = null;
        assertNull(held.resume(ctx.context), "queue not re-enabled yet");
        Ring fresh = new Ring();
        ctx.ring = fresh.queue;
        assertSame(fresh.queue, held.resume(ctx.context));
        assertTrue(held.delivering());
    }

    @Test
    void resetDropsChainsAndStopsDeliveryUntilActivated() {
        held.activate(ctx.context);
        held.hold(chain(8));
        held.reset();
        assertNull(held.queue());
        assertTrue(held.isEmpty());
        assertFalse(held.delivering());
        held.activate(ctx.context);
        assertTrue(held.delivering());
        assertTrue(ring.added.isEmpty());
    }

    @Test
    void activationDropsWhatAnEarlierLifeHeld() {
        held.activate(ctx.context);
        held.hold(chain(8));
        held.activate(ctx.context);
        assertTrue(held.isEmpty());
    }

    @Test
    void chainsHoldingCountsTheOldestChainsThatTogetherHaveRoom() {
        assertEquals(0, held.chainsHolding(1), "nothing held");
        held.hold(chain(10));
        held.hold(chain(5));
        held.hold(chain(20));
        assertEquals(1, held.chainsHolding(10));
        assertEquals(2, held.chainsHolding(11));
        assertEquals(2, held.chainsHolding(15));
        assertEquals(3, held.chainsHolding(35));
        assertEquals(0, held.chainsHolding(36), "all together too small");
        assertEquals(3, held.size(), "counting takes nothing");
    }
}
