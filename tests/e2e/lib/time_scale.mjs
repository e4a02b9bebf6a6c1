// How much slower than a Release build the server under test is allowed to be.
// SLUICE_E2E_TIME_SCALE (CTest sets 10 for a sanitizer build, whose server runs
// several times slower) multiplies the tests' waiting limits: request timeouts
// and task polls are safety nets against a hang, never checks of speed.
const parsed = Number(process.env.SLUICE_E2E_TIME_SCALE ?? '1');
export const TIME_SCALE = Number.isFinite(parsed) && parsed >= 1 ? parsed : 1;

/** A waiting limit in ms, scaled for the build under test. */
export function scaled(ms) {
  return ms * TIME_SCALE;
}
