/** Option parsers shared by the commands: each rejects a bad value with a message naming the option. */
import { InvalidArgumentError } from 'commander';
import { TIERS, type TierRequest } from '../engine/index.js';

function numberWhere(name: string, accept: (n: number) => boolean, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || !accept(n)) throw new InvalidArgumentError(`${name} must be ${what} (got '${value}')`);
    return n;
  };
}

export const positiveNumber = (name: string) => numberWhere(name, (n) => n > 0, 'a positive number');
export const nonNegativeNumber = (name: string) => numberWhere(name, (n) => n >= 0, 'a number ≥ 0');

export function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer (got '${value}')`);
    return n;
  };
}

export function tier(value: string): TierRequest {
  if (value !== 'auto' && !(TIERS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown tier '${value}': use auto, ${TIERS.join(', ')}`);
  }
  return value as TierRequest;
}

export const TIER_HELP = `engine tier: auto, ${TIERS.join(', ')}`;
