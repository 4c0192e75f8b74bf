package org.virtio.shell.completers;

import org.apache.karaf.shell.api.console.CommandLine;

/** Reads earlier arguments of the line being completed. */
final class CommandLines {
    private CommandLines() {
    }

    /** @return the word before the one being completed, or null when there is none or it is an option */
    static String previousArgument(CommandLine line) {
        String[] words = line.getArguments();
        int at = line.getCursorArgumentIndex() - 1;
        if (words == null || at < 1 || at >= words.length || words[at].startsWith("-")) {
            return null; // index 0 is the command itself
        }
        return words[at];
    }
}
