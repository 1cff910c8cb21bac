/** Registry credentials: auth.json / docker config.json ({@link dev.hako.image.auth.AuthFile}) and WWW-Authenticate parsing. */
package dev.hako.image.auth;
