/**
 * Git sources of desired state: {@link dev.peapod.git.GitMirror} keeps Peapod's own mirror of a
 * repository ({@code git://}, {@code http(s)://}, {@code ssh://}) and materialises the followed
 * branch, tag or commit as an immutable, bounded, symlink-free snapshot directory;
 * {@link dev.peapod.git.WebhookSignature} checks the HMAC signatures of GitHub and Gitea webhooks.
 * Errors are {@link dev.peapod.git.GitSyncException}s whose messages can be shown as they are.
 */
package dev.peapod.git;
