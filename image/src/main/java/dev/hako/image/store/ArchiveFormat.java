package dev.hako.image.store;

/** The tar formats of save/load: docker save's layout and a tar of an OCI image layout. */
public enum ArchiveFormat {
    DOCKER_ARCHIVE("docker-archive"), OCI_ARCHIVE("oci-archive");

    private final String cliName;

    ArchiveFormat(String cliName) { this.cliName = cliName; }

    public String cliName() { return cliName; }

    public static ArchiveFormat parse(String s) {
        for (ArchiveFormat f : values()) if (f.cliName.equals(s)) return f;
        throw new ImageException("unknown archive format \"" + s + "\" (want docker-archive or oci-archive)");
    }
}
