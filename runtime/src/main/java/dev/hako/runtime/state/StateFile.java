package dev.hako.runtime.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Spec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state file's JSON, by hand over Jackson's streaming parser and generator (no data binding, see
 * {@link StateStore}). The config is not in it: {@code hasConfig} says whether {@link StateStore#CONFIG_FILE}
 * holds one and {@code hasHooks} whether that config has any hook. A state file of an older hako-runtime with
 * the config inline is still read.
 */
final class StateFile {
    private static final JsonFactory JSON = new JsonFactory();

    private StateFile() {}

    static byte[] bytes(ContainerRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            string(g, "ociVersion", r.ociVersion());
            string(g, "id", r.id());
            g.writeNumberField("initPid", r.initPid());
            g.writeNumberField("initStartTime", r.initStartTime());
            string(g, "bundle", r.bundle());
            string(g, "rootfs", r.rootfs());
            string(g, "created", r.created());
            string(g, "cgroupPath", r.cgroupPath());
            string(g, "status", r.status());
            string(g, "owner", r.owner());
            map(g, "annotations", r.annotations());
            ContainerRecord.Config c = r.configHolder();
            g.writeBooleanField("hasConfig", c.present());
            g.writeBooleanField("hasHooks", c.hasHooks());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static ContainerRecord parse(byte[] bytes, Path file, Path configFile) {
        String ociVersion = null, id = null, bundle = null, rootfs = null, created = null, cgroupPath = null,
                status = null, owner = null;
        long initPid = 0, initStartTime = 0;
        Map<String, String> annotations = null;
        boolean hasConfig = false, hasHooks = true;
        byte[] inlineConfig = null;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new OciException("invalid JSON in " + file + ": not an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_NULL) continue;
                switch (name) {
                    case "ociVersion" -> ociVersion = p.getValueAsString();
                    case "id" -> id = p.getValueAsString();
                    case "initPid" -> initPid = p.getLongValue();
                    case "initStartTime" -> initStartTime = p.getLongValue();
                    case "bundle" -> bundle = p.getValueAsString();
                    case "rootfs" -> rootfs = p.getValueAsString();
                    case "created" -> created = p.getValueAsString();
                    case "cgroupPath" -> cgroupPath = p.getValueAsString();
                    case "status" -> status = p.getValueAsString();
                    case "owner" -> owner = p.getValueAsString();
                    case "annotations" -> annotations = readMap(p);
                    case "hasConfig" -> hasConfig = p.getBooleanValue();
                    case "hasHooks" -> hasHooks = p.getBooleanValue();
                    case "config" -> inlineConfig = copy(p);   // older format
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new OciException("invalid JSON in " + file + ": " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + " column " + e.getLocation().getColumnNr()), e);
        } catch (IOException e) {
            throw new OciException("cannot read " + file + ": " + e, e);
        }
        ContainerRecord.Config config;
        if (inlineConfig != null) {
            byte[] json = inlineConfig;
            config = ContainerRecord.Config.lazy(() -> Json.parse(json, Spec.class), true, false);
        } else if (hasConfig) {
            config = ContainerRecord.Config.lazy(() -> Json.read(configFile, Spec.class), hasHooks, true);
        } else {
            config = ContainerRecord.Config.of(null);
        }
        return new ContainerRecord(ociVersion, id, initPid, initStartTime, bundle, rootfs, created, cgroupPath, status,
                owner, annotations, config);
    }

    /**
     * The runtime-spec state hooks get on stdin: what {@code Json.write(new State(...))} gives (component
     * order, nulls left out), without data binding.
     */
    static String ociState(String ociVersion, String id, String status, int pid, String bundle,
                           Map<String, String> annotations) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            string(g, "ociVersion", ociVersion);
            string(g, "id", id);
            string(g, "status", status);
            g.writeNumberField("pid", pid);
            string(g, "bundle", bundle);
            map(g, "annotations", annotations);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) g.writeStringField(name, value);
    }

    private static void map(JsonGenerator g, String name, Map<String, String> m) throws IOException {
        if (m == null) return;
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, String> e : m.entrySet()) string(g, e.getKey(), e.getValue());
        g.writeEndObject();
    }

    private static Map<String, String> readMap(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new JsonParseError(p, "annotations: expected an object");
        Map<String, String> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) throw new JsonParseError(p, "annotations." + k + ": expected a string");
            m.put(k, t == JsonToken.VALUE_NULL ? null : p.getText());
        }
        return Collections.unmodifiableMap(m);
    }

    private static byte[] copy(JsonParser p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toByteArray();
    }

    private static final class JsonParseError extends com.fasterxml.jackson.core.JsonParseException {
        JsonParseError(JsonParser p, String msg) { super(p, msg); }
    }
}
