// Records src/test/resources/audio/opus/0880-chromium-mediarecorder.webm: LibriVox clip 0880 as
// Chromium's MediaRecorder writes it, the WebM (Matroska) Opus a browser uploads.
//
// The page decodes the clip's WAV with an AudioContext running at 48 kHz, plays it (and half a second
// of silence after it) through a MediaStreamAudioDestinationNode into
// new MediaRecorder(stream, {mimeType: 'audio/webm;codecs=opus'}) with a 250 ms timeslice, as a web page
// recording a microphone does, and hands back the blobs in order; the script writes them, concatenated,
// next to the other Opus fixtures. Recording runs in real time, so it takes the clip's length (3 s) and
// a little more. The output is not the same bytes from run to run: when the recorder starts relative to
// the clip depends on timing.
//
// It needs Debian's chromium package (/usr/bin/chromium, or the path in $CHROMIUM), node 18 or later
// and the npm package playwright-core, which drives the installed browser and downloads none.
// Install playwright-core outside the repository and point NODE_PATH at it; run from the repository root:
//
//   (cd "$SCRATCH" && npm install playwright-core)
//   NODE_PATH="$SCRATCH/node_modules" node scripts/record-mediarecorder-fixture.mjs
//
// where $SCRATCH is any directory outside the repository.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const CLIP = 'src/test/resources/audio/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';
const OUT = 'src/test/resources/audio/opus/0880-chromium-mediarecorder.webm';
const MIME = 'audio/webm;codecs=opus';

function die(message) {
  console.error(`record-mediarecorder-fixture: ${message}`);
  process.exit(1);
}

if (!existsSync('pom.xml') || !existsSync(CLIP)) {
  die('run this from the repository root');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--autoplay-policy=no-user-gesture-required'],
});
try {
  const page = await browser.newPage();
  const result = await page.evaluate(async ({ wavBase64, mime }) => {
    if (!MediaRecorder.isTypeSupported(mime)) {
      throw new Error(`MediaRecorder does not support ${mime}`);
    }
    const wav = Uint8Array.from(atob(wavBase64), (c) => c.charCodeAt(0));
    const context = new AudioContext({ sampleRate: 48000 });
    await context.resume();
    const clip = await context.decodeAudioData(wav.buffer);
    // The clip, then half a second of silence: the recording stops short of stop() (Chromium stops feeding
    // the recorder about when the graph falls idle), so what it loses at the end is silence, not speech.
    const buffer = context.createBuffer(1, clip.length + context.sampleRate / 2, context.sampleRate);
    buffer.copyToChannel(clip.getChannelData(0), 0);
    const destination = context.createMediaStreamDestination();
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(destination);

    const recorder = new MediaRecorder(destination.stream, { mimeType: mime });
    const blobs = [];
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0) {
        blobs.push(e.data);
      }
    };
    const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
    const started = new Promise((resolve) => { recorder.onstart = resolve; });
    recorder.start(250);
    await started;
    source.start();
    await new Promise((resolve) => { source.onended = resolve; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    recorder.stop();
    await stopped;
    await context.close();

    const bytes = new Uint8Array(await new Blob(blobs, { type: mime }).arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return { webmBase64: btoa(binary), chunks: blobs.length, seconds: clip.duration };
  }, { wavBase64: readFileSync(CLIP).toString('base64'), mime: MIME });

  const webm = Buffer.from(result.webmBase64, 'base64');
  if (webm.length < 4 || webm.readUInt32BE(0) !== 0x1a45dfa3) {
    die('the recording is not a WebM file');
  }
  writeFileSync(OUT, webm);
  console.log(`${OUT}: ${webm.length} bytes in ${result.chunks} chunks, clip ${result.seconds.toFixed(2)} s, `
    + `${(await browser.version())}`);
} finally {
  await browser.close();
}
