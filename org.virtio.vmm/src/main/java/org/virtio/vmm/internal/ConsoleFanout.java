package org.virtio.vmm.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A VM's serial console output, copied to every attached stream (vm:console sessions). Runs on vCPU
 * threads: a stream that throws is dropped rather than stopping the guest.
 */
final class ConsoleFanout extends OutputStream {
    private final CopyOnWriteArrayList<OutputStream> sinks = new CopyOnWriteArrayList<>();

    AutoCloseable attach(OutputStream out) {
        sinks.add(out);
        return () -> sinks.remove(out);
    }

    @Override
    public void write(int b) {
        for (OutputStream s : sinks) {
            try {
                s.write(b);
                s.flush();
            } catch (IOException | RuntimeException e) {
                sinks.remove(s);
            }
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        for (OutputStream s : sinks) {
            try {
                s.write(b, off, len);
                s.flush();
            } catch (IOException | RuntimeException e) {
                sinks.remove(s);
            }
        }
    }

    void clear() {
        sinks.clear();
    }
}
