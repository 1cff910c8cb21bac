/**
 * The distribution-spec client: {@link dev.hako.image.registry.RegistryClient} (pull, push, tags, login),
 * {@link dev.hako.image.registry.RegistriesConf} (containers-registries.conf v2), TLS from certs.d.
 * Pull stores verified blobs first; layer extraction reads them from the store afterwards (a
 * {@link dev.hako.image.registry.ProgressListener#blobDone} callback fires per blob as soon as it is
 * stored, so extraction can start while other layers still download).
 */
package dev.hako.image.registry;
