import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Apollo Server's request handler for Express: what @as-integrations/express5's
 * `expressMiddleware` does, without its `url.parse(req.url)` per request (deprecated, and 3.4% of
 * the gateway's CPU on Node 24 in a profile of 2026-12-01), for the query string that a POST does
 * not even use. Needs a JSON body parser before it (req.body).
 */
export function graphqlHandler<Context extends BaseContext>(
  server: ApolloServer<Context>,
  context: ContextFunction<[{ req: Request; res: Response }], Context>,
): RequestHandler {
  server.assertStarted('graphqlHandler()');
  return async (req, res) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const at = req.url.indexOf('?');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: at < 0 ? '' : req.url.slice(at), body: req.body },
      context: () => context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.send(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
