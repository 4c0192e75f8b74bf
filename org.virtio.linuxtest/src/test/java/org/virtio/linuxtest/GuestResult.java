package org.virtio.linuxtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One result line a check script printed on the serial console: {@code VTEST <check> PASS|FAIL|SKIP <detail>}.
 *
 * @param check  the check's name, e.g. {@code blk-fs}
 * @param status PASS, FAIL or SKIP
 * @param detail the guest's explanation
 */
record GuestResult(String check, String status, String detail) {
    /** The result line; the status must be one of the three words so a garbled line is never a result. */
    static final Pattern LINE = Pattern.compile("^VTEST (\\S+) (PASS|FAIL|SKIP) ?(.*)$");

    /** Every result line in {@code console}, in order. Lines may carry a trailing CR from the serial port. */
    static List<GuestResult> parse(String console) {
        List<GuestResult> out = new ArrayList<>();
        for (String line : console.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (m.matches()) {
                out.add(new GuestResult(m.group(1), m.group(2), m.group(3)));
            }
        }
        return out;
    }

    /** The result of {@code check}, if the guest printed one (the last one wins). */
    static Optional<GuestResult> find(List<GuestResult> results, String check) {
        GuestResult r = null;
        for (GuestResult x : results) {
            if (x.check().equals(check)) {
                r = x;
            }
        }
        return Optional.ofNullable(r);
    }

    /** Values of the data lines {@code <tag> v1 v2 ...} (e.g. {@code VTEST-SUM f1 <hash>}), split on spaces. */
    static List<List<String>> data(String console, String tag) {
        List<List<String>> out = new ArrayList<>();
        for (String line : console.split("\n")) {
            String s = line.strip();
            if (s.startsWith(tag + " ")) {
                out.add(List.of(s.substring(tag.length() + 1).strip().split("\\s+")));
            }
        }
        return out;
    }
}
