/**
 * The cheapest bridge that still exercises every carrier path, for measuring the carrier side alone
 * (bench/carrier-bridge.ts --bridge null): it accepts media streams on PORT and, per call, every 3 s
 * sends 1 s of μ-law tone as five 200 ms media messages, each followed by a mark. No upstream.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 5051);
// 200 ms of a 300 Hz tone, μ-law (a table-free encoder: sign, exponent, mantissa, inverted).
function mulaw(s) {
  const sign = s < 0 ? 0x80 : 0;
  let m = Math.min(32635, Math.abs(s)) + 132;
  let e = 7;
  for (let mask = 0x4000; (m & mask) === 0 && e > 0; e--, mask >>= 1);
  return ~(sign | (e << 4) | ((m >> (e + 3)) & 0x0f)) & 0xff;
}
const chunk = Buffer.from(Array.from({ length: 1600 }, (_, i) => mulaw(Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 8000))))).toString('base64');
const http = createServer((_q, r) => r.writeHead(404).end());
const wss = new WebSocketServer({ server: http, path: '/media-stream', perMessageDeflate: false });
wss.on('connection', (ws) => {
  let sid = null;
  let n = 0;
  const timer = setInterval(() => {
    if (sid === null) return;
    for (let k = 0; k < 5; k++) {
      ws.send(`{"event":"media","streamSid":"${sid}","media":{"payload":"${chunk}"}}`);
      ws.send(`{"event":"mark","streamSid":"${sid}","mark":{"name":"m${++n}"}}`);
    }
  }, 3000);
  ws.on('message', (d) => {
    if (sid === null) {
      const m = JSON.parse(d.toString());
      if (m.event === 'start') sid = m.streamSid;
    }
  });
  ws.on('close', () => clearInterval(timer));
});
http.listen(port, '127.0.0.1', () => console.log(`null bridge listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
