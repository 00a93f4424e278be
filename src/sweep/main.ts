#!/usr/bin/env node
/**
 * The sweep commands as a program of their own: `node dist/sweep/main.js worker --queue …` (or
 * `sweep <file>`, `sweep status <dir>`), the same commands `discern` registers. It lets a worker
 * machine run only what it needs, and the tests drive real worker processes through it.
 */
import { Command } from 'commander';
import { registerSweepCommands } from '../cli/sweep.js';

const program = new Command().name('discern').showHelpAfterError();
registerSweepCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  console.error(`discern: error: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DISCERN_DEBUG && error instanceof Error) console.error(error.stack);
  process.exit(1);
}
