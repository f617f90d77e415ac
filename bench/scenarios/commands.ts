import type { ScenarioContext } from './scenario-context.js';

/** The commands' ladder (ours and the CRUD service's): rates stepped through from the highest fixed rate that held, or from well below the lowest. */
export const commandLadder = (quick: boolean) => (quick ? [150, 375] : [100, 150, 200, 300, 375, 450, 625, 750, 1250, 1500]);

/**
 * Group 'commands': a mix of createProduct, restockProduct and placeOrder at fixed arrival rates,
 * then the highest rate whose p99 stays under 100 ms (stepping up from the fixed ones). Returns that rate's throughput.
 */
export async function runCommands({ quick, queryWarmupS, drive, settle, maxSustained }: ScenarioContext): Promise<number> {
  let commandsMax = 0;
  const failedRates: number[] = [];
  for (const rate of quick ? [250, 500] : [250, 500, 1000]) {
    // The first step warms up like the query steps (cold caches, pools and JIT are not the
    // steady state); later steps start warm, and a warm-up at a rate the system cannot hold
    // would only add a backlog.
    const result = await drive('commands mix', {
      kind: 'commandMix',
      mode: 'open',
      rate,
      ...(rate === 250 ? { warmupS: queryWarmupS } : {}),
    });
    if (result.latency.p99 <= 100 && result.errors <= result.sent * 0.01) commandsMax = Math.max(commandsMax, result.throughput);
    else failedRates.push(rate);
    await settle();
  }
  // Step up from the highest fixed rate that held, or from well below the lowest when none did.
  commandsMax = Math.max(
    commandsMax,
    await maxSustained(
      'commands mix',
      'commandMix',
      commandLadder(quick).filter((rate) => rate > commandsMax && !failedRates.some((failed) => rate >= failed)),
      100,
    ),
  );

  await settle();
  return commandsMax;
}
