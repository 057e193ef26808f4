package io.earshot.audio;

/**
 * One chunk of streamed audio could not be decoded. The message is safe to show a client: it names what was
 * wrong with the data, never an internal detail. The decoder that threw it stays usable.
 */
public final class BadAudioException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadAudioException(String message) {
        super(message, null, false, false);
    }
}
