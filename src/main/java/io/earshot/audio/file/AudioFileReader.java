package io.earshot.audio.file;

import io.earshot.audio.PcmSink;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes one audio file, as it streams in, to the engine's format (16 kHz mono 16-bit). Readers work in
 * fixed-size blocks and never hold the whole file, so an upload of any length decodes in bounded memory, and
 * every length a file declares is checked before it sizes a buffer. A reader keeps no state between calls
 * and may serve several files one after another (not at the same time).
 */
public interface AudioFileReader {

    /**
     * Reads {@code in} to its end, handing every decoded sample to {@code sink}. The stream is not closed.
     * On an {@link AudioFileException} the sink may already have received the audio before the problem.
     *
     * @throws IOException        only when reading {@code in} fails
     * @throws AudioFileException when the content is unsupported, truncated or corrupt
     */
    AudioFileInfo read(InputStream in, PcmSink sink) throws IOException, AudioFileException;
}
