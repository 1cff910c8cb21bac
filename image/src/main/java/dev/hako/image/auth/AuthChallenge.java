package dev.hako.image.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One challenge of a WWW-Authenticate header (RFC 7235): a scheme and its parameters, e.g. Bearer realm=..,service=..,scope=... */
public record AuthChallenge(String scheme, Map<String, String> params) {

    public String param(String name) { return params.get(name.toLowerCase(Locale.ROOT)); }

    public boolean isBearer() { return scheme.equalsIgnoreCase("bearer"); }

    public boolean isBasic() { return scheme.equalsIgnoreCase("basic"); }

    /** Parses all challenges in one header value (quoted strings may contain commas). */
    public static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> out = new ArrayList<>();
        if (header == null) return out;
        int i = 0, n = header.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) i++;
            int start = i;
            while (i < n && header.charAt(i) != ' ' && header.charAt(i) != '=' && header.charAt(i) != ',') i++;
            String token = header.substring(start, i);
            if (token.isEmpty()) break;
            int j = i;
            while (j < n && header.charAt(j) == ' ') j++;
            if (j < n && header.charAt(j) == '=' && scheme != null) {
                i = j + 1;
                while (i < n && header.charAt(i) == ' ') i++;
                String value;
                if (i < n && header.charAt(i) == '"') {
                    StringBuilder b = new StringBuilder();
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) i++;
                        b.append(header.charAt(i++));
                    }
                    i++;
                    value = b.toString();
                } else {
                    int s = i;
                    while (i < n && header.charAt(i) != ',') i++;
                    value = header.substring(s, i).trim();
                }
                params.put(token.toLowerCase(Locale.ROOT), value);
            } else {
                if (scheme != null) out.add(new AuthChallenge(scheme, Map.copyOf(params)));
                scheme = token;
                params = new LinkedHashMap<>();
            }
        }
        if (scheme != null) out.add(new AuthChallenge(scheme, Map.copyOf(params)));
        return out;
    }
}
