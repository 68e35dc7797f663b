// Shared fast-check settings: a fixed seed and run count, both overridable from the environment.
import fc from 'fast-check';

/** The seed of every property test; `FEDSTACK_FUZZ_SEED` replays another run. */
export const FUZZ_SEED = Number(process.env.FEDSTACK_FUZZ_SEED ?? 42);
/** Runs per property; `FEDSTACK_FUZZ_RUNS` raises it for a longer search. */
export const FUZZ_RUNS = Number(process.env.FEDSTACK_FUZZ_RUNS ?? 200);

fc.configureGlobal({ seed: FUZZ_SEED, numRuns: FUZZ_RUNS });

export { fc };
