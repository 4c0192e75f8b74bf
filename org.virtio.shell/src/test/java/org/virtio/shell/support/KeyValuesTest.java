package org.virtio.shell.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class KeyValuesTest {

    @Test
    void keepsOrderAndSplitsAtTheFirstEquals() {
        KeyValues.Result r = KeyValues.parse(List.of("b=1", "a=x=y", "c="), List.of("vm"));
        assertEquals(List.of("b", "a", "c"), List.copyOf(r.values().keySet()));
        assertEquals("x=y", r.values().get("a"));
        assertEquals("", r.values().get("c"));
        assertEquals(Optional.empty(), r.problem());
    }

    @Test
    void refusesMalformedReservedAndRepeatedKeys() {
        assertEquals(Optional.of("\"path\" is not key=value"), KeyValues.parse(List.of("path"), List.of()).problem());
        assertEquals(Optional.of("key \"\" in \" =1\" is empty"), KeyValues.parse(List.of(" =1"), List.of()).problem());
        assertEquals(Optional.of("key \"vm\" in \"vm=x\" is set by the command itself"),
                KeyValues.parse(List.of("vm=x"), List.of("vm")).problem());
        assertEquals(Optional.of("key \"a\" is given twice"), KeyValues.parse(List.of("a=1", "a=2"), List.of()).problem());
        assertEquals(Map.of(), KeyValues.parse(List.of("a=1", "b"), List.of()).values());
    }

    @Test
    void noArgumentsIsAnEmptyMap() {
        assertEquals(Map.of(), KeyValues.parse(null, List.of()).values());
    }
}
