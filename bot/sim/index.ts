// Switches the simulator on: its chats and personas, its sender (its rows go out through the job
// layer like every platform's), and (in a web role) the page and API at /sim — behind the admin login when it
// runs as a sandbox beside a real platform.
import type { Hono } from 'hono';
import type { AppEnv } from '../app.ts';
import type { Services } from '../services.ts';
import { simDelivery } from './delivery.ts';
import type { SimLogin } from './login.ts';
import { simRoutes } from './routes.ts';
import { SimFeed, SimSender } from './sender.ts';
import { setupSimulator } from './setup.ts';

export async function mountSimulator(
  app: Hono<AppEnv>,
  services: Services,
  opts: { web: boolean; login?: SimLogin },
): Promise<SimSender> {
  const { ctx } = services;
  await setupSimulator(ctx.db, ctx.district);
  const sender = new SimSender(ctx.db, ctx.clock, new SimFeed());
  services.senders.set('sim', sender);
  const delivery = simDelivery(ctx, 'sim');
  if (opts.web) {
    if (opts.login) {
      app.use('/sim', opts.login.guard);
      app.use('/sim/*', opts.login.guard);
      app.route('/sim/login', opts.login.routes);
    }
    app.route('/sim', simRoutes(services, sender, delivery, { sandbox: !!opts.login }));
    app.get('/sim/', (c) => c.redirect('/sim'));
    if (!opts.login) app.get('/', (c) => c.redirect('/sim'));
  }
  ctx.log.info({ chats: ctx.district.units.size, sandbox: !!opts.login }, 'simulator ready at /sim');
  return sender;
}
