// "floor+json": bench/passthrough.js plus JSON.parse + JSON.stringify of the request body and of the
// response body (a whole JSON body; each `data:` event of an SSE stream) — the least a gateway that
// reads the model and the usage has to do. Same transport as the floor, so the difference is the JSON.
// Usage: node bench/passthrough-json.js <port> <upstreamOrigin>
import http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Pool } from 'undici';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer', 'content-length']);
const strip = (h) => { const o = {}; for (const k in h) if (!HOP.has(k)) o[k] = h[k]; return o; };
const pool = new Pool(process.argv[3], { connections: null, keepAliveTimeout: 60_000 });
const reJson = (text) => { try { return JSON.stringify(JSON.parse(text)); } catch { return text; } };

/** Re-serialises each complete `data: {…}` event; returns [output, unparsed rest]. */
function sse(buf) {
  let out = '', i;
  while ((i = buf.indexOf('\n\n')) !== -1) {
    const ev = buf.slice(0, i);
    buf = buf.slice(i + 2);
    out += (ev.startsWith('data: {') ? 'data: ' + reJson(ev.slice(6)) : ev) + '\n\n';
  }
  return [out, buf];
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const bufs = [];
  req.on('data', (b) => bufs.push(b)).on('end', () => {
    const body = bufs.length ? reJson(Buffer.concat(bufs).toString()) : null;
    let abort = null, done = false, stream = false, status = 0, h = null, text = '';
    const dec = new StringDecoder('utf8');
    res.on('close', () => { if (!done) abort?.(); });
    pool.dispatch({ method: req.method, path: req.url, headers: strip(req.headers), body }, {
      onConnect(a) { abort = a; },
      onHeaders(s, raw, resume) {
        status = s; h = {};
        for (let i = 0; i < raw.length; i += 2) { const k = raw[i].toString('latin1').toLowerCase(); if (!HOP.has(k)) h[k] = raw[i + 1].toString('latin1'); }
        stream = String(h['content-type']).startsWith('text/event-stream');
        if (stream) { res.writeHead(status, h); res.on('drain', resume); }
        return true;
      },
      onData(chunk) {
        text += dec.write(chunk);
        if (!stream) return true;
        const [out, rest] = sse(text);
        text = rest;
        return out ? res.write(out) : true;
      },
      onComplete() {
        done = true;
        text += dec.end();
        if (stream) { res.end(text); return; }
        const out = String(h['content-type']).includes('json') ? reJson(text) : text;
        h['content-length'] = Buffer.byteLength(out);
        res.writeHead(status, h).end(out);
      },
      onError() { done = true; if (!res.headersSent) res.writeHead(502); res.end(); },
    });
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
