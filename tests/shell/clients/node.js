// node.js tcp|udp HOST PORT - node's own clients, for tests/shell/clients.sh: net.connect, or one
// datagram with dgram's send.  node.js http|fetch URL - one GET with the http module or fetch
// (tests/shell/names.sh).  node.js resolve HOST PORT - dns.resolve4 (c-ares: node's own DNS
// messages, no libc lookup), then net.connect to the first answer (tests/shell/relay.sh).
// Prints "ok" and exits 0, or prints node's error and exits 1.
'use strict';
const [mode, host, port] = process.argv.slice(2);
const fail = (e) => {
	const why = e.cause || e; // fetch's "fetch failed" says why in its cause
	console.error(`node: ${why.code} ${why.message}`);
	process.exit(1);
};
if (mode === 'tcp') {
	const s = require('net').connect(Number(port), host);
	s.on('connect', () => { console.log('ok'); s.destroy(); });
	s.on('error', fail);
} else if (mode === 'udp') {
	const s = require('dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
	s.send('x', Number(port), host, (e) => { if (e) fail(e); console.log('ok'); s.close(); });
} else if (mode === 'http') {
	const req = require('http').get(host, (res) => { console.log('ok'); res.destroy(); });
	req.setTimeout(5000, () => req.destroy(new Error('timed out')));
	req.on('error', fail);
} else if (mode === 'resolve') {
	require('dns').resolve4(host, (e, addrs) => {
		if (e) fail(e);
		const s = require('net').connect(Number(port), addrs[0]);
		s.on('connect', () => { console.log('ok'); s.destroy(); });
		s.on('error', fail);
	});
} else if (mode === 'fetch') {
	fetch(host, { signal: AbortSignal.timeout(5000) }).then(() => console.log('ok'), fail);
} else {
	console.error(`node.js: unknown mode ${mode}`);
	process.exit(2);
}
