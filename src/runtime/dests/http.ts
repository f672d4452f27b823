// `dest APP.ACTION` of an app reached over HTTP: writes through the process's shared client, rate
// limiter and budget (../http-app), with upsert and per-record progress for writes that cannot be
// repeated. A dry run says what it would send, without sending it.
import type { DestComponent } from '../component.js';

export const httpDest: DestComponent = {
  previews: true,
  open: (req, ctx) =>
    ctx.http.destination(req.ref, req.action, {
      dryRun: ctx.dryRun,
      ...(ctx.log ? { log: ctx.log } : {}),
      ...(req.explicit ? { explicit: req.explicit } : {}),
      ...(req.upsert ? { upsert: req.upsert } : {}),
    }),
};
