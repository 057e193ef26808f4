/**
 * Every {@code earshot.*} setting, read once from system properties or environment variables, checked against its
 * range, and documented in docs/configuration.md key for key. Lower packages take the values they need as
 * arguments; they do not read the configuration themselves.
 */
package io.earshot.config;
