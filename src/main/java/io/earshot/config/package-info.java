/**
 * Every {@code earshot.*} setting, read once from system properties or environment variables, checked against its
 * range, and documented in docs/configuration.md key for key. The wire format, audio, engine and storage packages
 * take the values they need as arguments; the features' beans (and {@code security}'s access rules and handshake
 * check, which the container instantiates) read {@link io.earshot.config.EarshotConfig#current()}.
 */
package io.earshot.config;
