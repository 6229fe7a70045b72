// Switches the simulator on: its chats and personas, its sender, its routes at /sim.
import type { Hono } from 'hono';
import type { AppEnv } from '../app.ts';
import type { Services } from '../wiring.ts';
import { simRoutes } from './routes.ts';
import { SimSender } from './sender.ts';
import { setupSimulator } from './setup.ts';

export async function mountSimulator(
  app: Hono<AppEnv>,
  services: Services,
  roles: { web: boolean },
): Promise<SimSender> {
  const { ctx } = services;
  await setupSimulator(ctx.db, ctx.district);
  const sender = new SimSender(ctx.db, ctx.clock);
  services.senders.set('sim', sender);
  if (roles.web) {
    app.route('/sim', simRoutes(services, sender));
    app.get('/', (c) => c.redirect('/sim'));
  }
  return sender;
}
