package org.virtio.shell.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A PrintStream a command prints to, and what it printed. */
public final class Printed {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** Give this to the command. */
    public final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    /** @return everything printed so far */
    public String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
