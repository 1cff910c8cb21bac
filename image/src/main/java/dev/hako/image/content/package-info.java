/**
 * The content store: an OCI image layout directory (oci-layout, index.json, blobs/) that skopeo and
 * umoci read as is. {@link dev.hako.image.content.ContentStore} is the entry point; blobs enter only
 * through a {@link dev.hako.image.content.BlobWriter}, which verifies digest and size before the blob
 * becomes visible. Partial writes live in ingest/ and are resumed; locks are flock(2) files there.
 */
package dev.hako.image.content;
