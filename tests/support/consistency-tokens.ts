import type { Config } from '../../platform/config.js';
import { createTokenSeal } from '../../gateway/token-seal.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';

/** A token the system's gateway accepts, for a stream position of the test's choosing (a future one: CONSISTENCY_TIMEOUT). */
export function sealedToken(config: Config, position: number): string {
  return createTokenSeal(config.consistencyTokenKey ?? config.jwtSecret).seal(encodeConsistencyToken(position));
}
