package dev.hako.engine.copy;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** docker's PrepareArchiveCopy decisions and the archive-root renaming, as pure logic. */
class CopyRulesTest {
    @Test
    void plan() {
        assertFalse(ContainerCopy.plan(true, "d", true, true, "/x").inParent(), "dir into an existing dir");
        assertFalse(ContainerCopy.plan(false, "f", true, true, "/x").inParent(), "file into an existing dir");
        assertTrue(ContainerCopy.plan(false, "f", true, false, "/x").inParent(), "file over a file");
        assertTrue(ContainerCopy.plan(true, "d", false, false, "/x").inParent(), "dir as a new dir");
        assertTrue(ContainerCopy.plan(false, "f", false, false, "/x").inParent(), "file as a new file");
        assertEquals("cannot copy directory",
                assertThrows(EngineException.class, () -> ContainerCopy.plan(true, "d", true, false, "/x")).getMessage());
        assertEquals("no such directory",
                assertThrows(EngineException.class, () -> ContainerCopy.plan(false, "f", false, false, "/x/")).getMessage());
        assertEquals("", new ContainerCopy.Plan(true).renameFrom("."), "content of a dir: every name is prefixed");
        assertNull(new ContainerCopy.Plan(false).renameFrom("d"));
    }

    @Test
    void rename() {
        assertEquals("new/a", TreeUntar.rename("d/a", "d", "new"));
        assertEquals("new", TreeUntar.rename("d", "d", "new"));
        assertEquals("dd/a", TreeUntar.rename("dd/a", "d", "new"), "only a whole first component");
        assertEquals("new/a", TreeUntar.rename("a", "", "new"));
        assertEquals("new", TreeUntar.rename("", "", "new"));
        assertEquals("a", TreeUntar.rename("a", null, null));
        assertEquals("x/a", TreeUntar.join("x", "a"));
        assertEquals("a", TreeUntar.join("", "a"));
    }
}
