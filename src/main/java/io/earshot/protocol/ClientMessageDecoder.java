package io.earshot.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import jakarta.websocket.DecodeException;
import jakarta.websocket.Decoder;

/**
 * Decodes JSON text messages into {@link ClientMessage}s, refusing any longer than its limit. The container
 * instantiates decoders with no arguments: the endpoint names a subclass that passes the configured limit.
 */
public class ClientMessageDecoder implements Decoder.Text<ClientMessage> {

    private final int limit;

    /** @param limit most characters a message may have ({@code earshot.limits.max-text-message}) */
    public ClientMessageDecoder(int limit) {
        this.limit = limit;
    }

    @Override
    public ClientMessage decode(String text) throws DecodeException {
        if (text.length() > limit) {
            throw new ProtocolDecodeException("", ServerMessage.Error.of(ErrorCode.MESSAGE_TOO_LARGE,
                    "A JSON message was larger than the server accepts.",
                    text.length() + " characters, limit earshot.limits.max-text-message=" + limit));
        }
        try {
            JsonNode tree = Json.mapper().readTree(text);
            if (tree == null || !tree.isObject()) {
                throw new ProtocolDecodeException(text, ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                        "Every client message is a JSON object.", "got " + (tree == null ? "nothing" : tree.getNodeType())));
            }
            JsonNode type = tree.get("type");
            if (type == null || !type.isTextual()) {
                throw new ProtocolDecodeException(text, ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                        "The message has no \"type\" field.",
                        "every client message is a JSON object with a string field \"type\""));
            }
            return Json.mapper().treeToValue(tree, ClientMessage.class);
        } catch (InvalidTypeIdException e) {
            throw new ProtocolDecodeException(text, ServerMessage.Error.of(ErrorCode.UNKNOWN_TYPE,
                    "The server does not know messages of type \"" + clip(e.getTypeId()) + "\".",
                    "known types: start, end, ping, pause, resume, mark"));
        } catch (JsonProcessingException e) {
            throw new ProtocolDecodeException(text, ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                    "The message could not be read as a protocol message.", clip(e.getOriginalMessage())));
        }
    }

    @Override
    public boolean willDecode(String text) {
        return true;
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
