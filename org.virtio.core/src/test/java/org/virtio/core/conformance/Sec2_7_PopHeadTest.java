package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.VirtQueue;

/**
 * {@link VirtQueue#popHead}: a resumed backend re-takes a chain another process popped (vhost-user
 * INFLIGHT_SHMFD) without consuming an available ring entry; the chain is validated as pop() validates it.
 */
@DisplayName("2.7 Split virtqueue: re-taking an in-flight chain by head")
class Sec2_7_PopHeadTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(0, 8);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("popHead returns the chain at that head, leaves the available ring alone, and completes normally")
    void popHeadRetakesWithoutConsumingAvail() {
        int first = rig.addSimple(0);
        int second = rig.addSimple(0);
        VirtQueue q = rig.vq(0);
        DescriptorChain again = q.popHead(second);
        assertNotNull(again);
        assertEquals(second, again.id());
        assertEquals(1, q.inFlight());
        q.complete(again, 0);
        // The available ring still yields both entries in order.
        DescriptorChain a = q.pop();
        DescriptorChain b = q.pop();
        assertEquals(first, a.id());
        assertEquals(second, b.id());
        assertNull(q.pop());
        q.add(a, 0);
        q.add(b, 0);
        q.flush();
        assertEquals(3, rig.split(0).deviceUsedIdx());
        assertEquals(List.of(new Used(second, 0), new Used(first, 0), new Used(second, 0)),
                List.of(rig.splitUsed(0, 0), rig.splitUsed(0, 1), rig.splitUsed(0, 2)));
    }

    @Test
    @DisplayName("a head outside the table breaks the queue like a bad available entry")
    void popHeadOutOfRangeBreaksQueue() {
        VirtQueue q = rig.vq(0);
        assertNull(q.popHead(8));
        assertTrue(q.isBroken());
        assertEquals(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE, q.error());
    }
}
