/**
 * The Java client and its command line, shipped as jars of their own ({@code target/earshot-client.jar},
 * {@code target/earshot-cli.jar}), never inside the server: it speaks only the wire protocol, on the Jakarta
 * WebSocket client API and Jackson, and imports nothing else of Earshot.
 */
package io.earshot.client;
