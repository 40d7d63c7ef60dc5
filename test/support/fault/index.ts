export { FaultServer, freePort, ServerProcess } from './process.js';
export { RabbitMqNode } from './rabbitmq-node.js';
export { RedisServer, type RedisServerOptions } from './redis-server.js';
