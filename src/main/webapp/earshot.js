// Earshot browser client, protocol earshot.v1. An ES module without dependencies.
// Documentation: docs/api/client.md. Served by Earshot at /earshot.js.

/** Connection states, emitted as `state` events. */
export const State = Object.freeze({
  CONNECTING: "connecting",
  CONNECTED: "connected",
  RECONNECTING: "reconnecting",
  DISCONNECTED: "disconnected",
  POLLING: "polling",
});

/** An error the client reports: a stable `code`, a sentence for people, and technical `detail`. */
export class EarshotError extends Error {
  constructor(code, message, detail = "", extra = {}) {
    super(message);
    this.name = "EarshotError";
    this.code = code;
    this.detail = detail;
    Object.assign(this, extra);
  }
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * The server's addresses from a URL a user gives: `http(s)://host[:port][/context]` or
 * `ws(s)://host[:port][/context][/v1/stream]`. Plain `ws://`/`http://` only for this machine; anything else
 * must be `wss://`/`https://`. Throws EarshotError `invalid_url` or `insecure_url`, never anything else.
 */
export function serverUrls(input) {
  let u;
  try {
    u = new URL(String(input ?? "").trim());
  } catch (e) {
    throw new EarshotError("invalid_url", "The server address is not a valid URL.", String(input ?? ""));
  }
  const scheme = u.protocol.replace(":", "");
  if (!["http", "https", "ws", "wss"].includes(scheme)) {
    throw new EarshotError("invalid_url", "The server address must start with https://, wss://, http:// or ws://.",
      u.protocol);
  }
  const secure = scheme === "https" || scheme === "wss";
  if (!secure && !LOOPBACK.has(u.hostname)) {
    throw new EarshotError("insecure_url",
      "Use https:// or wss:// for a server on another machine: audio and credentials must be encrypted.", u.host);
  }
  if (u.username || u.password) {
    throw new EarshotError("invalid_url", "Put credentials in the token option, not in the URL.", u.host);
  }
  let path = u.pathname.replace(/\/+$/, "");
  path = path.replace(/\/v1\/stream$/, "");
  const http = `${secure ? "https" : "http"}://${u.host}${path}`;
  const ws = `${secure ? "wss" : "ws"}://${u.host}${path}`;
  return { http, stream: `${ws}/v1/stream`, jobEvents: (id) => `${ws}/v1/jobs/${encodeURIComponent(id)}/events` };
}

/** One binary audio frame (docs/api/streaming.md, section 6): chunks `firstSeq`, `firstSeq + 1`, ... */
export function audioFrame(firstSeq, chunks) {
  const size = 8 + chunks.reduce((n, c) => n + 4 + c.byteLength, 0);
  const buf = new ArrayBuffer(size);
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  view.setUint8(0, 0x01);
  view.setUint8(1, 0);
  view.setUint16(2, chunks.length);
  view.setUint32(4, firstSeq);
  let at = 8;
  for (const c of chunks) {
    view.setUint32(at, c.byteLength);
    bytes.set(c, at + 4);
    at += 4 + c.byteLength;
  }
  return buf;
}

/** Float32 samples (-1..1) to 16-bit little-endian PCM. */
export function toPcm16(float32) {
  const out = new DataView(new ArrayBuffer(float32.length * 2));
  for (let i = 0; i < float32.length; i++) {
    const s = Math.max(-1, Math.min(1, float32[i]));
    out.setInt16(i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Uint8Array(out.buffer);
}

const DEFAULTS = {
  transcribe: true,
  channels: 1,
  // Reconnection: at once, then 1, 2, 4, 8 s (each with up to 25 % jitter); 5 attempts, then reconnect() by hand.
  reconnectDelaysMs: [0, 1000, 2000, 4000, 8000],
  jitter: 0.25,
  // Connected this long without a drop: the attempt counter starts again.
  healthyMs: 15000,
  // The client's own ping, for the round-trip time; the server's heartbeats also prove the connection alive.
  pingIntervalMs: 10000,
  limits: {
    maxSessionMs: 4 * 3600 * 1000,
    maxChunkBytes: 64 * 1024,
    // Audio kept for a resume (not yet acknowledged): beyond it, new audio is refused with buffer_full.
    maxBufferedBytes: 8 * 1024 * 1024,
  },
  // When reconnection is exhausted: hand the session off to a job and upload the unacknowledged tail.
  fallbackToJob: true,
  jobPollWaitS: 25,
};

/**
 * One streaming session: connect, start, send chunks, get acks and events; survives dropped connections by
 * resuming with the unacknowledged chunks; hands off to a job when streaming cannot go on.
 *
 * Events (EventTarget, `detail` holds the data): `state` {state, attempt, delayMs}, `started`, `ack` {seq},
 * `transcript`, `mark`, `ended`, `flow`, `rtt` {ms}, `error` (an EarshotError), `exhausted`, `handoff` {job},
 * `job` {job, mode: "live"|"polling"}.
 */
export class EarshotSession extends EventTarget {
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options, limits: { ...DEFAULTS.limits, ...(options.limits || {}) } };
    this.urls = serverUrls(this.options.url);
    this.WebSocketImpl = this.options.WebSocket || globalThis.WebSocket;
    this.fetchImpl = this.options.fetch || globalThis.fetch.bind(globalThis);
    this.state = State.DISCONNECTED;
    this.sessionId = null;
    this.resumeToken = null;
    this.codec = null;
    this.window = 64;
    this.lastAckedSeq = 0;
    this.nextSeq = 1;
    this.lastEventSeq = 0;
    this.unacked = []; // {seq, bytes}, in order, not yet acknowledged
    this.unackedBytes = 0;
    this.sentSeq = 0; // highest seq sent on the current connection
    this.attempt = 0;
    this.ended = false;
    this.ending = false;
    this.rttMs = null;
    this.startedAt = null;
    this._ws = null;
    this._timers = new Set();
    this._startWaiters = [];
    this._endWaiters = [];
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _setState(state, extra = {}) {
    if (this.state === state && !extra.force) {
      return;
    }
    this.state = state;
    this._emit("state", { state, attempt: this.attempt, ...extra });
  }

  _later(fn, ms) {
    const t = setTimeout(() => {
      this._timers.delete(t);
      fn();
    }, ms);
    this._timers.add(t);
    return t;
  }

  _clearTimers() {
    for (const t of this._timers) {
      clearTimeout(t);
    }
    this._timers.clear();
    clearInterval(this._pinger);
  }

  async _token() {
    const t = this.options.token;
    return typeof t === "function" ? await t() : t || null;
  }

  /** Opens the connection and starts the session; resolves with `started`. */
  start() {
    if (this.sessionId || this._ws) {
      return Promise.reject(new EarshotError("already_started", "This session has started already."));
    }
    const p = new Promise((resolve, reject) => this._startWaiters.push({ resolve, reject }));
    this._connect(State.CONNECTING);
    return p;
  }

  /** The codecs to offer: Opus when the browser can encode it (WebCodecs), PCM always. */
  static async offerableCodecs(sampleRate = 48000, channels = 1) {
    const codecs = [];
    if (typeof AudioEncoder !== "undefined") {
      try {
        const s = await AudioEncoder.isConfigSupported({ codec: "opus", sampleRate, numberOfChannels: channels });
        if (s.supported) {
          codecs.push("opus");
        }
      } catch (e) {
        // not supported
      }
    }
    codecs.push("pcm_s16le");
    return codecs;
  }

  async _connect(state) {
    this._setState(state); // a reconnect's state event went out with its delay already
    let token;
    try {
      token = await this._token();
    } catch (e) {
      this._dropped(0, "token unavailable: " + e);
      return;
    }
    const protocols = ["earshot.v1"];
    if (token) {
      protocols.push("earshot.token." + token);
    }
    let ws;
    try {
      ws = new this.WebSocketImpl(this.urls.stream, protocols);
    } catch (e) {
      this._fail(new EarshotError("invalid_url", "The browser refused the server address.", String(e)));
      return;
    }
    this._ws = ws;
    ws.binaryType = "arraybuffer";
    this._lastHeard = Date.now();
    ws.onopen = () => this._opened(ws);
    ws.onmessage = (e) => this._message(ws, e);
    ws.onclose = (e) => {
      if (this._ws === ws) {
        this._dropped(e.code, e.reason);
      }
    };
    ws.onerror = () => {
      // onclose follows with the code
    };
  }

  _opened(ws) {
    const o = this.options;
    const start = { type: "start", transcribe: o.transcribe };
    if (this.sessionId) {
      start.resume = { session_id: this.sessionId, resume_token: this.resumeToken, last_event_seq: this.lastEventSeq };
    }
    start.codecs = o.codecs || ["pcm_s16le"];
    start.sample_rate = o.sampleRate || 16000;
    start.channels = o.channels;
    if (o.serverLimits) {
      start.limits = o.serverLimits;
    }
    ws.send(JSON.stringify(start));
  }

  _message(ws, e) {
    if (this._ws !== ws || typeof e.data !== "string") {
      return;
    }
    this._lastHeard = Date.now();
    let m;
    try {
      m = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (m.event_seq !== undefined) {
      // Session events: each once, whatever reconnects happened.
      if (m.event_seq <= this.lastEventSeq) {
        return;
      }
      this.lastEventSeq = m.event_seq;
    }
    switch (m.type) {
      case "started":
        return this._started(ws, m);
      case "ack":
        return this._acked(m.seq);
      case "pong":
        this.rttMs = Date.now() - m.ts;
        return this._emit("rtt", { ms: this.rttMs });
      case "heartbeat":
        return;
      case "going_away":
        this._retryAfterMs = m.retry_after_ms;
        this._acked(m.last_seq);
        return;
      case "error":
        return this._serverError(m);
      case "ended":
        this.ended = true;
        this._clearTimers(); // nothing more to ping, resume or reset: the server closes the connection next
        this._emit("ended", m);
        for (const w of this._endWaiters.splice(0)) {
          w.resolve(m);
        }
        return;
      default:
        return this._emit(m.type, m);
    }
  }

  _started(ws, m) {
    const resumed = !!this.sessionId;
    this.sessionId = m.session_id;
    if (m.resume_token) {
      this.resumeToken = m.resume_token;
    }
    this.codec = m.codec;
    this.window = m.window || this.window;
    this.heartbeatMs = m.heartbeat_interval_ms;
    this.startedAt = this.startedAt || Date.now();
    this._setState(State.CONNECTED);
    // Everything not acknowledged goes again, in order from last_acked_seq + 1: the server drops what it has.
    this.sentSeq = 0;
    this._endSent = false;
    this._holdUntil = 0;
    this._acked(m.last_acked_seq || 0);
    this._pump();
    clearInterval(this._pinger);
    this._pinger = setInterval(() => this._ping(ws), this.options.pingIntervalMs);
    this._ping(ws);
    this._later(() => {
      if (this._ws === ws && this.state === State.CONNECTED) {
        this.attempt = 0; // a healthy connection: the next drop starts counting again
      }
    }, this.options.healthyMs);
    this._emit("started", { ...m, resumed });
    for (const w of this._startWaiters.splice(0)) {
      w.resolve(m);
    }
  }

  _ping(ws) {
    if (this._ws !== ws || ws.readyState !== 1) {
      return;
    }
    // Two server heartbeat intervals without a word: the connection is dead, whatever the browser thinks.
    const silence = 2 * (this.heartbeatMs || 30000) + 5000;
    if (Date.now() - this._lastHeard > silence) {
      ws.close(4002, "heartbeat_timeout");
      this._dropped(1006, "no heartbeat");
      return;
    }
    ws.send(JSON.stringify({ type: "ping", ts: Date.now() }));
  }

  _acked(seq) {
    if (seq <= this.lastAckedSeq) {
      return;
    }
    this.lastAckedSeq = seq;
    while (this.unacked.length && this.unacked[0].seq <= seq) {
      this.unackedBytes -= this.unacked.shift().bytes.byteLength;
    }
    this._emit("ack", { seq });
    this._pump();
  }

  _serverError(m) {
    const err = new EarshotError(m.code, m.message, m.detail, {
      retryable: m.retryable, fatal: m.fatal, seq: m.seq, retryAfterMs: m.retry_after_ms,
    });
    if (m.code === "resume_rejected") {
      // The server no longer has the session: streaming cannot go on; hand it off instead.
      this._exhausted(err);
      return;
    }
    if (m.retry_after_ms) {
      this._retryAfterMs = m.retry_after_ms;
    }
    if (!this.sessionId && (!m.fatal || !m.retryable)) {
      // The start itself was refused for good (a codec, a format, the protocol): retrying cannot help.
      this._fail(err);
      return;
    }
    // A frame refused without being stored: everything from the chunk the server names goes again, after its
    // wait (rate_limited), or as acks make room (window_exceeded), or at once (out_of_order).
    const from = m.code === "out_of_order" ? m.expected_seq
      : m.code === "window_exceeded" ? (m.last_acked_seq ?? -1) + 1
        : m.code === "rate_limited" && this.sessionId ? m.seq : 0;
    if (from > 0) {
      this.sentSeq = Math.max(this.lastAckedSeq, Math.min(this.sentSeq, from - 1));
      if (m.retry_after_ms > 0) {
        this._holdUntil = Date.now() + m.retry_after_ms;
        this._later(() => this._pump(), m.retry_after_ms);
      } else {
        this._pump();
      }
    }
    // Otherwise the session goes on, or the connection closes and the client comes back after the wait.
    this._emit("error", err);
  }

  /**
   * Queues one chunk (a Uint8Array: PCM s16le samples or one Opus packet) and sends it when the credit window
   * allows. Returns its sequence number. Throws EarshotError when a client-side limit refuses it.
   */
  send(chunk) {
    const L = this.options.limits;
    if (this.ended || this.ending) {
      throw new EarshotError("session_ended", "The session has ended; no more audio is taken.");
    }
    if (!(chunk instanceof Uint8Array) || chunk.byteLength === 0) {
      throw new EarshotError("bad_chunk", "A chunk must be a non-empty Uint8Array.");
    }
    if (chunk.byteLength > L.maxChunkBytes) {
      throw new EarshotError("chunk_too_large", `A chunk may hold at most ${L.maxChunkBytes} bytes.`,
        `${chunk.byteLength} bytes`);
    }
    if (this.startedAt && Date.now() - this.startedAt > L.maxSessionMs) {
      throw new EarshotError("max_duration_reached", "The session reached its longest allowed duration.",
        `limits.maxSessionMs=${L.maxSessionMs}`);
    }
    if (this.unackedBytes + chunk.byteLength > L.maxBufferedBytes) {
      throw new EarshotError("buffer_full",
        "Too much audio is waiting for the server; recording pauses until it catches up.",
        `limits.maxBufferedBytes=${L.maxBufferedBytes}`);
    }
    const seq = this.nextSeq++;
    this.unacked.push({ seq, bytes: chunk });
    this.unackedBytes += chunk.byteLength;
    this._pump();
    return seq;
  }

  _pump() {
    const ws = this._ws;
    if (!ws || ws.readyState !== 1 || this.state !== State.CONNECTED || this.ended
      || (this._holdUntil && Date.now() < this._holdUntil)) {
      return;
    }
    const pending = this.unacked.filter((c) => c.seq > this.sentSeq && c.seq <= this.lastAckedSeq + this.window);
    for (let i = 0; i < pending.length; i += 25) {
      const group = pending.slice(i, i + 25);
      ws.send(audioFrame(group[0].seq, group.map((c) => c.bytes)));
      this.sentSeq = group[group.length - 1].seq;
    }
    // `end` goes out once every chunk is stored (acknowledged): the server ends with everything, even when it
    // refused a frame that must go again.
    if (this.ending && !this.ended && !this._endSent && this.lastAckedSeq >= this.nextSeq - 1) {
      this._endSent = true;
      ws.send(JSON.stringify({ type: "end" }));
    }
  }

  /** Ends the session once everything sent is stored; resolves with `ended`. */
  end() {
    const p = new Promise((resolve, reject) => this._endWaiters.push({ resolve, reject }));
    this.ending = true;
    this._pump(); // sends end once every chunk is stored
    return p;
  }

  /** A connection is gone: resume, after the backoff, unless the session is over. */
  _dropped(code, reason) {
    const ws = this._ws;
    this._ws = null;
    clearInterval(this._pinger);
    if (ws && ws.readyState <= 1) {
      try {
        ws.close();
      } catch (e) {
        // closed already
      }
    }
    if (this.ended) {
      this._setState(State.DISCONNECTED);
      return;
    }
    if (code === 1008) {
      this._fail(new EarshotError("unauthorized", "The server refused the credentials; get a new token.",
        reason || "close 1008"));
      return;
    }
    if (code === 4003) {
      this._fail(new EarshotError("session_taken_over", "The session was resumed elsewhere.", reason));
      return;
    }
    const delays = this.options.reconnectDelaysMs;
    if (this.attempt >= delays.length) {
      this._exhausted(new EarshotError("reconnect_exhausted",
        "The connection to the server was lost and could not be restored.", `close ${code} ${reason || ""}`.trim()));
      return;
    }
    let delay = delays[this.attempt];
    delay = Math.max(delay, this._retryAfterMs || 0);
    this._retryAfterMs = 0;
    delay = Math.round(delay * (1 + this.options.jitter * Math.random()));
    this.attempt++;
    this._setState(State.RECONNECTING, { force: true, delayMs: delay });
    this._later(() => this._connect(State.RECONNECTING), delay);
  }

  _fail(err) {
    this._clearTimers();
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      try {
        ws.close();
      } catch (e) {
        // gone already
      }
    }
    this._setState(State.DISCONNECTED);
    this._emit("error", err);
    for (const w of this._startWaiters.splice(0).concat(this._endWaiters.splice(0))) {
      w.reject(err);
    }
  }

  _exhausted(err) {
    this._clearTimers();
    if (this._ws) {
      const ws = this._ws;
      this._ws = null;
      try {
        ws.close();
      } catch (e) {
        // gone already
      }
    }
    this._setState(State.DISCONNECTED);
    this._emit("exhausted", err);
    this._emit("error", err);
    if (this.options.fallbackToJob && this.sessionId) {
      this.handOff().catch((e) => this._emit("error", e));
    } else {
      for (const w of this._startWaiters.splice(0)) {
        w.reject(err);
      }
    }
  }

  /** Reconnects by hand (after `exhausted`): the attempt counter starts again. */
  reconnect() {
    if (this.ended || this._ws) {
      return;
    }
    this.attempt = 0;
    this._connect(this.sessionId ? State.RECONNECTING : State.CONNECTING);
  }

  /** Closes the connection without ending the session (it waits for a resume on the server). */
  disconnect() {
    this._clearTimers();
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      ws.close(1000, "client disconnect");
    }
    this._setState(State.DISCONNECTED);
  }

  async _headers(extra = {}) {
    const token = await this._token();
    return token ? { Authorization: "Bearer " + token, ...extra } : extra;
  }

  /**
   * Streaming cannot go on: the audio the server stored becomes a job, and only the chunks it never
   * acknowledged are uploaded (docs/api/streaming.md, section 19). Then the job is followed. Resolves with the
   * final job record.
   */
  async handOff() {
    if (!this.sessionId) {
      throw new EarshotError("not_started", "There is no session to hand off.");
    }
    this.ending = true; // no more audio: the tail is what is unacknowledged now
    const r = await this.fetchImpl(`${this.urls.http}/v1/sessions/${encodeURIComponent(this.sessionId)}/job?tail=true`,
      { method: "POST", headers: await this._headers({ "Earshot-Session-Token": this.resumeToken }) });
    const job = await jsonOrThrow(r);
    this._emit("handoff", { job });
    const from = job.next_seq || this.lastAckedSeq + 1;
    const tail = this.unacked.filter((c) => c.seq >= from);
    const parts = [];
    for (let i = 0; i < tail.length; i += 50) {
      const group = tail.slice(i, i + 50);
      const frame = new Uint8Array(audioFrame(group[0].seq, group.map((c) => c.bytes)));
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, frame.byteLength);
      parts.push(len, frame);
    }
    const t = await this.fetchImpl(`${this.urls.http}/v1/jobs/${encodeURIComponent(job.id)}/tail`, {
      method: "POST", headers: await this._headers({ "Content-Type": "application/octet-stream" }),
      body: new Blob(parts),
    });
    await jsonOrThrow(t);
    this.ended = true;
    for (const w of this._endWaiters.splice(0)) {
      w.resolve({ type: "ended", reason: "handed_off", transcription: "handed_off", job_id: job.id });
    }
    return followJob(job.id, { urls: this.urls, token: this.options.token, fetch: this.fetchImpl,
      WebSocket: this.WebSocketImpl, target: this, waitS: this.options.jobPollWaitS });
  }
}

async function jsonOrThrow(r) {
  let body = null;
  try {
    body = await r.json();
  } catch (e) {
    // no JSON body
  }
  if (!r.ok) {
    throw new EarshotError(body?.code || "http_" + r.status, body?.message || `The server answered ${r.status}.`,
      `HTTP ${r.status}`);
  }
  return body;
}

const FINAL = new Set(["complete", "failed", "cancelled"]);

/**
 * Follows a job to its end: live over the WebSocket `/v1/jobs/{id}/events`, subscribing again with `after` when
 * an open subscription drops (at once, then after 1, 2, 4 s; at most `resubscribes` times); by long-polling
 * `GET /v1/jobs/{id}?wait=` when the WebSocket cannot connect, or the re-subscriptions are used up. Emits `job`
 * {job, mode} and `state` (`polling` while polling) on `target`; resolves with the final record.
 */
export async function followJob(id, { urls, url, token, fetch: fetchImpl, WebSocket: WS, target, waitS = 25,
  preferPolling = false, resubscribes = 4 } = {}) {
  urls = urls || serverUrls(url);
  fetchImpl = fetchImpl || globalThis.fetch.bind(globalThis);
  WS = WS || globalThis.WebSocket;
  target = target || new EventTarget();
  const getToken = async () => (typeof token === "function" ? await token() : token || null);
  const emit = (type, detail) => target.dispatchEvent(new CustomEvent(type, { detail }));
  let last = null;

  // Resolves with "final", "dropped" (an open subscription closed before the final record) or "failed".
  const live = () => new Promise((resolve) => {
    if (preferPolling || !WS) {
      resolve("failed");
      return;
    }
    getToken().then((t) => {
      let ws;
      try {
        ws = new WS(urls.jobEvents(id) + (last ? `?after=${last.event_id}` : ""),
          t ? ["earshot.jobs.v1", "earshot.token." + t] : ["earshot.jobs.v1"]);
      } catch (e) {
        resolve("failed");
        return;
      }
      let opened = false;
      ws.onopen = () => {
        opened = true;
      };
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === "job" && (!last || m.job.event_id > last.event_id)) {
          last = m.job;
          emit("job", { job: last, mode: "live" });
        } else if (m.type === "ping") {
          ws.send(JSON.stringify({ type: "pong" }));
        }
      };
      ws.onclose = (e) => {
        if (last && FINAL.has(last.stage)) {
          resolve("final");
        } else {
          // 1000 without a final record here, 1008, 1013, 4xxx: polling answers (or reports the error).
          resolve(opened && (e.code === 1001 || e.code === 1006) ? "dropped" : "failed");
        }
      };
    }, () => resolve("failed"));
  });

  for (let drops = 0; ; drops++) {
    const outcome = await live();
    if (outcome === "final") {
      return last;
    }
    if (outcome === "failed" || drops >= resubscribes) {
      break;
    }
    await new Promise((res) => setTimeout(res, drops === 0 ? 0 : 1000 * 2 ** (drops - 1)));
  }
  // WebSocket blocked or broken: poll, with the mode visible.
  emit("state", { state: State.POLLING, mode: "polling" });
  for (;;) {
    const headers = { ...(last ? { "If-None-Match": `"${id}.${last.event_id}"` } : {}) };
    const t = await getToken();
    if (t) {
      headers.Authorization = "Bearer " + t;
    }
    let r;
    try {
      r = await fetchImpl(`${urls.http}/v1/jobs/${encodeURIComponent(id)}?wait=${waitS}`, { headers });
    } catch (e) {
      await new Promise((res) => setTimeout(res, 2000));
      continue;
    }
    if (r.status === 304) {
      continue;
    }
    const job = await jsonOrThrow(r);
    if (!last || job.event_id > last.event_id) {
      last = job;
      emit("job", { job, mode: "polling" });
    }
    if (FINAL.has(job.stage)) {
      return job;
    }
  }
}

/**
 * Captures a microphone (or any MediaStream) and feeds a session: Opus packets from WebCodecs' AudioEncoder
 * when the session negotiated `opus`, 16-bit PCM otherwise, 20 ms per chunk, from an AudioWorklet.
 */
export class Recorder {
  constructor(session, stream, { context } = {}) {
    this.session = session;
    this.stream = stream;
    this.context = context || new AudioContext();
    this.encoder = null;
    this.onError = (e) => session.dispatchEvent(new CustomEvent("error", { detail: e }));
  }

  /** The AudioContext's rate: what the session should declare in `start`. */
  get sampleRate() {
    return this.context.sampleRate;
  }

  async start() {
    const worklet = `class Tap extends AudioWorkletProcessor {
      process(inputs) { const c = inputs[0] && inputs[0][0]; if (c) this.port.postMessage(c.slice(0)); return true; }
    }
    registerProcessor("earshot-tap", Tap);`;
    const url = URL.createObjectURL(new Blob([worklet], { type: "application/javascript" }));
    await this.context.audioWorklet.addModule(url);
    URL.revokeObjectURL(url);
    this.source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, "earshot-tap");
    const rate = this.context.sampleRate;
    const perChunk = Math.round(rate / 50); // 20 ms
    let pending = new Float32Array(0);
    let timestamp = 0;
    if (this.session.codec && this.session.codec.name === "opus") {
      this.encoder = new AudioEncoder({
        output: (packet) => {
          const bytes = new Uint8Array(packet.byteLength);
          packet.copyTo(bytes);
          this._send(bytes);
        },
        error: (e) => this.onError(new EarshotError("encoder_failed", "The Opus encoder failed.", String(e))),
      });
      this.encoder.configure({ codec: "opus", sampleRate: rate, numberOfChannels: 1, bitrate: 32000 });
    }
    this.node.port.onmessage = (e) => {
      const joined = new Float32Array(pending.length + e.data.length);
      joined.set(pending);
      joined.set(e.data, pending.length);
      let at = 0;
      for (; at + perChunk <= joined.length; at += perChunk) {
        const frame = joined.subarray(at, at + perChunk);
        if (this.encoder) {
          this.encoder.encode(new AudioData({ format: "f32", sampleRate: rate, numberOfFrames: perChunk,
            numberOfChannels: 1, timestamp, data: frame.slice(0) }));
          timestamp += Math.round(perChunk * 1e6 / rate);
        } else {
          this._send(toPcm16(frame));
        }
      }
      pending = joined.slice(at);
    };
    this.source.connect(this.node);
  }

  _send(bytes) {
    if (this.session.ending || this.session.ended) {
      return; // the session takes no more audio (ended, or handed off to a job): nothing to report
    }
    try {
      this.session.send(bytes);
    } catch (e) {
      this.onError(e);
    }
  }

  async stop() {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    if (this.source) {
      this.source.disconnect();
    }
    if (this.node) {
      this.node.port.onmessage = null;
    }
    if (this.encoder && this.encoder.state === "configured") {
      await this.encoder.flush();
      this.encoder.close();
    }
    for (const t of this.stream.getTracks ? this.stream.getTracks() : []) {
      t.stop();
    }
  }
}

/**
 * Uploads a file as a job with progress (XMLHttpRequest: fetch reports no upload progress); resolves with the
 * job record. `onProgress(fraction)`.
 */
export function uploadFile(file, { url, token, align = true, diarize = true, onProgress } = {}) {
  const urls = serverUrls(url);
  return new Promise((resolve, reject) => {
    Promise.resolve(typeof token === "function" ? token() : token).then((t) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${urls.http}/v1/jobs?align=${align}&diarize=${diarize}&filename=`
        + encodeURIComponent(file.name || "recording"));
      if (t) {
        xhr.setRequestHeader("Authorization", "Bearer " + t);
      }
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      xhr.upload.onprogress = (e) => onProgress && e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          // not JSON
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(body);
        } else {
          reject(new EarshotError(body?.code || "http_" + xhr.status, body?.message || "The upload failed.",
            `HTTP ${xhr.status}`));
        }
      };
      xhr.onerror = () => reject(new EarshotError("network_error", "The upload could not reach the server."));
      xhr.send(file);
    }, reject);
  });
}
