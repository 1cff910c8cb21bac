package dev.hako.engine.volume;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** docker's -v and --mount syntax, and its error wording. */
class MountSpecsTest {
    @Test
    void volumeFlagForms() {
        MountRequest anon = MountSpecs.volumeFlag("/data/");
        assertEquals(MountRequest.Type.VOLUME, anon.type());
        assertNull(anon.source());
        assertEquals("/data", anon.target());

        MountRequest named = MountSpecs.volumeFlag("cache:/var/cache:ro,nocopy");
        assertEquals(MountRequest.Type.VOLUME, named.type());
        assertEquals("cache", named.source());
        assertTrue(named.readOnly());
        assertTrue(named.noCopy());
        assertEquals("ro,nocopy", named.mode());

        MountRequest bind = MountSpecs.volumeFlag("/host/x:/x:rshared,Z");
        assertEquals(MountRequest.Type.BIND, bind.type());
        assertEquals("/host/x", bind.source());
        assertEquals("rshared", bind.propagation());
        assertFalse(bind.readOnly());

        MountRequest rel = MountSpecs.volumeFlag("./here:/x");
        assertEquals(Path.of("here").toAbsolutePath().normalize().toString(), rel.source(), "docker's CLI makes ./ paths absolute");
    }

    @Test
    void volumeFlagErrors() {
        assertEquals("invalid volume specification: 'a:b:c:d'", err(() -> MountSpecs.volumeFlag("a:b:c:d")));
        assertEquals("invalid volume specification: '/a:rel': invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute",
                err(() -> MountSpecs.volumeFlag("/a:rel")));
        assertEquals("invalid mode: xx in volume specification '/a:/b:xx'", err(() -> MountSpecs.volumeFlag("/a:/b:xx")));
        assertEquals("invalid mode: nocopy in volume specification '/a:/b:nocopy'", err(() -> MountSpecs.volumeFlag("/a:/b:nocopy")));
        assertEquals("invalid mode: ro,rw in volume specification 'v1:/b:ro,rw'", err(() -> MountSpecs.volumeFlag("v1:/b:ro,rw")));
        assertTrue(err(() -> MountSpecs.volumeFlag("bad$name:/b")).contains("includes invalid characters for a local volume name"));
        assertTrue(err(() -> MountSpecs.volumeFlag("/a:/")).contains("destination can't be '/'"));
    }

    @Test
    void mountFlagForms() {
        MountRequest b = MountSpecs.mountFlag("type=bind,src=/h,dst=/c,ro=true,bind-propagation=rslave,bind-nonrecursive");
        assertEquals(MountRequest.Type.BIND, b.type());
        assertEquals("/h", b.source());
        assertEquals("/c", b.target());
        assertTrue(b.readOnly());
        assertEquals("rslave", b.propagation());
        assertFalse(b.recursive());

        MountRequest v = MountSpecs.mountFlag("target=/d,source=vol,volume-nocopy,volume-opt=type=tmpfs,\"volume-opt=o=size=1m,uid=5\",volume-label=a=b");
        assertEquals(MountRequest.Type.VOLUME, v.type(), "volume is the default type");
        assertEquals("vol", v.source());
        assertTrue(v.noCopy());
        assertEquals(Map.of("type", "tmpfs", "o", "size=1m,uid=5"), v.volumeOptions());
        assertEquals(Map.of("a", "b"), v.volumeLabels());

        MountRequest t = MountSpecs.mountFlag("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=755,readonly");
        assertEquals(List.of("size=67108864", "mode=755"), t.tmpfsOptions());
        assertTrue(t.readOnly());
        assertNull(MountSpecs.mountFlag("type=volume,target=/anon").source(), "no source: an anonymous volume");
    }

    @Test
    void mountFlagErrors() {
        assertEquals("invalid argument \"type=bind,source=/x\" for \"--mount\" flag: target is required",
                err(() -> MountSpecs.mountFlag("type=bind,source=/x")));
        assertEquals("invalid argument \"type=bind,target=/x,foo=1\" for \"--mount\" flag: unexpected key 'foo' in 'foo=1'",
                err(() -> MountSpecs.mountFlag("type=bind,target=/x,foo=1")));
        assertEquals("invalid argument \"type=bind,target=/x,source\" for \"--mount\" flag: invalid field 'source' must be a key=value pair",
                err(() -> MountSpecs.mountFlag("type=bind,target=/x,source")));
        assertEquals("invalid argument \"type=tmpfs,target=/x,volume-opt=a=b\" for \"--mount\" flag: cannot mix 'volume-*' options with mount type 'tmpfs'",
                err(() -> MountSpecs.mountFlag("type=tmpfs,target=/x,volume-opt=a=b")));
        assertEquals("invalid mount config for type \"bind\": field Source must not be empty",
                err(() -> MountSpecs.mountFlag("type=bind,target=/x")));
        assertEquals("invalid mount config for type \"tmpfs\": field Source must not be specified",
                err(() -> MountSpecs.mountFlag("type=tmpfs,source=a,target=/x")));
        assertEquals("invalid mount config for type \"foo\": mount type unknown", err(() -> MountSpecs.mountFlag("type=foo,target=/x")));
        assertEquals("invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute",
                err(() -> MountSpecs.mountFlag("type=bind,source=rel,target=/x")));
        assertEquals("invalid mount config for type \"volume\": invalid mount path: 'x' mount path must be absolute",
                err(() -> MountSpecs.mountFlag("target=x")));
    }

    private static String err(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(EngineException.class, e).getMessage();
    }
}
