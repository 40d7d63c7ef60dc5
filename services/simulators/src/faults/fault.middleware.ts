import type { RequestHandler, Response } from 'express';
import { bodyText, fieldsOrEmpty, parseJsonBody, queryParam } from '../http/api-http.js';
import { clientIpOf, type Exchange, type FaultGate, proxyPage } from './fault-gate.js';

/**
 * The {@link FaultGate} in front of every API route Express serves. Everything the API answers
 * through `res.json` goes through the gate (counted by errcode, or replaced by an after-phase
 * fault); an answer sent otherwise is counted by its HTTP status when the response ends.
 */
export function faultMiddleware(gate: FaultGate): RequestHandler {
  return (req, res, next) => {
    const json = res.json;
    const exchange: Exchange = {
      sendJson: (body) => json.call(res, body),
      sendPage: (status) => res.status(status).type('text/html').send(proxyPage(status)),
      drop: () => req.socket.destroy(),
    };
    const host = gate.hostOf(req.socket.localPort, req.hostname);
    if (gate.isDown(host, exchange)) return;
    const call = gate.open(
      {
        path: req.path,
        host,
        query: (name) => queryParam(req, name),
        body: fieldsOrEmpty(parseJsonBody(bodyText(req))),
        request: () => ({
          query: req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '',
          body: bodyText(req),
          clientIp: clientIpOf(req.socket.remoteAddress),
        }),
      },
      exchange,
    );
    res.json = function (this: Response, body: unknown) {
      call.answer(body);
      return this;
    };
    res.on('finish', () => call.settle(res.statusCode >= 400 ? `http ${res.statusCode}` : undefined));
    res.on('close', () => call.settle(res.writableFinished ? undefined : 'dropped'));
    call.run(() => next());
  };
}
