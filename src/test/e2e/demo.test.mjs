// End-to-end tests of the demo page and earshot.js in headless Chromium, against a running Earshot server.
// Run by BrowserIT (mvn verify): node --test, with EARSHOT_URL (the server), FAKE_AUDIO (a WAV file the fake
// microphone plays), SHOTS (where screenshots go) and CHROMIUM (the browser) in the environment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { chromium } from "playwright-core";

const SERVER = new URL(process.env.EARSHOT_URL || "http://127.0.0.1:8080");
const FAKE_AUDIO = process.env.FAKE_AUDIO;
const SHOTS = process.env.SHOTS;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/**
 * A TCP proxy on loopback in front of the server: it can cut every live connection, refuse WebSocket
 * upgrades (a network that blocks WebSockets) or refuse the stream endpoint only (the streaming server gone).
 */
class Proxy {
  constructor() {
    this.sockets = new Set();
    this.mode = "pass"; // pass | no-websocket | no-stream
    this.server = net.createServer((client) => {
      let upstream = null;
      client.once("data", (first) => {
        const head = first.toString("latin1");
        const upgrade = /\r\nupgrade:\s*websocket/i.test(head);
        if ((this.mode === "no-websocket" && upgrade) || (this.mode === "no-stream" && upgrade
            && head.startsWith("GET /v1/stream"))) {
          client.destroy();
          return;
        }
        upstream = net.connect(Number(SERVER.port), "127.0.0.1", () => {
          upstream.write(first);
          client.pipe(upstream);
          upstream.pipe(client);
        });
        const pair = { client, upstream };
        this.sockets.add(pair);
        const drop = () => {
          this.sockets.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
      });
      client.on("error", () => client.destroy());
    });
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => resolve(this.server.address().port)));
  }

  /** Resets every live connection (as a network failure would). */
  cutAll() {
    let n = 0;
    for (const { client, upstream } of this.sockets) {
      client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
      upstream.destroy();
      n++;
    }
    this.sockets.clear();
    return n;
  }

  close() {
    this.cutAll();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

let browser;
let proxy;
let proxied;

before(async () => {
  assert.ok(FAKE_AUDIO, "FAKE_AUDIO names the WAV the fake microphone plays");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${FAKE_AUDIO}`,
      "--autoplay-policy=no-user-gesture-required"],
  });
  proxy = new Proxy();
  proxied = `http://127.0.0.1:${await proxy.listen()}`;
});

after(async () => {
  await browser?.close();
  await proxy?.close();
});

async function open(base, query = "") {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(`${base}/?server=${encodeURIComponent(base)}${query}`);
  return page;
}

const demo = (page) => page.evaluate(() => JSON.parse(JSON.stringify({
  states: earshotDemo.states, codec: earshotDemo.codec, errors: earshotDemo.errors, jobs: earshotDemo.jobs,
  transcripts: earshotDemo.transcripts.map((t) => ({ seq: t.event_seq, text: t.text, first: t.first_seq,
    last: t.last_seq, status: t.status })),
  ended: earshotDemo.ended || null, lastAck: earshotDemo.session ? earshotDemo.session.lastAckedSeq : 0,
})));

async function until(page, what, check, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const d = await demo(page);
    if (check(d)) {
      return d;
    }
    if (Date.now() > end) {
      assert.fail(`timed out waiting for ${what}: ${JSON.stringify(d).slice(0, 1500)}`);
    }
    await page.waitForTimeout(250);
  }
}

function shot(page, name) {
  return SHOTS ? page.screenshot({ path: `${SHOTS}/${name}.png` }) : null;
}

/** Transcripts numbered 1.. without a gap or a repeat; no utterance (chunk range) twice. */
function assertExactlyOnce(transcripts) {
  const seqs = transcripts.map((t) => t.seq);
  assert.deepEqual(seqs, [...new Set(seqs)], "no transcript twice: " + seqs);
  const ranges = transcripts.map((t) => `${t.first}..${t.last}`);
  assert.deepEqual(ranges, [...new Set(ranges)], "no utterance twice: " + ranges);
  for (let i = 1; i < transcripts.length; i++) {
    assert.ok(transcripts[i].first > transcripts[i - 1].last, "in order, no overlap: " + ranges);
  }
}

test("the fake microphone's speech is transcribed live; a connection cut mid-stream shows Reconnecting, resumes, "
  + "and loses or repeats nothing", async () => {
  proxy.mode = "pass";
  const page = await open(proxied);
  await shot(page, "demo-idle");
  await page.click("[data-testid=record]");
  const before = await until(page, "a first transcript",
    (x) => x.transcripts.some((t) => t.status === "final" && t.text));
  assert.equal(before.states[before.states.length - 1], "connected");
  await shot(page, "demo-live");
  const cut = proxy.cutAll();
  assert.ok(cut >= 1, "the stream's connection was cut");
  await until(page, "Reconnecting", (x) => x.states.slice(before.states.length).includes("reconnecting"), 10000);
  await shot(page, "demo-reconnecting");
  const resumed = await until(page, "Connected again, more acks",
    (x) => x.states[x.states.length - 1] === "connected" && x.lastAck > before.lastAck + 50);
  await until(page, "a transcript after the resume", (x) => x.transcripts.length > before.transcripts.length);
  await page.click("[data-testid=stop]");
  const done = await until(page, "ended", (x) => x.ended);
  assert.equal(done.ended.transcription, "complete");
  assertExactlyOnce(done.transcripts);
  assert.equal(done.ended.last_seq, done.lastAck, "every chunk sent was stored");
  // The fake microphone plays two LibriVox clips, over and over; the server runs the fast test engine, which names
  // each voiced stretch with a word (what Sphinx4 hears is TranscriptionIT's subject; how a Chromium recording
  // decodes, WebmOpusReaderTest's): speech heard before the cut and after it, each utterance once.
  const heard = done.transcripts.map((t) => t.text).join(" ");
  const spoken = done.transcripts.filter((t) => t.status === "final" && t.text);
  assert.ok(spoken.length >= 2, "transcripts before and after the cut: " + JSON.stringify(done.transcripts));
  assert.ok(spoken.some((t) => t.first > before.lastAck), "speech after the cut transcribed: " + heard);
  console.log(`live, codec ${before.codec}: first transcript "${before.transcripts[0].text}"; ${cut} connection(s) `
    + `cut at chunk ${before.lastAck}; resumed (${resumed.states.join(" > ")}); ${done.transcripts.length} `
    + `transcripts, ${done.ended.last_seq} chunks: ${heard}`);
  await page.close();
});

test("with the stream endpoint gone for good, the session ends as a job that completes", async () => {
  proxy.mode = "pass";
  const page = await open(proxied);
  await page.click("[data-testid=record]");
  await until(page, "streaming", (x) => x.lastAck > 100);
  proxy.mode = "no-stream";
  proxy.cutAll();
  const d = await until(page, "the reconnect button, then the job complete",
    (x) => x.jobs.some((j) => j.stage === "complete"), 120000);
  assert.ok(d.states.filter((s) => s === "reconnecting").length >= 5, "5 attempts first: " + d.states);
  assert.equal(await page.isVisible("[data-testid=reconnect]"), true, "Reconnect offered");
  await shot(page, "demo-handed-off");
  console.log(`gone: ${d.states.filter((s) => s === "reconnecting").length} reconnect attempts, then job `
    + `${d.jobs[0].id}: ${[...new Set(d.jobs.map((j) => j.stage))].join(" > ")}`);
  await page.close();
});

test("with WebSockets blocked, a file's job progress shows Polling and completes", async () => {
  proxy.mode = "no-websocket";
  const page = await open(proxied);
  await page.setInputFiles("[data-testid=file]", FAKE_AUDIO);
  await page.click("[data-testid=upload]");
  const d = await until(page, "the job complete", (x) => x.jobs.some((j) => j.stage === "complete"), 120000);
  assert.ok(d.jobs.some((j) => j.mode === "polling"), "progress came by polling");
  assert.equal(await page.textContent("[data-testid=job-mode]"), "Polling");
  await page.waitForFunction(() => document.querySelector("[data-testid=job-transcript]").textContent.length > 0);
  await shot(page, "demo-polling");
  console.log(`polling: ${d.jobs.length} records, ${[...new Set(d.jobs.map((j) => j.stage))].join(" > ")}`);
  proxy.mode = "pass";
  await page.close();
});
