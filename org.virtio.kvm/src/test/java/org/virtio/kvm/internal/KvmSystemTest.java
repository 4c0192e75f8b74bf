package org.virtio.kvm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;

/** How open(2) failures of the KVM device become messages (root cannot provoke EACCES for real). */
class KvmSystemTest {
    private static final Path DEVICE = Path.of("/dev/kvm");

    @Test
    void permissionDeniedSaysSoAndHowToFixIt() {
        KvmException e = KvmSystem.openFailure(DEVICE, Libc.EACCES);
        assertEquals(KvmError.KVM_ACCESS_DENIED, e.error());
        assertEquals("KVM is not accessible: permission denied opening the device (add the user to the kvm group): "
                + "/dev/kvm: EACCES (Permission denied)", e.getMessage());
    }

    @Test
    void aDeviceNodeWithoutDriverIsMissingKvm() {
        KvmException e = KvmSystem.openFailure(DEVICE, Libc.ENXIO);
        assertEquals(KvmError.KVM_MISSING, e.error());
        assertTrue(e.getMessage().contains("no KVM driver is behind it"), e.getMessage());
    }

    @Test
    void otherErrorsKeepTheirErrno() {
        KvmException e = KvmSystem.openFailure(DEVICE, 24);
        assertEquals(KvmError.KVM_OPEN_FAILED, e.error());
        assertEquals(24, e.errno());
        assertTrue(e.getMessage().endsWith("/dev/kvm: EMFILE (Too many open files)"), e.getMessage());
    }
}
