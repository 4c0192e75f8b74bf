package org.virtio.core.memory;

/** Why a guest-memory range was refused. Each constant is one guest mistake. */
public enum MemoryError {
    /** The range is not wholly inside one guest RAM region. */
    OUT_OF_RANGE("range is outside guest RAM"),
    /** address + length overflows the 64-bit address space, or the length is negative. */
    OVERFLOW("address + length overflows"),
    /** A write to a read-only region. */
    READ_ONLY("write to a read-only region"),
    /** The address is misaligned for the access (ring fields). */
    MISALIGNED("misaligned address"),
    /** The address translator (IOMMU) has no mapping, or the mapping forbids the access. */
    TRANSLATION_FAULT("no IOMMU mapping permits this access");

    private final String message;

    MemoryError(String message) {
        this.message = message;
    }

    /** @return a one-line description for logs and exception messages */
    public String message() {
        return message;
    }
}
