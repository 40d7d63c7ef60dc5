// Ceiling: an express 5 hello-world, what any express route costs before doing any work.
import express from 'express';

const port = Number(process.argv[2] ?? '0');
const app = express();
app.get('/', (_request, response) => {
  response.send('Hello World!');
});
app.listen(port, '127.0.0.1', () => process.send?.('ready'));
