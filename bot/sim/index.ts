// Switches the simulator on: its chats and personas, its sender, interim delivery of its
// outbox rows, and (in a web role) the page and API at /sim.
import type { Hono } from 'hono';
import type { AppEnv } from '../app.ts';
import type { Services } from '../wiring.ts';
import { simDelivery } from './delivery.ts';
import { simRoutes } from './routes.ts';
import { SimFeed, SimSender } from './sender.ts';
import { setupSimulator } from './setup.ts';

export async function mountSimulator(
  app: Hono<AppEnv>,
  services: Services,
  roles: { web: boolean },
): Promise<SimSender> {
  const { ctx } = services;
  await setupSimulator(ctx.db, ctx.district);
  const sender = new SimSender(ctx.db, ctx.clock, new SimFeed());
  services.senders.set('sim', sender);
  const delivery = simDelivery(services, sender);
  services.stoppers.push(async () => delivery.stop());
  if (roles.web) {
    app.route('/sim', simRoutes(services, sender, delivery));
    app.get('/sim/', (c) => c.redirect('/sim'));
    app.get('/', (c) => c.redirect('/sim'));
  }
  ctx.log.info({ chats: ctx.district.units.size }, 'simulator ready at /sim');
  return sender;
}
