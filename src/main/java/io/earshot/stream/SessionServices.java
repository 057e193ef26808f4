package io.earshot.stream;

import io.earshot.config.EarshotConfig;
import io.earshot.security.RateLimiter;

/**
 * What every session of a server shares: the settings, the clocks, the live transcription, the hand-off to jobs
 * and the per-client audio budget. A unit test passes fakes.
 *
 * @param audioRate audio seconds each client may send a minute, or null for no budget
 */
record SessionServices(EarshotConfig config, SessionClock clock, Transcription.Factory transcribers,
        JobHandoff jobs, RateLimiter audioRate) {
}
