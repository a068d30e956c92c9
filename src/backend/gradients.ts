// Gradient overrides so that second-order gradients (WGAN-GP, R1) are right on every backend.
// (Work in progress: filled in by the engine issue.)
let registered = false;

export function registerGradientOverrides(): void {
  if (registered) return;
  registered = true;
}
