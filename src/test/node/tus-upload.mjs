// Uploads a file to a tus 1.0.0 endpoint with tus-js-client's Node API, unmodified, for the integration tests.
//
//   node tus-upload.mjs <endpoint> <file> [chunkSizeBytes] [stopAfterBytes]
//
// endpoint        the creation URL, e.g. http://127.0.0.1:8080/v1/uploads
// chunkSizeBytes  bytes per PATCH (default: the whole rest of the file in one PATCH)
// stopAfterBytes  abort the upload once the server has acknowledged at least this many bytes, then resume it
//                 with a new tus.Upload given the first one's URL (uploadUrl): a HEAD, then PATCHes from the
//                 offset the server reports (the resumed upload must keep that URL)
//
// On success prints one JSON line {"url", "bytes", "resumed", "chunks"} and exits 0; on error prints
// {"error": "..."} and exits 1; after 120 s prints {"error": "..."} and exits 2.

import fs from 'node:fs';
import path from 'node:path';
import tus from 'tus-js-client';

const TIMEOUT_MS = 120_000;
const progress = { sent: 0, acknowledged: 0, total: null };

function finish(code, result) {
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(code));
}

function count(name, value) {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`${name} must be a whole number of bytes, 1 or more: ${value}`);
  }
  return n;
}

async function main(args) {
  const [endpoint, file, chunkArg, stopArg] = args;
  if (!endpoint || !file) {
    throw new Error('usage: node tus-upload.mjs <endpoint> <file> [chunkSizeBytes] [stopAfterBytes]');
  }
  const chunkSize = count('chunkSizeBytes', chunkArg) ?? Number.POSITIVE_INFINITY;
  return run(endpoint, file, chunkSize, count('stopAfterBytes', stopArg));
}

setTimeout(() => finish(2, {
  error: `no result after ${TIMEOUT_MS / 1000} s (${progress.sent} of ${progress.total} bytes sent, `
    + `${progress.acknowledged} acknowledged)`,
}), TIMEOUT_MS);
main(process.argv.slice(2)).then(
  (result) => finish(0, result),
  (err) => finish(1, { error: String(err?.message ?? err) }),
);

async function run(endpoint, file, chunkSize, stopAfter) {
  const size = (await fs.promises.stat(file)).size;
  if (stopAfter !== undefined && stopAfter >= size) {
    throw new Error(`stopAfterBytes (${stopAfter}) must be less than the file's size (${size}) to resume`);
  }
  progress.total = size;
  const counts = { chunks: 0, heads: [] };

  const first = await upload(endpoint, file, size, chunkSize, counts, { stopAfter });
  if (first.done) {
    return { url: first.url, bytes: size, resumed: false, chunks: counts.chunks };
  }
  if (!first.url) {
    throw new Error('the upload was stopped before the server gave it a URL');
  }
  const second = await upload(endpoint, file, size, chunkSize, counts, { uploadUrl: first.url });
  if (second.url !== first.url) {
    throw new Error(`the resumed upload went to ${second.url}, not ${first.url}: the HEAD was answered `
      + `${JSON.stringify(counts.heads)}`);
  }
  const head = counts.heads.find((h) => h.status === 200);
  if (!head || !(head.offset >= first.acknowledged)) {
    throw new Error(`the resume did not start from the acknowledged offset ${first.acknowledged}: HEAD answered `
      + `${JSON.stringify(counts.heads)}`);
  }
  return { url: second.url, bytes: size, resumed: true, chunks: counts.chunks };
}

/**
 * One tus.Upload to its end, or until stopAfter bytes are acknowledged (then aborted). Resolves with
 * {url, done, acknowledged}; rejects on the upload's error.
 */
function upload(endpoint, file, size, chunkSize, counts, { stopAfter, uploadUrl }) {
  return new Promise((resolve, reject) => {
    let acknowledged = 0;
    let stopped = false;
    const u = new tus.Upload(fs.createReadStream(file), {
      // resuming without an endpoint: a URL the server no longer knows is an error, not a new upload
      endpoint: uploadUrl ? undefined : endpoint,
      uploadUrl,
      chunkSize,
      uploadSize: size,
      metadata: { filename: path.basename(file), filetype: 'audio/wav' },
      retryDelays: [0, 500, 1000],
      storeFingerprintForResuming: false,
      onAfterResponse(req, res) {
        if (req.getMethod() === 'HEAD') {
          counts.heads.push({ status: res.getStatus(), offset: Number(res.getHeader('Upload-Offset')) });
        }
      },
      onProgress(bytesSent) {
        progress.sent = bytesSent;
      },
      onChunkComplete(_chunk, bytesAccepted) {
        counts.chunks++;
        acknowledged = bytesAccepted;
        progress.acknowledged = bytesAccepted;
        if (stopAfter !== undefined && !stopped && bytesAccepted >= stopAfter && bytesAccepted < size) {
          stopped = true;
          u.abort().then(
            () => resolve({ url: u.url, done: false, acknowledged }),
            (err) => reject(err),
          );
        }
      },
      onSuccess() {
        resolve({ url: u.url, done: true, acknowledged: size });
      },
      onError(err) {
        reject(err);
      },
    });
    u.start();
  });
}
