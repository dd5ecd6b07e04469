// Runs inside the test host's network namespace (netns-server.mjs): a client from another
// machine, as far as the containers can tell. On 10.203.0.2:8080 it takes one line per
// connection, `tcp PORT` (an HTTP GET of http://10.203.0.1:PORT/) or `udp PORT TEXT` (one
// datagram to 10.203.0.1:PORT), and answers with what came back, or `error: ...`.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const HOST = '10.203.0.1';

function probeUdp(port, text) {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answer) => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done('error: no reply'), 3000);
    socket.on('message', (m) => done(m.toString()));
    socket.send(text, port, HOST);
  });
}

async function probe(line) {
  const [kind, port, text] = line.trim().split(' ');
  if (kind === 'tcp') return (await fetch(`http://${HOST}:${port}/`, { signal: AbortSignal.timeout(3000) })).text();
  if (kind === 'udp') return probeUdp(Number(port), text ?? 'ping');
  return `error: unknown request ${line}`;
}

createServer((conn) => {
  let line = '';
  conn.setEncoding('utf8');
  conn.on('data', (chunk) => {
    line += chunk;
    if (!line.includes('\n')) return;
    probe(line).then((answer) => conn.end(answer), (err) => conn.end(`error: ${err.message}`));
  });
  conn.on('error', () => {});
}).listen(8080, '10.203.0.2');
