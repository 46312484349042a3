// A flood of token requests with made-up client ids from one source address, at a fixed rate with
// a cap on requests in flight. Run as its own process so that its work does not share the event loop
// of the server under test. Prints "started" at its first answer. Commands on stdin: "pause" (answers
// "paused" once nothing it sent is still in flight), "resume", "stop" (prints its counts as JSON).
//   tsx test/engage-scim/token-flooder.ts <tokenUrl> <localAddress> <requestsPerSecond> <maxInFlight>
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';

const [url = '', localAddress = '127.0.0.2', rate = '400', cap = '64'] = process.argv.slice(2);
const maxInFlight = Number(cap);
const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
const statuses: Record<string, number> = {};
let inFlight = 0;
let sent = 0;
let skipped = 0;
let started = false;
let paused = false;
let pauseAnswered = true;

function settled() {
  inFlight--;
  if (paused && !pauseAnswered && inFlight === 0) {
    pauseAnswered = true;
    console.log('paused');
  }
}

function fire() {
  if (inFlight >= maxInFlight) {
    skipped++;
    return;
  }
  inFlight++;
  sent++;
  const body = new URLSearchParams({
    scimClientId: `scim_${randomBytes(9).toString('base64url')}`,
    scimClientSecret: randomBytes(32).toString('base64url'),
    grantType: 'password',
  }).toString();
  const req = request(
    url,
    { method: 'POST', agent, localAddress, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
    (res) => {
      res.resume();
      res.on('end', () => {
        const s = String(res.statusCode);
        statuses[s] = (statuses[s] ?? 0) + 1;
        if (!started) {
          started = true;
          console.log('started');
        }
        settled();
      });
    },
  );
  req.on('error', () => {
    statuses.error = (statuses.error ?? 0) + 1;
    settled();
  });
  req.end(body);
}

const tickMs = 5;
let credit = 0;
setInterval(() => {
  if (paused) return;
  credit += (Number(rate) * tickMs) / 1000;
  for (; credit >= 1; credit--) fire();
}, tickMs);

createInterface({ input: process.stdin }).on('line', (command) => {
  if (command === 'pause') {
    paused = true;
    credit = 0;
    pauseAnswered = inFlight === 0;
    if (pauseAnswered) console.log('paused');
  } else if (command === 'resume') {
    paused = false;
    console.log('resumed');
  } else if (command === 'stop') {
    console.log(JSON.stringify({ sent, skipped, statuses }));
    process.exit(0);
  }
});
