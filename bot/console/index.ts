// The office's web console at /console: a surface of its own on the same app and the same
// handlers (not a chat platform). Login by a one-time link from the chat, then pages limited to
// what the viewer's role may see and do.
import { Hono } from 'hono';
import type { AppEnv } from '../app.ts';
import type { Services } from '../services.ts';
import { callRoutes } from './calls.ts';
import { mountConsoleAssets } from './html.ts';
import { overviewRoutes } from './overview.ts';
import { peopleRoutes } from './people.ts';
import { reportRoutes } from './reports.ts';
import { scopeOf } from './scope.ts';
import { type ConsoleEnv, loginRoutes, sessionGuard } from './session.ts';
import { sessionRoutes } from './sessions.ts';

export function consoleRoutes(services: Services): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  mountConsoleAssets(app as unknown as Hono);
  loginRoutes(app, services.ctx);
  app.use('*', sessionGuard(services.ctx));
  overviewRoutes(app, services, (c) => scopeOf(c.get('viewer')));
  callRoutes(app, services);
  reportRoutes(app, services);
  peopleRoutes(app, services);
  sessionRoutes(app, services);
  return app;
}

export function mountConsole(app: Hono<AppEnv>, services: Services) {
  app.route('/console', consoleRoutes(services) as unknown as Hono<AppEnv>);
}
