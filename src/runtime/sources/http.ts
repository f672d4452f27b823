// `source APP.ACTION` of an app reached over HTTP (Pipedrive, your own REST apps): pages from the
// process's shared client, rate limiter and budget (../http-app).
import type { SourceComponent } from '../component.js';

export const httpSource: SourceComponent = {
  open: (req, ctx) => ctx.http.source(req.ref, req.action, req.query, { ...(req.limit !== undefined ? { limit: req.limit } : {}), ...(req.fields ? { fields: req.fields } : {}), signal: ctx.signal }),
};
