package dev.hako.cli;

import dev.hako.image.auth.Credentials;
import dev.hako.image.store.ImageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** login / logout: credentials in auth.json (podman's file; docker's config.json is read too). */
final class LoginCommands {
    private LoginCommands() {}

    @Command(name = "login", description = "Log in to a registry")
    static final class Login extends ImageCommands.Base {
        @Parameters(arity = "0..1", paramLabel = "SERVER") String server;
        @Option(names = {"-u", "--username"}, description = "Username") String username;
        @Option(names = {"-p", "--password"}, description = "Password") String password;
        @Option(names = "--password-stdin", description = "Take the password from stdin") boolean passwordStdin;

        @Override
        public Integer call() throws IOException {
            if (passwordStdin) {
                if (password != null) throw new ImageException("--password and --password-stdin are mutually exclusive");
                if (username == null) throw new ImageException("Must provide --username with --password-stdin");
                password = new String(main().terminal.in().readAllBytes(), StandardCharsets.UTF_8).strip();
            } else if (password != null) {
                err().println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
            }
            if (username == null) {
                out().print("Username: ");
                out().flush();
                username = ImageCommands.readLine(main().terminal.in()).strip();
            }
            if (password == null) {
                int in = main().terminal.host().inFd();
                if (in >= 0 && dev.hako.kernel.Tty.isatty(in) && main().terminal.outIsTty()) {
                    out().print("Password: ");
                    out().flush();
                    try (var quiet = dev.hako.kernel.Tty.noEcho(in)) {
                        password = ImageCommands.readLine(main().terminal.in()).strip();
                    }
                    out().println();
                } else {
                    out().print("Password: ");
                    out().flush();
                    password = ImageCommands.readLine(main().terminal.in()).strip();
                }
            }
            if (username.isEmpty()) throw new ImageException("username is empty");
            if (password.isEmpty()) throw new ImageException("password is empty");
            images().login(server, Credentials.basic(username, password));
            out().println("Login Succeeded");
            out().flush();
            return 0;
        }
    }

    @Command(name = "logout", description = "Log out from a registry")
    static final class Logout extends ImageCommands.Base {
        @Parameters(arity = "0..1", paramLabel = "SERVER") String server;

        @Override
        public Integer call() {
            String key = images().logout(server);
            if (key == null) out().println("Not logged in to " + (server == null ? "docker.io" : server));
            else out().println("Removing login credentials for " + key);
            out().flush();
            return 0;
        }
    }
}
