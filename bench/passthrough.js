// The floor: a bare Node.js reverse proxy. node:http in, undici Pool out (its low-level dispatch API),
// bytes forwarded unparsed: the request body is collected and sent as is, response chunks are written
// to the client as they arrive (so SSE streams through), with backpressure and client-abort handling.
// (Streaming the request into pool.request() and pipeline()-ing the response costs ~2× the CPU here.)
// Usage: node bench/passthrough.js <port> <upstreamOrigin>
import http from 'node:http';
import { Pool } from 'undici';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer']);
const strip = (h) => { const o = {}; for (const k in h) if (!HOP.has(k)) o[k] = h[k]; return o; };
const pool = new Pool(process.argv[3], { connections: null, keepAliveTimeout: 60_000 });

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const bufs = [];
  req.on('data', (b) => bufs.push(b)).on('end', () => {
    let abort = null, done = false;
    res.on('close', () => { if (!done) abort?.(); });
    pool.dispatch({ method: req.method, path: req.url, headers: strip(req.headers), body: bufs.length ? Buffer.concat(bufs) : null }, {
      onConnect(a) { abort = a; },
      onHeaders(status, raw, resume) {
        const h = {};
        for (let i = 0; i < raw.length; i += 2) { const k = raw[i].toString('latin1').toLowerCase(); if (!HOP.has(k)) h[k] = raw[i + 1].toString('latin1'); }
        res.writeHead(status, h);
        res.on('drain', resume);
        return true;
      },
      onData: (chunk) => res.write(chunk),
      onComplete() { done = true; res.end(); },
      onError() { done = true; if (!res.headersSent) res.writeHead(502); res.end(); },
    });
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
