package org.virtio.vmm.machine;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.virtio.vmm.machine.MachineException.Subject;

/** Reading boot files and telling kernel formats apart by their magic. */
final class KernelImage {

    /** The kernel formats the machine boots. */
    enum Kind {
        ELF("ELF, PVH boot"), BZIMAGE("bzImage, Linux boot protocol"), UNKNOWN("unknown");

        final String description;

        Kind(String description) {
            this.description = description;
        }

        static Kind of(byte[] image) {
            if (image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F') {
                return ELF;
            }
            if (image.length >= 0x206 && image[0x202] == 'H' && image[0x203] == 'd' && image[0x204] == 'r'
                    && image[0x205] == 'S') {
                return BZIMAGE;
            }
            return UNKNOWN;
        }
    }

    private KernelImage() {
    }

    static byte[] read(Path file, Subject subject) throws MachineException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new MachineException(subject, "file not found: " + file, e);
        } catch (AccessDeniedException e) {
            throw new MachineException(subject, "permission denied: " + file, e);
        } catch (IOException | OutOfMemoryError e) {
            throw new MachineException(subject, "cannot read " + file + ": " + e, e);
        }
    }
}
