// A loopback HTTP proxy in front of a stand-in that holds the GETs of one
// path until release(): a test then knows the server is reading that object
// when it kills it.
//
//   const proxy = await startHoldingProxy('http://127.0.0.1:4568');
//   const reached = proxy.hold('/bucket/key');  // resolves when a GET of it arrives
//   ... proxy.release();                        // held GETs go on (those of a killed client are dropped)
import http from 'node:http';

export async function startHoldingProxy(target) {
  const state = { held: null, waiting: [], onReach: null };
  const server = http.createServer((req, res) => {
    const forward = () => {
      const up = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (state.held && req.method === 'GET' && req.url.split('?')[0] === state.held) {
      state.waiting.push({ req, forward });
      state.onReach?.();
      return;
    }
    forward();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Holds the next GETs of `path`; resolves when one arrives. */
    hold(path) {
      state.held = path;
      return new Promise((resolve) => { state.onReach = resolve; });
    },
    /** Lets held requests through; those whose client is gone (killed) are dropped. */
    release() {
      state.held = null;
      state.onReach = null;
      for (const w of state.waiting.splice(0)) if (!w.req.socket.destroyed) w.forward();
    },
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
