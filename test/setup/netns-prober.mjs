// Runs inside the test host's network namespace (netns-server.mjs): a client from another
// machine, as far as the containers can tell. On 10.203.0.2:8080 it takes one line per
// connection, `tcp PORT` (an HTTP GET of http://10.203.0.1:PORT/) or `udp PORT TEXT` (one
// datagram to 10.203.0.1:PORT), and answers with what came back, or `error: ...`.
// It is also a DNS server on 10.203.0.2:53 (UDP) that knows one zone: every name under
// nook.test is 10.203.0.2, anything else does not exist.
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

/** The answer to one DNS query (RFC 1035): an A record for names under nook.test. */
function dnsAnswer(query) {
  if (query.length < 12) return undefined;
  let at = 12;
  const labels = [];
  while (at < query.length && query[at] !== 0) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]).toString('latin1'));
    at += query[at] + 1;
  }
  const question = query.subarray(12, at + 5); // the name, its 0, type and class
  const type = query.readUInt16BE(at + 1);
  const known = labels.slice(-2).join('.').toLowerCase() === 'nook.test';
  const answers = known && type === 1 ? 1 : 0;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the id
  header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2); // a response, recursion available, NXDOMAIN if unknown
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers, 6);
  const record = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 203, 0, 2]);
  return Buffer.concat([header, question, ...(answers ? [record] : [])]);
}

const dns = createSocket('udp4');
dns.on('message', (query, from) => {
  const answer = dnsAnswer(query);
  if (answer) dns.send(answer, from.port, from.address);
});
dns.bind(53, '10.203.0.2');
