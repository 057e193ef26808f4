// Unit tests of earshot.js in Node (no browser, no server): URL rules, the frame layout, and the reconnect,
// resume and replay logic against a scripted fake WebSocket.
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { EarshotError, EarshotSession, State, audioFrame, followJob, serverUrls, toPcm16 } from
  "../../main/webapp/earshot.js";

test("server URLs: plain ws/http only for this machine, https/wss elsewhere, clear errors", () => {
  assert.equal(serverUrls("http://127.0.0.1:8080").stream, "ws://127.0.0.1:8080/v1/stream");
  assert.equal(serverUrls("ws://localhost:8080/v1/stream").http, "http://localhost:8080");
  assert.equal(serverUrls("https://earshot.example.com/app/").stream, "wss://earshot.example.com/app/v1/stream");
  assert.equal(serverUrls("wss://earshot.example.com/v1/stream").jobEvents("j_1"),
    "wss://earshot.example.com/v1/jobs/j_1/events");
  for (const [bad, code] of [["not a url", "invalid_url"], ["", "invalid_url"], [null, "invalid_url"],
    ["ftp://x.example", "invalid_url"], ["http://earshot.example.com", "insecure_url"],
    ["ws://10.0.0.5:8080", "insecure_url"], ["https://user:pw@earshot.example.com", "invalid_url"]]) {
    assert.throws(() => serverUrls(bad), (e) => e instanceof EarshotError && e.code === code, String(bad));
  }
  assert.throws(() => new EarshotSession({ url: "http://earshot.example.com" }), { code: "insecure_url" });
});

test("the frame layout of streaming.md, section 6", () => {
  const frame = new Uint8Array(audioFrame(1, [Uint8Array.of(1, 0, 0xfe, 0xff), Uint8Array.of(0x34, 0x12, 0, 0x80)]));
  assert.deepEqual([...frame], [1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4, 1, 0, 0xfe, 0xff, 0, 0, 0, 4, 0x34, 0x12, 0,
    0x80]);
  assert.deepEqual([...toPcm16(Float32Array.of(0, 1, -1, 2))], [0, 0, 0xff, 0x7f, 0, 0x80, 0xff, 0x7f]);
});

/** A WebSocket the test drives: records what the client sends, lets the test answer, open and close. */
class FakeSocket {
  static all = [];
  static refuse = false;

  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
    queueMicrotask(() => {
      if (FakeSocket.refuse) {
        this.readyState = 3;
        this.onclose?.({ code: 1006, reason: "" });
      } else {
        this.readyState = 1;
        this.onopen?.();
      }
    });
  }

  send(data) {
    this.sent.push(typeof data === "string" ? JSON.parse(data) : new Uint8Array(data));
  }

  reply(message) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }

  close() {
    this.readyState = 3;
  }

  /** The sequence numbers of the chunks in the binary frames sent. */
  seqs() {
    const out = [];
    for (const f of this.sent.filter((x) => x instanceof Uint8Array)) {
      const view = new DataView(f.buffer);
      for (let i = 0; i < view.getUint16(2); i++) {
        out.push(view.getUint32(4) + i);
      }
    }
    return out;
  }
}

const started = (over = {}) => ({ type: "started", session_id: "s_1", resume_token: "tok", resumed: false,
  codec: { name: "pcm_s16le", sample_rate: 16000, channels: 1 }, last_acked_seq: 0, last_event_seq: 0,
  heartbeat_interval_ms: 30000, window: 64, ...over });

const tick = () => new Promise((r) => setImmediate(r));

test("reconnects at once, then after 1, 2, 4, 8 s, gives up after 5, and resumes without loss or repeats", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  try {
    FakeSocket.all = [];
    FakeSocket.refuse = false;
    const states = [];
    const transcripts = [];
    const s = new EarshotSession({ url: "http://127.0.0.1:8080", WebSocket: FakeSocket, fetch: () => null,
      jitter: 0, fallbackToJob: false, token: "t1" });
    s.addEventListener("state", (e) => states.push([e.detail.state, e.detail.delayMs]));
    s.addEventListener("transcript", (e) => transcripts.push(e.detail.event_seq));
    const ready = s.start();
    await tick();
    const first = FakeSocket.all[0];
    assert.deepEqual(first.protocols, ["earshot.v1", "earshot.token.t1"], "the token in a subprotocol entry");
    assert.equal(first.sent[0].type, "start");
    first.reply(started());
    await ready;
    for (let i = 0; i < 10; i++) {
      s.send(Uint8Array.of(i, 0));
    }
    assert.deepEqual(first.seqs(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    first.reply({ type: "ack", seq: 6 });
    first.reply({ type: "transcript", event_seq: 1, status: "final", text: "one" });
    first.reply({ type: "transcript", event_seq: 2, status: "final", text: "two" });
    first.drop();
    assert.deepEqual(states.at(-1), [State.RECONNECTING, 0], "at once");

    // The next four attempts fail: 0 s, then 1, 2, 4 s.
    FakeSocket.refuse = true;
    mock.timers.tick(0);
    await tick();
    await tick();
    for (const wait of [1000, 2000, 4000, 8000]) {
      assert.equal(states.at(-1)[1], wait, "then " + wait + " ms");
      mock.timers.tick(wait);
      await tick();
      await tick();
    }
    assert.deepEqual(states.at(-1), [State.DISCONNECTED, undefined], "5 attempts, then disconnected");
    assert.equal(FakeSocket.all.length, 6);

    // By hand: the server resumes at 8 and replays event 2 (seen) and 3 (not seen).
    FakeSocket.refuse = false;
    s.reconnect();
    await tick();
    const again = FakeSocket.all.at(-1);
    assert.deepEqual(again.sent[0].resume, { session_id: "s_1", resume_token: "tok", last_event_seq: 2 });
    again.reply(started({ resumed: true, last_acked_seq: 8 }));
    again.reply({ type: "transcript", event_seq: 2, status: "final", text: "two" });
    again.reply({ type: "transcript", event_seq: 3, status: "final", text: "three" });
    assert.deepEqual(again.seqs(), [9, 10], "only what the server did not store");
    assert.deepEqual(transcripts, [1, 2, 3], "each transcript once");

    // A healthy connection resets the count: the next drop starts at once again.
    mock.timers.tick(15000);
    again.drop();
    assert.deepEqual(states.at(-1), [State.RECONNECTING, 0]);
  } finally {
    mock.timers.reset();
  }
});

test("client-side limits refuse audio with clear errors; refused credentials are not retried", async () => {
  FakeSocket.all = [];
  FakeSocket.refuse = false;
  const s = new EarshotSession({ url: "ws://127.0.0.1:8080", WebSocket: FakeSocket, fetch: () => null,
    limits: { maxChunkBytes: 4, maxBufferedBytes: 6 } });
  const errors = [];
  s.addEventListener("error", (e) => errors.push(e.detail.code));
  const ready = s.start();
  await tick();
  FakeSocket.all[0].reply(started());
  await ready;
  assert.throws(() => s.send(Uint8Array.of(1, 2, 3, 4, 5, 6)), { code: "chunk_too_large" });
  assert.throws(() => s.send(new Uint8Array(0)), { code: "bad_chunk" });
  s.send(Uint8Array.of(1, 2, 3, 4));
  assert.throws(() => s.send(Uint8Array.of(1, 2, 3, 4)), { code: "buffer_full" });
  FakeSocket.all[0].drop(1008);
  assert.equal(s.state, State.DISCONNECTED);
  assert.deepEqual(errors, ["unauthorized"]);
  assert.equal(FakeSocket.all.length, 1, "no retry with refused credentials");
  s.disconnect();
});

test("end goes out only after every chunk, even those waiting for the credit window", async () => {
  FakeSocket.all = [];
  FakeSocket.refuse = false;
  const s = new EarshotSession({ url: "ws://127.0.0.1:8080", WebSocket: FakeSocket, fetch: () => null });
  const ready = s.start();
  await tick();
  const ws = FakeSocket.all[0];
  ws.reply(started({ window: 2 }));
  await ready;
  for (let i = 1; i <= 5; i++) {
    s.send(Uint8Array.of(i, 0));
  }
  const ending = s.end();
  assert.deepEqual(ws.seqs(), [1, 2], "the window holds the rest back");
  assert.ok(!ws.sent.some((m) => m.type === "end"), "no end while chunks wait");
  ws.reply({ type: "ack", seq: 2 });
  ws.reply({ type: "ack", seq: 4 });
  assert.deepEqual(ws.seqs(), [1, 2, 3, 4, 5]);
  assert.ok(!ws.sent.some((m) => m.type === "end"), "no end while a chunk is not stored yet");
  ws.reply({ type: "ack", seq: 5 });
  assert.equal(ws.sent.at(-1).type, "end", "end once the last chunk is stored");
  ws.reply({ type: "ended", event_seq: 1, last_seq: 5, transcription: "complete" });
  assert.equal((await ending).last_seq, 5);
});

test("a frame refused unstored goes again from the chunk named, after the server's wait", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  try {
    FakeSocket.all = [];
    FakeSocket.refuse = false;
    const s = new EarshotSession({ url: "ws://127.0.0.1:8080", WebSocket: FakeSocket, fetch: () => null });
    const errors = [];
    s.addEventListener("error", (e) => errors.push(e.detail.code));
    const ready = s.start();
    await tick();
    const ws = FakeSocket.all[0];
    ws.reply(started());
    await ready;
    for (let i = 1; i <= 3; i++) {
      s.send(Uint8Array.of(i, 0));
    }
    ws.reply({ type: "ack", seq: 1 });
    ws.reply({ type: "error", code: "rate_limited", seq: 2, retry_after_ms: 1000, fatal: false, retryable: true });
    s.send(Uint8Array.of(4, 0));
    assert.deepEqual(ws.seqs(), [1, 2, 3], "held for the server's wait");
    mock.timers.tick(1000);
    assert.deepEqual(ws.seqs(), [1, 2, 3, 2, 3, 4], "then sent again from chunk 2");
    assert.deepEqual(errors, ["rate_limited"]);
    ws.reply({ type: "error", code: "out_of_order", seq: 3, expected_seq: 3, fatal: false });
    assert.deepEqual(ws.seqs(), [1, 2, 3, 2, 3, 4, 3, 4], "out_of_order: again from expected_seq at once");
    s.disconnect();
  } finally {
    mock.timers.reset();
  }
});

test("a job followed live is subscribed again with after= when it drops, each record once; polling after that",
  async () => {
    FakeSocket.all = [];
    FakeSocket.refuse = false;
    const records = [];
    const target = new EventTarget();
    target.addEventListener("job", (e) => records.push([e.detail.job.event_id, e.detail.mode]));
    const polled = [];
    const fetchImpl = async (url, { headers }) => {
      polled.push([url, headers["If-None-Match"]]);
      return new Response(JSON.stringify({ id: "j_1", stage: "complete", percent: 100, event_id: 5 }),
        { status: 200 });
    };
    const done = followJob("j_1", { url: "http://127.0.0.1:8080", WebSocket: FakeSocket, fetch: fetchImpl, target,
      resubscribes: 1 });
    await tick();
    const first = FakeSocket.all[0];
    assert.deepEqual(first.protocols, ["earshot.jobs.v1"]);
    first.reply({ type: "job", job: { id: "j_1", stage: "transcribing", percent: 10, event_id: 2 } });
    first.drop(1006);
    await new Promise((r) => setTimeout(r, 20));
    const second = FakeSocket.all[1];
    assert.match(second.url, /\/v1\/jobs\/j_1\/events\?after=2$/);
    second.reply({ type: "job", job: { id: "j_1", stage: "transcribing", percent: 10, event_id: 2 } }); // again
    second.reply({ type: "job", job: { id: "j_1", stage: "transcribing", percent: 60, event_id: 3 } });
    second.drop(1001);
    // resubscribes used up: long-polling from the last record seen
    const final = await done;
    assert.equal(final.stage, "complete");
    assert.equal(FakeSocket.all.length, 2);
    assert.deepEqual(records, [[2, "live"], [3, "live"], [5, "polling"]]);
    assert.equal(polled[0][1], '"j_1.3"');
  });
