package org.virtio.kvm.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.kvm.api.ExitLog;
import org.virtio.kvm.api.Kvm;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.KvmVm;
import org.virtio.kvm.api.TestGuests;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;

/**
 * A real PVH image built at test time with gcc and ld from {@code boot/pvh.S}: loaded by
 * {@link PvhLoader} (level A), and booted on /dev/kvm through {@link PvhEntry} (level B).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PvhGuestTest {
    private static final long RAM = 4L << 20;

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] buildGuest(Path dir) throws IOException, InterruptedException {
        assumeTrue(onPath("gcc") && onPath("ld"), "gcc or ld not on PATH: the PVH image cannot be built here");
        Path source = dir.resolve("pvh.S");
        try (InputStream in = PvhGuestTest.class.getResourceAsStream("/boot/pvh.S")) {
            Files.write(source, in.readAllBytes());
        }
        run(dir, "gcc", "-c", "-o", "pvh.o", "pvh.S");
        run(dir, "ld", "-m", "elf_x86_64", "-Ttext-segment=0x100000", "-e", "pvh_start", "-z", "noexecstack",
                "--build-id=none", "-o", "pvh.elf", "pvh.o");
        return Files.readAllBytes(dir.resolve("pvh.elf"));
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }

    @Test
    void aLinkedPvhImageLoadsAtItsNoteEntry(@TempDir Path dir) throws Exception {
        byte[] elf = buildGuest(dir);
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), RAM).build()) {
            PvhLoader.Boot boot = PvhLoader.load(ram, elf, new PvhLoader.Config("console=ttyS0", new byte[0], 0,
                    E820Map.standard(ram)));
            assertEquals(ElfImage.parse(elf).entry(), boot.entry(), "the note names pvh_start, as e_entry does");
            assertEquals((byte) 0x8b, ram.readByte(boot.entry()), "movl (%ebx), %eax");
            assertEquals(0x03, ram.readByte(boot.entry() + 1));
        }
    }

    @Test
    void aPvhGuestReadsStartInfoThroughEbxOnKvm(@TempDir Path dir) throws Exception {
        TestGuests.assumeKvm();
        byte[] elf = buildGuest(dir);
        try (Kvm kvm = Kvm.open();
                GuestRam ram = GuestRam.builder().memfd("pvh-guest", GuestAddress.of(0), RAM).build();
                KvmVm vm = kvm.createVm()) {
            vm.mapMemory(ram);
            KvmVcpu vcpu = vm.createVcpu(0);
            AcpiTables acpi = AcpiTables.build(AcpiConfig.of(1, java.util.List.of()));
            acpi.writeTo(ram);
            PvhLoader.Boot boot = PvhLoader.load(ram, elf, new PvhLoader.Config("console=ttyS0", new byte[0],
                    acpi.rsdpAddress(), E820Map.standard(ram)));
            PvhEntry.enter(vcpu, ram, boot);
            ExitLog log = new ExitLog();
            VmRun run = vm.start(log, log);
            VcpuStop stop = run.await(Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("the PVH guest did not halt within 30 s; exits " + log.lines()));
            assertEquals(VcpuStop.Reason.HALTED, stop.reason(), stop.message());
            assertEquals("xc", log.uart(), "magic low byte 0x78, then the first command-line character");
        }
    }
}
