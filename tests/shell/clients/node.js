// node.js tcp|udp HOST PORT - node's own clients, for tests/shell/clients.sh: net.connect, or one
// datagram with dgram's send.  Prints "ok" and exits 0, or prints node's error and exits 1.
'use strict';
const [mode, host, port] = process.argv.slice(2);
const fail = (e) => { console.error(`node: ${e.code} ${e.message}`); process.exit(1); };
if (mode === 'tcp') {
	const s = require('net').connect(Number(port), host);
	s.on('connect', () => { console.log('ok'); s.destroy(); });
	s.on('error', fail);
} else if (mode === 'udp') {
	const s = require('dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
	s.send('x', Number(port), host, (e) => { if (e) fail(e); console.log('ok'); s.close(); });
} else {
	console.error(`node.js: unknown mode ${mode}`);
	process.exit(2);
}
