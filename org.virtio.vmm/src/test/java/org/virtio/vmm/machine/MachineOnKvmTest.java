package org.virtio.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioDevice;
import org.virtio.device.blk.BlkDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;

/**
 * Level B on the real /dev/kvm: the C test guest under {@link Machine}. Its blkstress mode writes and
 * verifies 4 KiB blocks continuously with 8 requests in flight and counts lost, duplicated and corrupted
 * requests; these tests pause and resume the machine and swap the blk implementation under that load,
 * and hot-plug an rng device into a spare window that the guest's rescan finds.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MachineOnKvmTest {
    private static final Duration GUEST_WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private VirtioDevice blk(Path image) {
        return new BlkDeviceFactory().create(Map.of("path", image.toString(), "serial", "stress"));
    }

    private static void close(VirtioDevice d) throws Exception {
        if (d instanceof AutoCloseable c) {
            c.close();
        }
    }

    private static long notifications(Machine m, String device) {
        return m.devices().stream().filter(d -> d.name().equals(device)).findFirst().orElseThrow().queues().get(0)
                .notifications();
    }

    /** Waits until the guest has notified the device's queue more often than {@code than}. */
    private static void awaitProgress(Machine m, String device, long than) throws InterruptedException {
        long deadline = System.nanoTime() + GUEST_WAIT.toNanos();
        while (notifications(m, device) <= than && System.nanoTime() < deadline && m.state() == MachineState.RUNNING) {
            Thread.sleep(20);
        }
        assertTrue(notifications(m, device) > than, "the guest made no blk progress (" + m.state() + ")");
    }

    @Test
    void swapsAndPausesUnderBlkStressLoseNothing() throws Exception {
        Path kernel = TestGuests.build(dir);
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4 << 20]);
        TestGuests.Console serial = new TestGuests.Console();
        List<VirtioDevice> retired = new ArrayList<>();
        VirtioDevice first = blk(image);
        try (Machine m = Machine.builder("stress").memoryMib(64).kernel(kernel)
                .commandLine("console=ttyS0 vtg.mode=blkstress vtg.seconds=0 vtg.progress_ms=300")
                .device("blk0", first).console(serial).build()) {
            m.start();
            assertTrue(serial.await("blkstress: begin", GUEST_WAIT), serial::text);
            awaitProgress(m, "blk0", 0);

            long worst = 0;
            List<String> pauses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                VirtioDevice next = blk(image);
                SwapResult r = m.swapDevice("blk0", next);
                retired.add(r.replaced());
                worst = Math.max(worst, r.pause().toNanos());
                pauses.add(String.format("%.2f", r.pause().toNanos() / 1e6));
                assertSame(next, m.devices().get(0).device(), "the replacement serves the window");
                awaitProgress(m, "blk0", notifications(m, "blk0"));
                // Every round also pauses and resumes: the monitor thread of the paused run must not end the machine.
                m.pause();
                assertEquals(MachineState.PAUSED, m.state());
                m.resume();
                assertEquals(MachineState.RUNNING, m.state());
                awaitProgress(m, "blk0", notifications(m, "blk0"));
            }
            assertEquals(20, m.devices().get(0).swaps());
            System.out.printf("machine swap: 20 swaps under blkstress, worst pause %.3f ms; each (ms): %s%n", worst / 1e6,
                    String.join(" ", pauses));

            try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap("VTG-STOP".getBytes(StandardCharsets.US_ASCII)), 0);
                ch.force(true);
            }
            MachineExit exit = m.awaitExit(GUEST_WAIT);
            assertNotNull(exit, "the guest did not end after VTG-STOP:\n" + serial.text());
            assertEquals(MachineExit.Kind.RESET, exit.kind(), exit.message() + "\n" + serial.text());
            ExitCounters exits = m.exitCounters();
            assertEquals(21, exits.runs(), "start plus one run per resume");
            assertTrue(exits.pio() > 0 && exits.mmio() > 0, exits.toString());
        } finally {
            close(first);
            for (VirtioDevice d : retired) {
                close(d);
            }
        }
        String out = serial.text();
        Matcher summary = Pattern.compile("VTG blkstress requests=(\\d+) .*lost=(\\d+) dup=(\\d+) corrupt=(\\d+) ioerr=(\\d+) badlen=(\\d+)")
                .matcher(out);
        assertTrue(summary.find(), out);
        System.out.println(summary.group());
        assertEquals("0", summary.group(2), "lost");
        assertEquals("0", summary.group(3), "duplicated");
        assertEquals("0", summary.group(4), "corrupted");
        assertEquals("0", summary.group(5), "I/O errors");
        assertEquals("0", summary.group(6), "bad lengths");
        assertTrue(out.contains("blkstress: ok"), out);
        assertTrue(out.contains("virtio-test-guest: done 1/1"), out);
    }

    @Test
    void aDeviceAttachedToASpareWindowIsFoundByTheGuestsRescan() throws Exception {
        Path kernel = TestGuests.build(dir);
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[1 << 20]);
        TestGuests.Console serial = new TestGuests.Console();
        VirtioDevice disk = blk(image);
        VirtioDevice rng = new RngDeviceFactory(Defaults.of(RngConfig.class)).create(Map.of());
        try (Machine m = Machine.builder("hotplug").memoryMib(64).kernel(kernel)
                .commandLine("console=ttyS0 vtg.hostile=0 vtg.rescan=60").device("disk", disk).hotplugSlots(1)
                .console(serial).build()) {
            assertTrue(m.commandLine().endsWith("virtio_mmio.device=512@0xd0000000:5 virtio_mmio.device=512@0xd0001000:6"),
                    m.commandLine());
            m.start();
            assertTrue(serial.await("virtio: 0xd0001000 size 0x200 irq 6: device id 0", GUEST_WAIT), serial::text);
            assertEquals(1, m.spareWindows());
            assertEquals(0xd000_1000L, m.attach("rng0", rng).base());
            assertEquals(0, m.spareWindows());
            MachineExit exit = m.awaitExit(GUEST_WAIT);
            assertNotNull(exit, serial.text());
            assertEquals(MachineExit.Kind.RESET, exit.kind(), exit.message() + "\n" + serial.text());
            AttachedDevice plugged = m.devices().get(1);
            assertEquals("rng0", plugged.name());
            assertTrue(plugged.queues().get(0).notifications() > 0, "the guest used the hot-plugged rng");
            assertSame(rng, m.detach("rng0"));
            assertEquals(1, m.spareWindows());
        } finally {
            close(disk);
        }
        String out = serial.text();
        assertTrue(out.contains("rescan: 0xd0001000 irq 6: device id 4 (rng) appeared"), out);
        assertTrue(out.contains("rescan: ok 1 hot-plugged devices"), out);
        Matcher done = Pattern.compile("virtio-test-guest: done (\\d+)/(\\d+)").matcher(out);
        assertTrue(done.find(), out);
        assertEquals(done.group(2), done.group(1), "every guest check passes:\n" + out);
    }

    @Test
    void stopEndsARunningGuestAndLifecycleMisuseIsRejected() throws Exception {
        Path kernel = TestGuests.build(dir);
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4 << 20]);
        TestGuests.Console serial = new TestGuests.Console();
        VirtioDevice disk = blk(image);
        List<MachineExit> told = new ArrayList<>();
        try (Machine m = Machine.builder("stop").memoryMib(64).kernel(kernel)
                .commandLine("console=ttyS0 vtg.mode=blkstress vtg.seconds=0").device("blk0", disk).console(serial)
                .onExit(e -> {
                    synchronized (told) {
                        told.add(e);
                    }
                }).build()) {
            assertThrows(MachineException.class, m::pause, "not started");
            assertThrows(MachineException.class, m::resume, "not paused");
            m.start();
            assertThrows(MachineException.class, m::start, "started twice");
            assertThrows(MachineException.class, m::resume, "running, not paused");
            assertTrue(serial.await("blkstress: begin", GUEST_WAIT), serial::text);
            VirtioDevice spare = blk(image);
            try {
                MachineException e = assertThrows(MachineException.class, () -> m.swapDevice("nope", spare));
                assertEquals(MachineException.Subject.DEVICE, e.subject());
            } finally {
                close(spare);
            }
            MachineException wrongType = assertThrows(MachineException.class,
                    () -> m.swapDevice("blk0", new RngDeviceFactory(Defaults.of(RngConfig.class)).create(Map.of())));
            assertTrue(wrongType.getMessage().contains("cannot swap device type 2 for type 4"), wrongType.getMessage());
            m.pause();
            m.stop();
            assertEquals(MachineState.ENDED, m.state());
            assertEquals(MachineExit.Kind.STOPPED, m.exit().kind());
            m.stop(); // a second stop does nothing
        } finally {
            close(disk);
        }
        assertEquals(List.of(new MachineExit(MachineExit.Kind.STOPPED, "stopped on request")), told);
    }
}
