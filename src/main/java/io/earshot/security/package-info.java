/**
 * Who may do what: API keys and short-lived scoped tokens, the checks of a WebSocket handshake (origin,
 * credentials), the peer address limits are counted for, and the token-bucket rate limits per client.
 */
package io.earshot.security;
