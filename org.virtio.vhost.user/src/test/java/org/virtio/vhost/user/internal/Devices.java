package org.virtio.vhost.user.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

import org.virtio.core.device.VirtioDevice;
import org.virtio.device.blk.BlkDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;

/** Real devices for the tests, and the blk request layout a driver builds (VirtIO 1.3 §5.2.6). */
final class Devices {
    static final int BLK_IN = 0;
    static final int BLK_OUT = 1;
    static final long HEADER = TestFrontend.DATA_BASE;
    static final long DATA = TestFrontend.DATA_BASE + 0x1000;
    static final long STATUS = TestFrontend.DATA_BASE + 0x8000;

    private Devices() {
    }

    static VirtioDevice blk(Path image) {
        return new BlkDeviceFactory().create(Map.of("path", image.toString()));
    }

    static VirtioDevice rng() {
        return new RngDeviceFactory(defaults(RngConfig.class)).create(Map.of());
    }

    @SuppressWarnings("unchecked")
    static <A extends Annotation> A defaults(Class<A> type) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "annotationType" -> type;
                    case "toString" -> "defaults";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> method.getDefaultValue();
                });
    }

    /**
     * Makes one blk request available and kicks: header (type, sector), then for OUT the data readable,
     * for IN {@code length} writable bytes, then the status byte.
     *
     * @return the chain head
     */
    static int submitBlk(TestFrontend f, TestFrontend.Ring ring, int type, long sector, byte[] data, int length)
            throws Exception {
        f.write(HEADER, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector)
                .array());
        if (type == BLK_OUT) {
            f.write(DATA, data);
        }
        f.write(STATUS, new byte[] {(byte) 0xff});
        int head = ring.driver().add(new long[] {HEADER, DATA, STATUS}, new int[] {16, length, 1},
                new boolean[] {false, type == BLK_IN, true}, 3, false);
        assertTrue(head >= 0, "ring full");
        ring.kick().signal();
        return head;
    }

    /** Submits, waits, and checks the status byte is VIRTIO_BLK_S_OK. @return the used length */
    static int blk(TestFrontend f, TestFrontend.Ring ring, int type, long sector, byte[] data, int length) throws Exception {
        submitBlk(f, ring, type, sector, data, length);
        assertTrue(TestFrontend.awaitUsed(ring), "no used buffer within 10 s");
        assertTrue(f.readBytes(STATUS, 1)[0] == 0, "blk status " + f.readBytes(STATUS, 1)[0]);
        return ring.driver().usedLength();
    }
}
