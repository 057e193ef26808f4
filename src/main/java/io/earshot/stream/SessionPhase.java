package io.earshot.stream;

/**
 * Where a session is in its life. Only {@link SessionState} moves it on:
 * {@code STREAMING -> ENDING -> ENDED -> EXPIRED}; a hand-off goes from either of the first two straight to
 * {@code ENDED}. Whether a connection is attached is separate: a session waits for a resume in any phase but
 * the last.
 */
enum SessionPhase {
    /** Audio is taken. */
    STREAMING,
    /** No more audio is taken; what is stored is still being transcribed. {@code ended} follows. */
    ENDING,
    /** {@code ended} was sent; a resume replays it until the replay window closes. */
    ENDED,
    /** Ended and its replay window is over: the registry forgets it. */
    EXPIRED
}
