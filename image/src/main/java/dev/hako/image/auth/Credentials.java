package dev.hako.image.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials for one registry: a username and password, or an identity token (docker's
 * "identitytoken", sent as the refresh token). toString() hides the secret.
 */
public record Credentials(String username, String password, String identityToken) {

    public static Credentials basic(String username, String password) {
        if (username == null || username.isEmpty()) throw new IllegalArgumentException("username is required");
        if (username.contains(":")) throw new IllegalArgumentException("username must not contain ':'");
        return new Credentials(username, password == null ? "" : password, null);
    }

    /** The value for "Authorization: Basic ...". */
    public String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The base64 "auth" field of auth.json. */
    public String encoded() {
        return Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes an auth.json "auth" field (base64 of user:password). */
    public static Credentials decode(String auth, String where) {
        String s;
        try {
            s = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AuthException(where + ": \"auth\" is not valid base64");
        }
        int colon = s.indexOf(':');
        if (colon <= 0) throw new AuthException(where + ": \"auth\" does not decode to user:password");
        return new Credentials(s.substring(0, colon), s.substring(colon + 1), null);
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=" + (password == null ? "null" : "***")
                + (identityToken == null ? "" : ", identityToken=***") + "]";
    }
}
