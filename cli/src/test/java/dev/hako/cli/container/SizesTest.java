package dev.hako.cli.container;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SizesTest {
    @Test
    void dockerRamInBytes() {
        assertEquals(0, ContainerCommands.bytes(null, "--memory"));
        assertEquals(1024, ContainerCommands.bytes("1024", "--memory"));
        assertEquals(512L << 10, ContainerCommands.bytes("512k", "--memory"));
        assertEquals(64L << 20, ContainerCommands.bytes("64m", "--memory"));
        assertEquals(64L << 20, ContainerCommands.bytes("64MB", "--memory"));
        assertEquals(3L << 29, ContainerCommands.bytes("1.5g", "--memory"));
        var e = assertThrows(EngineException.class, () -> ContainerCommands.bytes("lots", "--memory"));
        assertTrue(e.getMessage().contains("invalid argument \"lots\" for \"--memory\""), e.getMessage());
        assertThrows(EngineException.class, () -> ContainerCommands.bytes("-5m", "--shm-size"));
    }
}
