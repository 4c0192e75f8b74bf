package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: creating and closing a VM with memory, a vCPU, the irqchip, an ioeventfd
 * and an irqfd, 20 times, leaves the process's open descriptors (/proc/self/fd) and mappings
 * (/proc/self/maps lines) where they started.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TeardownTest {
    private static final int CYCLES = 20;

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void twentyVmsCreatedAndClosedLeaveNoDescriptorOrMapping() throws Exception {
        cycle(false); // warm-up: classes loaded, FFM stubs linked, buffers allocated
        cycle(true);
        List<String> fdsBefore = fds();
        List<String> mapsBefore = maps();
        for (int i = 0; i < CYCLES; i++) {
            cycle(false);
        }
        List<String> fdsAfter = fds();
        List<String> mapsAfter = maps();
        assertEquals(fdsBefore.size(), fdsAfter.size(), () -> "open descriptors: " + diff(fdsBefore, fdsAfter));
        assertEquals(kvmMappings(mapsBefore), kvmMappings(mapsAfter), () -> "mappings: " + diff(mapsBefore, mapsAfter));
    }

    @Test
    void vmsThatRanLeaveNoDescriptorOrMappingEither() throws Exception {
        cycle(true);
        cycle(true);
        List<String> fdsBefore = fds();
        int kvmMappingsBefore = kvmMappings(maps());
        for (int i = 0; i < CYCLES; i++) {
            cycle(true);
        }
        List<String> fdsAfter = fds();
        assertEquals(fdsBefore.size(), fdsAfter.size(), () -> "open descriptors: " + diff(fdsBefore, fdsAfter));
        // Thread stacks of ended vCPU threads may stay cached by glibc, so count only KVM's and guest RAM's.
        assertEquals(kvmMappingsBefore, kvmMappings(maps()), "kvm-vcpu and memfd mappings");
    }

    /** One VM with everything this bundle creates; run the io guest to its HLT when asked. */
    private static void cycle(boolean run) throws Exception {
        try (TestVm t = TestVm.withGuest("io", !run)) {
            EventFd notify = t.vm.ioEventFd(KvmVm.IoSpace.MMIO, TestVm.MMIO_ADDRESS + 0x100, 4);
            if (!run) {
                t.vm.irqFd(5);
                t.vm.createPit();
                notify.close(); // one closed by hand, the irqfd by the VM
            } else {
                ExitLog log = new ExitLog();
                VcpuStop stop = t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();
                assertEquals(VcpuStop.Reason.HALTED, stop.reason(), stop.message());
            }
        }
    }

    private static List<String> fds() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    // Only what a VM opens: other descriptors (pipes of the processes that assembled the
                    // guests, jars) come and go with the JVM's cleaners and would make the count flaky.
                    if (target.contains("kvm") || target.startsWith("/memfd:") || target.contains("eventfd")) {
                        out.add(p.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // the descriptor of the listing itself is gone already
                }
            }
        }
        return out;
    }

    private static List<String> maps() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"));
    }

    private static int kvmMappings(List<String> maps) {
        return (int) maps.stream().filter(l -> l.contains("kvm") || l.contains("memfd:")).count();
    }

    private static String diff(List<String> before, List<String> after) {
        List<String> added = new ArrayList<>(after);
        added.removeAll(before);
        List<String> removed = new ArrayList<>(before);
        removed.removeAll(after);
        return before.size() + " -> " + after.size() + "; new " + added + "; gone " + removed;
    }
}
