/**
 * vitest globalSetup: one moto_server for the whole test run.
 *
 * Wire it up in vitest.config.ts:  test: { globalSetup: ['./test/support/moto.globalSetup.ts'] }
 *
 * Tests get the URL with:
 *
 *   import { inject } from 'vitest';
 *   import { localClientConfig } from '../../cli/local/localAws';
 *   const ecs = new ECSClient(localClientConfig(inject('motoEndpoint')));
 *
 * The server is shared by every test file (and every worker), so tests must not
 * assume an empty account: use unique resource names, or reset via
 * `POST ${endpoint}/moto-api/reset` only where files cannot run concurrently.
 */
import type { TestProject } from 'vitest/node';
import { startMoto } from '../../cli/local/moto';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the shared moto_server, e.g. http://127.0.0.1:41234 */
    motoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return async () => {
    await moto.stop();
  };
}
