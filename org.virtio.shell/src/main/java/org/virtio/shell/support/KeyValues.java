package org.virtio.shell.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parses {@code key=value} arguments (device settings) into an ordered map, refusing malformed ones. */
public final class KeyValues {
    private KeyValues() {
    }

    /**
     * @param arguments the arguments, each {@code key=value}; null means none
     * @param reserved  keys the command sets itself and the user may not give
     * @return the map in argument order, or the problem with the first bad argument
     */
    public static Result parse(List<String> arguments, List<String> reserved) {
        Map<String, String> map = new LinkedHashMap<>();
        if (arguments == null) {
            return new Result(map, Optional.empty());
        }
        for (String argument : arguments) {
            int eq = argument.indexOf('=');
            if (eq <= 0) {
                return new Result(Map.of(), Optional.of("\"" + argument + "\" is not key=value"));
            }
            String key = argument.substring(0, eq).strip();
            if (key.isEmpty() || reserved.contains(key)) {
                return new Result(Map.of(), Optional.of("key \"" + key + "\" in \"" + argument
                        + "\" is " + (key.isEmpty() ? "empty" : "set by the command itself")));
            }
            if (map.put(key, argument.substring(eq + 1)) != null) {
                return new Result(Map.of(), Optional.of("key \"" + key + "\" is given twice"));
            }
        }
        return new Result(map, Optional.empty());
    }

    /**
     * @param values  the parsed settings (empty when there is a problem)
     * @param problem what was wrong, if anything
     */
    public record Result(Map<String, String> values, Optional<String> problem) {
    }
}
