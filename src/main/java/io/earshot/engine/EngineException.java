package io.earshot.engine;

/** The engine could not recognize a segment, or could not start. The message is for logs, not for clients. */
public class EngineException extends Exception {

    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
