// Preloaded into the peer (@portkey-ai/gateway) with `node --import`:
// 1. Loopback only: its server calls listen(port) without a host (all interfaces); force 127.0.0.1.
// 2. Streaming shim (only when BENCH_PEER_STREAM_SHIM=1): Portkey 1.15.2 wraps the upstream fetch
//    Response as `new Response(stream, upstreamResponse)`; @hono/node-server's lightweight Response then
//    reuses the upstream's *immutable* Headers, and Portkey's headers.append() throws
//    "TypeError: immutable" → every stream request fails with 500 {"status":"failure","message":
//    "Something went wrong"}. Known upstream: Portkey-AI/gateway issues #1389 (@hono/node-server > 1.14.2)
//    and #1550; it is the @hono/node-server version (1.19.19 here), not Node 20 as such.
//    For text/event-stream responses only, hand Portkey a copy with mutable headers; non-stream
//    responses are untouched.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || /^\d+$/.test(String(args[0]))) {
    if (args.length >= 2 && (args[1] === undefined || typeof args[1] === 'string')) args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

if (process.env.BENCH_PEER_STREAM_SHIM === '1') {
  const NativeResponse = globalThis.Response;
  const nativeFetch = globalThis.fetch;
  globalThis.fetch = async function (...a) {
    const r = await nativeFetch.apply(this, a);
    if (!(r.headers.get('content-type') || '').startsWith('text/event-stream')) return r;
    return new NativeResponse(r.body, { status: r.status, statusText: r.statusText, headers: new Headers(r.headers) });
  };
}
