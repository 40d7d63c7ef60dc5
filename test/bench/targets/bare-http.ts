// Ceiling: the cheapest possible Node HTTP handler on this machine.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? '0');
createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
  response.end('Hello World!');
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
