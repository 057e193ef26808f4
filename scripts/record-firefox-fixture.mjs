// Records src/test/resources/audio/opus/0880-firefox-mediarecorder.opus: LibriVox clip 0880 as Firefox's
// MediaRecorder writes it, the Ogg Opus a browser uploads (Chromium writes WebM instead; see
// record-mediarecorder-fixture.mjs).
//
// A small HTTP server, bound to 127.0.0.1 on a free port, serves a page and the clip. Firefox opens the page
// headless with a fresh profile that allows audio to start without a click. The page decodes the clip with
// an AudioContext, plays it through a MediaStreamAudioDestinationNode into
// new MediaRecorder(stream, {mimeType: 'audio/ogg;codecs=opus'}) with a 250 ms timeslice, as a web page
// recording a microphone does, and posts the recording back; the script writes it next to the other Opus
// fixtures, stops Firefox and exits. Recording runs in real time, so it takes the clip's length (3 s) and
// the browser's start-up. It gives up after 60 s. The bytes differ from run to run: when the recorder starts
// relative to the clip depends on timing.
//
// Firefox's audio graph only runs with a sound server to play to, which a headless machine lacks, so the
// script starts a private PulseAudio daemon with a null sink (in a temporary runtime directory, reachable
// only through its socket there) and stops it at the end.
//
// It needs Debian's firefox-esr and pulseaudio packages (or the browser named by $FIREFOX) and node 18 or
// later; no npm packages. Run from the repository root:
//
//   node scripts/record-firefox-fixture.mjs
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLIP = 'src/test/resources/audio/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';
const OUT = 'src/test/resources/audio/opus/0880-firefox-mediarecorder.opus';
const MIME = 'audio/ogg;codecs=opus';
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const LIMIT_MS = 60_000;

function die(message) {
  console.error(`record-firefox-fixture: ${message}`);
  process.exit(1);
}

if (!existsSync(CLIP)) die(`run from the repository root (${CLIP} not found)`);
if (!existsSync(FIREFOX)) die(`${FIREFOX} not found: apt-get install firefox-esr, or set FIREFOX`);
if (spawnSync('pulseaudio', ['--version']).error) die('pulseaudio not found: apt-get install pulseaudio');

const PAGE = `<!doctype html><meta charset="utf-8"><title>record</title><script>
async function record() {
  if (!MediaRecorder.isTypeSupported('${MIME}')) throw new Error('${MIME} is not supported');
  const context = new AudioContext({sampleRate: 48000});
  await context.resume();
  const clip = await context.decodeAudioData(await (await fetch('/clip.wav')).arrayBuffer());
  const destination = context.createMediaStreamDestination();
  const source = context.createBufferSource();
  source.buffer = clip;
  source.connect(destination);
  const recorder = new MediaRecorder(destination.stream, {mimeType: '${MIME}'});
  const blobs = [];
  recorder.ondataavailable = e => { if (e.data.size > 0) blobs.push(e.data); };
  const stopped = new Promise(resolve => { recorder.onstop = resolve; });
  recorder.start(250);
  source.start();
  await new Promise(resolve => { source.onended = resolve; });
  // Let the encoder take the last frames of the clip before the recorder stops.
  await new Promise(resolve => setTimeout(resolve, 300));
  recorder.stop();
  await stopped;
  return new Blob(blobs, {type: recorder.mimeType});
}
record().then(blob => fetch('/result', {method: 'POST', body: blob}),
    error => fetch('/error', {method: 'POST', body: String(error)}));
</script>`;

const profile = mkdtempSync(join(tmpdir(), 'earshot-firefox-'));
const runtime = mkdtempSync(join(tmpdir(), 'earshot-pulse-'));
const pulseEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: runtime };
const pulse = spawnSync('pulseaudio', ['--daemonize=yes', '--exit-idle-time=-1', '-n',
  '--load=module-null-sink sink_name=earshot_null', '--load=module-native-protocol-unix'], { env: pulseEnv });
if (pulse.status !== 0) die(`pulseaudio did not start: ${pulse.stderr}`);
writeFileSync(join(profile, 'user.js'), [
  'user_pref("media.autoplay.default", 0);',
  'user_pref("media.autoplay.blocking_policy", 0);',
  'user_pref("media.autoplay.block-webaudio", false);',
  'user_pref("browser.shell.checkDefaultBrowser", false);',
  'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
  'user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);',
  'user_pref("app.update.auto", false);',
  'user_pref("browser.startup.homepage_override.mstone", "ignore");',
  'user_pref("network.proxy.type", 0);',
  'user_pref("media.cubeb.backend", "pulse");',
].join('\n') + '\n');

let browser;
function finish(code, message) {
  if (browser) browser.kill('SIGTERM');
  server.close();
  spawnSync('pulseaudio', ['--kill'], { env: pulseEnv });
  rmSync(profile, { recursive: true, force: true });
  rmSync(runtime, { recursive: true, force: true });
  if (code === 0) console.log(message); else console.error(`record-firefox-fixture: ${message}`);
  process.exit(code);
}

const server = createServer((request, response) => {
  const body = [];
  request.on('data', chunk => body.push(chunk));
  request.on('end', () => {
    if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
    } else if (request.url === '/clip.wav') {
      response.writeHead(200, { 'Content-Type': 'audio/wav' }).end(readFileSync(CLIP));
    } else if (request.url === '/result') {
      const bytes = Buffer.concat(body);
      response.writeHead(204).end();
      if (bytes.subarray(0, 4).toString('latin1') !== 'OggS') finish(1, 'the recording is not an Ogg file');
      writeFileSync(OUT, bytes);
      finish(0, `wrote ${OUT} (${bytes.length} bytes)`);
    } else if (request.url === '/error') {
      response.writeHead(204).end();
      finish(1, `the page failed: ${Buffer.concat(body).toString()}`);
    } else {
      response.writeHead(404).end();
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/`;
  browser = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, url],
    { stdio: 'ignore', env: { ...pulseEnv, PULSE_SERVER: `unix:${join(runtime, 'pulse', 'native')}` } });
  browser.on('exit', code => finish(1, `Firefox exited (${code}) before the recording arrived`));
  setTimeout(() => finish(1, `no recording after ${LIMIT_MS / 1000} s`), LIMIT_MS).unref();
});
