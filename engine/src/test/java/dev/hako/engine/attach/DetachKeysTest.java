package dev.hako.engine.attach;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DetachKeysTest {
    @Test
    void parsesDockersNotation() {
        assertArrayEquals(new byte[]{16, 17}, DetachKeys.parse(null).sequence(), "ctrl-p,ctrl-q by default");
        assertArrayEquals(new byte[]{'a', 0, 27, 31}, DetachKeys.parse("a,ctrl-@,ctrl-[,ctrl-_").sequence());
        assertArrayEquals(new byte[]{24}, DetachKeys.parse("ctrl-X").sequence());
        var e = assertThrows(IllegalArgumentException.class, () -> DetachKeys.parse("ctrl-1"));
        assertEquals("Unknown character: '1'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DetachKeys.parse("ctrl-p,esc"));
        assertEquals("Invalid detach keys (ctrl-p,esc) provided", e.getMessage());
    }

    @Test
    void heldBackPrefixIsPassedOnWhenTheSequenceBreaks() {
        var m = DetachKeys.parse(null).matcher();
        assertArrayEquals("ab".getBytes(), m.feed(new byte[]{'a', 'b', 16}, 3), "ctrl-p held back");
        assertFalse(m.detached());
        assertArrayEquals(new byte[]{16, 'x'}, m.feed(new byte[]{'x'}, 1), "not followed by ctrl-q: both go on");
        assertArrayEquals(new byte[]{16}, m.feed(new byte[]{16, 16}, 2), "a second ctrl-p restarts the match");
        assertArrayEquals(new byte[0], m.feed(new byte[]{17, 'z'}, 2));
        assertTrue(m.detached(), "ctrl-p ctrl-q across reads");
    }
}
