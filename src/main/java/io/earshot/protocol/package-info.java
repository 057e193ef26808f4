/**
 * The wire format of protocol v1: client and server JSON messages as sealed records, the one hardened JSON mapper,
 * the binary audio frame layout, the decoders and encoder the endpoints use, and the error and close codes
 * (checked against docs/api/streaming.md). It knows neither sessions nor configuration: limits come in as
 * arguments.
 */
package io.earshot.protocol;
