package dev.hako.image.store;

/** Server arguments of login/logout as users type them: "https://host:5000/v2/", "host:5000", "docker.io". */
final class AuthFileKeys {
    private AuthFileKeys() {}

    static String hostOf(String server) {
        String s = server.strip();
        int scheme = s.indexOf("://");
        if (scheme >= 0) s = s.substring(scheme + 3);
        int slash = s.indexOf('/');
        if (slash >= 0) s = s.substring(0, slash);
        if (s.equals("index.docker.io") || s.equals("registry-1.docker.io")) return "docker.io";
        return s;
    }
}
